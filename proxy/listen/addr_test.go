package listen

import (
	"net"
	"net/netip"
	"testing"
)

func TestNormalizeAddrPort(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   netip.AddrPort
		want netip.AddrPort
	}{
		{"IPv4", netip.MustParseAddrPort("10.0.0.1:80"), netip.MustParseAddrPort("10.0.0.1:80")},
		{"IPv4-mapped", netip.MustParseAddrPort("[::ffff:10.0.0.1]:80"), netip.MustParseAddrPort("10.0.0.1:80")},
		{"IPv6", netip.MustParseAddrPort("[2001:db8::1]:80"), netip.MustParseAddrPort("[2001:db8::1]:80")},
		{"zoned", netip.MustParseAddrPort("[fe80::1%eth0]:80"), netip.MustParseAddrPort("[fe80::1]:80")},
		{"zoned mapped", netip.AddrPortFrom(netip.MustParseAddr("::ffff:10.0.0.1").WithZone("eth0"), 1), netip.MustParseAddrPort("10.0.0.1:1")},
		{"zero", netip.AddrPort{}, netip.AddrPort{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := normalizeAddrPort(c.in); got != c.want {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}

type stringAddr string

func (a stringAddr) Network() string { return "test" }
func (a stringAddr) String() string  { return string(a) }

func TestAddrPortOf(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   net.Addr
		want netip.AddrPort
	}{
		{"TCP IPv4 in 16 bytes", &net.TCPAddr{IP: net.ParseIP("10.0.0.1"), Port: 443}, netip.MustParseAddrPort("10.0.0.1:443")},
		{"TCP IPv4 in 4 bytes", &net.TCPAddr{IP: net.IPv4(10, 0, 0, 1).To4(), Port: 443}, netip.MustParseAddrPort("10.0.0.1:443")},
		{"TCP zoned", &net.TCPAddr{IP: net.ParseIP("fe80::1"), Zone: "lo", Port: 1}, netip.MustParseAddrPort("[fe80::1]:1")},
		{"TCP nil IP", &net.TCPAddr{Port: 1}, netip.AddrPort{}},
		{"TCP bad port", &net.TCPAddr{IP: net.ParseIP("10.0.0.1"), Port: 70000}, netip.AddrPort{}},
		{"nil TCP", (*net.TCPAddr)(nil), netip.AddrPort{}},
		{"nil", nil, netip.AddrPort{}},
		{"string mapped", stringAddr("[::ffff:192.0.2.1]:8"), netip.MustParseAddrPort("192.0.2.1:8")},
		{"string garbage", stringAddr("pipe"), netip.AddrPort{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := addrPortOf(c.in); got != c.want {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestTrustSet(t *testing.T) {
	t.Parallel()
	set := newTrustSet([]netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("::ffff:192.168.0.0/112"), // = 192.168.0.0/16
		netip.MustParsePrefix("2001:db8::/32"),
		netip.PrefixFrom(netip.MustParseAddr("172.16.5.5"), 12), // unmasked
		{}, // invalid: ignored
	})
	cases := []struct {
		addr string
		want bool
	}{
		{"10.1.2.3", true},
		{"::ffff:10.1.2.3", true},
		{"11.0.0.1", false},
		{"192.168.44.1", true},
		{"::ffff:192.168.44.1", true},
		{"192.169.0.1", false},
		{"2001:db8::5", true},
		{"2001:db8::5%eth0", true},
		{"2001:db9::5", false},
		{"172.31.255.255", true},
		{"172.32.0.0", false},
		{"::", false},
		{"0.0.0.0", false},
	}
	for _, c := range cases {
		t.Run(c.addr, func(t *testing.T) {
			t.Parallel()
			if got := set.contains(netip.MustParseAddr(c.addr)); got != c.want {
				t.Errorf("contains(%s) = %v, want %v", c.addr, got, c.want)
			}
		})
	}
	t.Run("invalid address", func(t *testing.T) {
		t.Parallel()
		if set.contains(netip.Addr{}) {
			t.Error("the invalid address is trusted")
		}
	})
	t.Run("empty set", func(t *testing.T) {
		t.Parallel()
		if newTrustSet(nil).contains(netip.MustParseAddr("127.0.0.1")) {
			t.Error("an empty set trusts 127.0.0.1")
		}
	})
}
