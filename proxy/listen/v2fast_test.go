package listen

import (
	"net/netip"
	"testing"
)

func TestParseV2TCP(t *testing.T) {
	t.Parallel()
	src, dst := netip.MustParseAddrPort("203.0.113.7:51000"), netip.MustParseAddrPort("192.0.2.1:443")
	src6, dst6 := netip.MustParseAddrPort("[2001:db8::7]:51000"), netip.MustParseAddrPort("[2001:db8::1]:443")
	mapped := netip.AddrPortFrom(netip.AddrFrom16(src.Addr().As16()), src.Port())
	tests := []struct {
		name string
		b    []byte
		want proxied // zero: not taken by the fast path
	}{
		{"TCP4", v2TCP4(src, dst, nil), proxied{src, dst}},
		{"TCP4 with TLVs", v2TCP4(src, dst, []byte{0x04, 0, 3, 0, 0, 0, 0x01, 0, 2, 'h', '2'}), proxied{src, dst}},
		{"TCP6", v2TCP6(src6, dst6), proxied{src6, dst6}},
		{"TCP6 holding an IPv4-mapped source", v2TCP6(mapped, dst6), proxied{src, dst6}},
		{"truncated TLV", v2TCP4(src, dst, []byte{0x01, 0, 9}), proxied{}},
		{"TLV header cut", v2TCP4(src, dst, []byte{0x01, 0}), proxied{}},
		{"LOCAL", v2(0x20, 0x11, 12, make([]byte, 12)), proxied{}},
		{"UDP", v2(0x21, 0x12, 12, make([]byte, 12)), proxied{}},
		{"address block short", v2(0x21, 0x11, 4, make([]byte, 4)), proxied{}},
		{"length past the bytes", v2(0x21, 0x11, 200, make([]byte, 12)), proxied{}},
		{"v1", []byte("PROXY TCP4 203.0.113.7 192.0.2.1 51000 443\r\n"), proxied{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := parseV2TCP(tc.b)
			if taken := tc.want.source.IsValid(); ok != taken || got != tc.want {
				t.Errorf("parseV2TCP = %v, %v; want %v (taken: %v)", got, ok, tc.want, taken)
			}
		})
	}
}

// FuzzParseV2TCP checks that the fast path answers as go-proxyproto does
// for every header it takes.
//
//	go test ./proxy/listen -run '^$' -fuzz FuzzParseV2TCP -fuzztime 60s
func FuzzParseV2TCP(f *testing.F) {
	src, dst := netip.MustParseAddrPort("203.0.113.7:51000"), netip.MustParseAddrPort("192.0.2.1:443")
	f.Add(v2TCP4(src, dst, nil))
	f.Add(v2TCP4(src, dst, []byte{0x04, 0, 3, 0, 0, 0}))
	f.Add(v2TCP6(netip.MustParseAddrPort("[2001:db8::7]:1"), netip.MustParseAddrPort("[2001:db8::1]:2")))
	f.Add(v2(0x21, 0x11, 15, make([]byte, 15)))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, ok := parseV2TCP(b)
		if !ok {
			return
		}
		want, believe, err := parseHeaderGeneric(b)
		if err != nil || !believe || want != got {
			t.Fatalf("fast path %v; go-proxyproto %v, believe %v, error %v", got, want, believe, err)
		}
	})
}
