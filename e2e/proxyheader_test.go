package e2e

import (
	"bytes"
	"net/netip"
	"testing"
)

func TestProxyHeaders(t *testing.T) {
	t.Parallel()
	src4, dst4 := netip.MustParseAddrPort("198.51.100.99:1234"), netip.MustParseAddrPort("198.51.100.1:8080")
	src6, dst6 := netip.MustParseAddrPort("[fd00::7]:1234"), netip.MustParseAddrPort("[fd00::1]:8080")
	tests := []struct {
		name string
		got  []byte
		want []byte
	}{
		{"v1 IPv4", ProxyV1Header(src4, dst4), []byte("PROXY TCP4 198.51.100.99 198.51.100.1 1234 8080\r\n")},
		{"v1 IPv6", ProxyV1Header(src6, dst6), []byte("PROXY TCP6 fd00::7 fd00::1 1234 8080\r\n")},
		{"v2 IPv4", ProxyV2Header(src4, dst4), append([]byte("\r\n\r\n\x00\r\nQUIT\n\x21\x11\x00\x0c"),
			198, 51, 100, 99, 198, 51, 100, 1, 0x04, 0xd2, 0x1f, 0x90)},
		{"v2 IPv6 length", ProxyV2Header(src6, dst6)[14:16], []byte{0, 36}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if !bytes.Equal(tt.got, tt.want) {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}
