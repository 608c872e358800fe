package policy

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"
)

func TestSetContains(t *testing.T) {
	t.Parallel()
	s := NewSet(prefixes("10.0.0.0/8", "192.168.1.0/24", "192.168.2.0/24", "2001:db8::/32", "::ffff:172.16.0.0/108", "203.0.113.7/32", "2001:db8:ffff::/48", "fe80::1/128"))
	tests := []struct {
		addr string
		want bool
	}{
		{"10.0.0.0", true}, {"10.255.255.255", true}, {"11.0.0.0", false}, {"9.255.255.255", false},
		{"192.168.1.9", true}, {"192.168.2.255", true}, {"192.168.3.0", false}, {"192.168.0.255", false},
		{"172.16.3.4", true}, {"172.32.0.0", false},
		{"203.0.113.7", true}, {"203.0.113.8", false},
		{"::ffff:10.1.2.3", true},
		{"2001:db8::1", true}, {"2001:db8:ffff:ffff::", true}, {"2001:db9::", false}, {"2001:db7:ffff::", false},
		{"fe80::1", true}, {"fe80::2", false}, {"::", false}, {"::a00:1", false},
	}
	for _, tc := range tests {
		if got := s.Contains(netip.MustParseAddr(tc.addr)); got != tc.want {
			t.Errorf("Contains(%s) = %v, want %v", tc.addr, got, tc.want)
		}
	}
	var empty *Set
	if empty.Contains(netip.MustParseAddr("10.0.0.1")) || !empty.Empty() || !NewSet(nil).Empty() {
		t.Error("a nil or empty set holds something")
	}
	all := NewSet(prefixes("0.0.0.0/0", "::/0"))
	for _, a := range []string{"0.0.0.0", "255.255.255.255", "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db8::1"} {
		if !all.Contains(netip.MustParseAddr(a)) {
			t.Errorf("the set of all addresses lacks %s", a)
		}
	}
	if len(all.v4) != 1 || len(all.v6) != 1 {
		t.Errorf("all addresses = %d+%d spans, want 1+1", len(all.v4), len(all.v6))
	}
}

// TestSetMatchesLinearScan checks the merged ranges against the obvious
// loop over the prefixes, for random overlapping prefixes and addresses.
func TestSetMatchesLinearScan(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 50 {
		var ps []netip.Prefix
		for range 1 + r.IntN(40) {
			ps = append(ps, randomPrefix(r))
		}
		s := NewSet(ps)
		for range 500 {
			a := randomAddr(r, ps)
			want := false
			for _, p := range ps {
				want = want || p.Contains(a)
			}
			if got := s.Contains(a); got != want {
				t.Fatalf("round %d: Contains(%s) = %v, want %v (prefixes %v)", round, a, got, want, ps)
			}
		}
	}
}

func randomPrefix(r *rand.Rand) netip.Prefix {
	if r.IntN(2) == 0 {
		b := [4]byte{10, byte(r.IntN(4)), byte(r.IntN(256)), byte(r.IntN(256))}
		return netip.PrefixFrom(netip.AddrFrom4(b), 8+r.IntN(25)).Masked()
	}
	var b [16]byte
	b[0], b[1], b[2] = 0x20, 0x01, byte(r.IntN(4))
	for i := 3; i < 16; i++ {
		b[i] = byte(r.IntN(256))
	}
	return netip.PrefixFrom(netip.AddrFrom16(b), 16+r.IntN(113)).Masked()
}

// randomAddr returns an address near one of ps, or anywhere.
func randomAddr(r *rand.Rand, ps []netip.Prefix) netip.Addr {
	p := ps[r.IntN(len(ps))]
	b := p.Addr().AsSlice()
	for i := range b {
		if r.IntN(3) == 0 {
			b[i] = byte(r.IntN(256))
		}
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

func prefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

func BenchmarkSet1000(b *testing.B) {
	var ps []netip.Prefix
	for i := range 1000 {
		ps = append(ps, netip.MustParsePrefix(fmt.Sprintf("10.%d.%d.0/24", i/128, 2*(i%128))))
	}
	s := NewSet(ps)
	a := netip.MustParseAddr("10.3.200.77")
	b.ReportAllocs()
	for b.Loop() {
		if !s.Contains(a) {
			b.Fatal("missing")
		}
	}
}
