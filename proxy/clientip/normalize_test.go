package clientip

import (
	"net/netip"
	"testing"
)

func TestNormalize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   netip.Addr
		want netip.Addr
	}{
		{"ipv4 unchanged", netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.1")},
		{"ipv6 unchanged", netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8::1")},
		{"ipv4-mapped unmapped", netip.MustParseAddr("::ffff:10.0.0.1"), netip.MustParseAddr("10.0.0.1")},
		{"zone dropped", netip.MustParseAddr("fe80::1%eth0"), netip.MustParseAddr("fe80::1")},
		{"mapped with zone", netip.MustParseAddr("::ffff:10.0.0.1%eth0"), netip.MustParseAddr("10.0.0.1")},
		{"ipv4-compatible stays ipv6", netip.MustParseAddr("::10.0.0.1"), netip.MustParseAddr("::a00:1")},
		{"invalid stays invalid", netip.Addr{}, netip.Addr{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Normalize(tt.in); got != tt.want {
				t.Errorf("Normalize(%v) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}
