package upstreamaddr

import (
	"net/netip"
	"testing"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr string
		want Class
	}{
		{"10.0.0.1", Usable},
		{"192.0.2.1", Usable},
		{"172.18.0.5", Usable},
		{"2001:db8::1", Usable},
		{"::ffff:10.0.0.1", Usable},
		{"127.0.0.1", Loopback},
		{"127.3.2.1", Loopback},
		{"::ffff:127.0.0.1", Loopback},
		{"::1", Loopback},
		{"0.0.0.0", Unspecified},
		{"::", Unspecified},
		{"169.254.169.254", LinkLocal},
		{"::ffff:169.254.169.254", LinkLocal},
		{"fe80::1", LinkLocal},
		{"fe80::1%eth0", Invalid},
		{"224.0.0.1", Multicast},
		{"ff02::1", Multicast},
		{"ff01::1", Multicast},
		{"fd00:ec2::254", Metadata},
		{"100.100.100.200", Metadata},
		{"168.63.129.16", Metadata},
		{"192.0.0.192", Metadata},
	}
	for _, tc := range tests {
		t.Run(tc.addr, func(t *testing.T) {
			t.Parallel()
			a := netip.MustParseAddr(tc.addr)
			if got := Classify(a); got != tc.want {
				t.Errorf("Classify(%s) = %s, want %s", tc.addr, got, tc.want)
			}
			if got := IsUsable(a); got != (tc.want == Usable) {
				t.Errorf("IsUsable(%s) = %v", tc.addr, got)
			}
		})
	}
	if got := Classify(netip.Addr{}); got != Invalid {
		t.Errorf("Classify(zero) = %s, want %s", got, Invalid)
	}
}
