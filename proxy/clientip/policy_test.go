package clientip

import (
	"net/netip"
	"testing"
)

func TestParseHeader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    Header
		wantErr bool
	}{
		{"forwarded", "forwarded", HeaderForwarded, false},
		{"forwarded mixed case", "Forwarded", HeaderForwarded, false},
		{"xff", "x-forwarded-for", HeaderXForwardedFor, false},
		{"xff canonical", "X-Forwarded-For", HeaderXForwardedFor, false},
		{"xff upper", "X-FORWARDED-FOR", HeaderXForwardedFor, false},
		{"empty", "", 0, true},
		{"x-real-ip is not a source", "x-real-ip", 0, true},
		{"underscore spelling", "x_forwarded_for", 0, true},
		{"surrounding space", " forwarded", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseHeader(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseHeader(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("ParseHeader(%q) = %v, want %v", tt.in, got, tt.want)
			}
			if err == nil {
				if back, _ := ParseHeader(got.String()); back != got {
					t.Errorf("ParseHeader(%q.String()) = %v, want %v", got, back, got)
				}
			}
		})
	}
}

func TestStringers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"header forwarded", HeaderForwarded.String(), "forwarded"},
		{"header xff", HeaderXForwardedFor.String(), "x-forwarded-for"},
		{"header zero", Header(0).String(), "Header(0)"},
		{"source peer", SourcePeer.String(), "peer"},
		{"source proxy", SourceProxyProtocol.String(), "proxy-protocol"},
		{"source forwarded", SourceForwarded.String(), "forwarded"},
		{"source xff", SourceXForwardedFor.String(), "x-forwarded-for"},
		{"source out of range", Source(9).String(), "Source(9)"},
		{"stop start untrusted", StopStartUntrusted.String(), "start-untrusted"},
		{"stop no header", StopNoHeader.String(), "no-header"},
		{"stop untrusted hop", StopUntrustedHop.String(), "untrusted-hop"},
		{"stop exhausted", StopExhausted.String(), "exhausted"},
		{"stop malformed", StopMalformed.String(), "malformed"},
		{"stop unknown", StopUnknown.String(), "unknown"},
		{"stop obfuscated", StopObfuscated.String(), "obfuscated"},
		{"stop hop limit", StopHopLimit.String(), "hop-limit"},
		{"stop out of range", StopReason(200).String(), "StopReason(200)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func TestPolicyTrusted(t *testing.T) {
	t.Parallel()
	p := &Policy{TrustedProxies: []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("2001:db8::/32"),
		netip.MustParsePrefix("fe80::/10"),
	}}
	tests := []struct {
		name   string
		policy *Policy
		addr   netip.Addr
		want   bool
	}{
		{"ipv4 inside", p, netip.MustParseAddr("10.1.2.3"), true},
		{"ipv4 outside", p, netip.MustParseAddr("11.0.0.1"), false},
		{"ipv6 inside", p, netip.MustParseAddr("2001:db8::1"), true},
		{"ipv6 outside", p, netip.MustParseAddr("2001:db9::1"), false},
		{"ipv4-mapped matches ipv4 prefix", p, netip.MustParseAddr("::ffff:10.0.0.1"), true},
		{"ipv4-mapped outside", p, netip.MustParseAddr("::ffff:11.0.0.1"), false},
		{"zoned matches after zone dropped", p, netip.MustParseAddr("fe80::1%eth0"), true},
		{"invalid address", p, netip.Addr{}, false},
		{"empty trust list trusts nobody", &Policy{}, netip.MustParseAddr("10.0.0.1"), false},
		{"nil policy trusts nobody", nil, netip.MustParseAddr("10.0.0.1"), false},
		{"ipv4-compatible is not ipv4", p, netip.MustParseAddr("::10.0.0.1"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.policy.Trusted(tt.addr); got != tt.want {
				t.Errorf("Trusted(%v) = %v, want %v", tt.addr, got, tt.want)
			}
		})
	}
}
