package e2e

import (
	"net/netip"
	"testing"
)

func TestPickPool(t *testing.T) {
	t.Parallel()
	set := func(addrs ...string) func(netip.Addr) bool {
		m := map[netip.Addr]bool{}
		for _, a := range addrs {
			m[netip.MustParseAddr(a)] = true
		}
		return func(a netip.Addr) bool { return m[a] }
	}
	tests := []struct {
		name    string
		r       addrRange
		bits    int
		taken   func(netip.Addr) bool
		want    string
		wantErr bool
	}{
		{"node range, empty: the top /28", roleRanges[Node], 28, set(), "198.51.100.48/28", false},
		{"node range, a host at the top: the next block down", roleRanges[Node], 28, set("198.51.100.60"), "198.51.100.32/28", false},
		{"node range, hosts from the bottom", roleRanges[Node], 28, set("198.51.100.1", "198.51.100.2"), "198.51.100.48/28", false},
		{"node range, only the block holding .0 left: refused", roleRanges[Node], 28,
			set("198.51.100.16", "198.51.100.32", "198.51.100.48"), "", true},
		{"pod range ends at .254: the partial top block is skipped", roleRanges[Pod], 28, set(), "198.51.100.224/28", false},
		{"a /32", roleRanges[Node], 32, set("198.51.100.63"), "198.51.100.62/32", false},
		{"a /26 does not fit the node range", roleRanges[Node], 26, set(), "", true},
		{"prefix length too short", roleRanges[Node], 16, set(), "", true},
		{"prefix length too long", roleRanges[Node], 33, set(), "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := pickPool(tt.r, tt.bits, tt.taken)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("pickPool = %s, want an error", got)
				}
				return
			}
			if err != nil || got != netip.MustParsePrefix(tt.want) {
				t.Fatalf("pickPool = %s, %v; want %s", got, err, tt.want)
			}
			for _, a := range prefixAddrs(got) {
				if !tt.r.contains(a) || tt.taken(a) {
					t.Errorf("pool address %s outside the range or taken", a)
				}
			}
		})
	}
}

func TestPoolIPv6For(t *testing.T) {
	t.Parallel()
	p := netip.MustParsePrefix("198.51.100.48/28")
	got := poolIPv6For(p)
	if want := netip.MustParsePrefix("fd00::f:0:c633:6430/124"); got != want {
		t.Fatalf("poolIPv6For(%s) = %s, want %s", p, got, want)
	}
	if !FabricIPv6.Contains(got.Addr()) {
		t.Errorf("%s outside %s", got, FabricIPv6)
	}
	pool := AddressPool{IPv4: p, IPv6: got}
	v4, v6 := pool.IPv4Addrs(), pool.IPv6Addrs()
	if len(v4) != 16 || len(v6) != 16 {
		t.Fatalf("pool sizes %d and %d, want 16 and 16", len(v4), len(v6))
	}
	// No host of any role can hold one of the pool's IPv6 addresses.
	for _, r := range explicitRanges {
		for a := r.first; r.contains(a); a = a.Next() {
			if got.Contains(IPv6For(a)) {
				t.Fatalf("IPv6For(%s) = %s lies in the pool %s", a, IPv6For(a), got)
			}
		}
	}
}
