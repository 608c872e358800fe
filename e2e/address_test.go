package e2e

import (
	"net/netip"
	"testing"
)

func TestIPv6For(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		v4   string
		want string
	}{
		{"client", "203.0.113.7", "fd00::203:0:113:7"},
		{"infra", "192.0.2.10", "fd00::192:0:2:10"},
		{"node", "198.51.100.1", "fd00::198:51:100:1"},
		{"largest octets", "255.255.255.255", "fd00::255:255:255:255"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := IPv6For(netip.MustParseAddr(tt.v4))
			if got != netip.MustParseAddr(tt.want) {
				t.Errorf("IPv6For(%s) = %s, want %s", tt.v4, got, tt.want)
			}
			if !FabricIPv6.Contains(got) {
				t.Errorf("IPv6For(%s) = %s, outside %s", tt.v4, got, FabricIPv6)
			}
		})
	}
}

func TestRoleRangesInsideFabric(t *testing.T) {
	t.Parallel()
	for role, r := range explicitRanges {
		t.Run(role.String(), func(t *testing.T) {
			t.Parallel()
			for _, a := range []netip.Addr{r.first, r.last} {
				inside := false
				for _, p := range FabricIPv4 {
					inside = inside || p.Contains(a)
				}
				if !inside {
					t.Errorf("%s outside the fabric prefixes %v", a, FabricIPv4)
				}
				if ServiceCIDR.Contains(a) {
					t.Errorf("%s inside the service range %s", a, ServiceCIDR)
				}
			}
			if !roleRanges[role].contains(roleRanges[role].first) || !r.contains(roleRanges[role].last) {
				t.Errorf("allocation range %v not inside explicit range %v", roleRanges[role], r)
			}
		})
	}
}

func TestRoleRangesDisjoint(t *testing.T) {
	t.Parallel()
	for a, ra := range roleRanges {
		for b, rb := range roleRanges {
			if a < b && (ra.contains(rb.first) || ra.contains(rb.last) || rb.contains(ra.first)) {
				t.Errorf("%s range %v overlaps %s range %v", a, ra, b, rb)
			}
		}
	}
}
