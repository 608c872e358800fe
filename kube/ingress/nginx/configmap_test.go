package nginx

import (
	"strings"
	"testing"
)

func TestTranslateConfigMap(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		data     map[string]string
		trusted  string
		sources  string
		pp       string // "" off, else mode:cidrs
		xff      string
		everyone bool
		findings []string // substrings, in order
	}{
		{name: "nothing set: nothing believed", data: map[string]string{}, xff: "replace"},
		{name: "forwarded headers with the default CIDR trust no one", data: map[string]string{"use-forwarded-headers": "true"},
			sources: "x-forwarded-for", xff: "replace", everyone: true,
			findings: []string{"warning: proxy-real-ip-cidr: WARNING: ingress-nginx believed X-Forwarded-For from every address (proxy-real-ip-cidr is not set", "info: use-forwarded-headers"}},
		{name: "forwarded headers from the load balancer", data: map[string]string{"use-forwarded-headers": "true", "compute-full-forwarded-for": "true", "proxy-real-ip-cidr": "10.0.0.0/8, 192.168.1.7, 10.0.0.0/8"},
			trusted: "10.0.0.0/8 192.168.1.7/32", sources: "x-forwarded-for", xff: "append",
			findings: []string{"difference: compute-full-forwarded-for", "info: proxy-real-ip-cidr", "info: use-forwarded-headers"}},
		{name: "an explicit 0.0.0.0/0 is not carried either", data: map[string]string{"enable-real-ip": "true", "proxy-real-ip-cidr": "0.0.0.0/0"},
			sources: "x-forwarded-for", xff: "replace", everyone: true,
			findings: []string{"info: enable-real-ip", "proxy-real-ip-cidr holds a prefix of length 0"}},
		{name: "proxy protocol from the load balancer", data: map[string]string{"use-proxy-protocol": "true", "proxy-real-ip-cidr": "10.1.0.0/16"},
			pp: "10.1.0.0/16", xff: "replace", findings: []string{"difference: use-proxy-protocol"}},
		{name: "proxy protocol from everyone", data: map[string]string{"use-proxy-protocol": "true"},
			pp: "-", xff: "replace", everyone: true, findings: []string{"warning: use-proxy-protocol: WARNING"}},
		{name: "another client-IP header is not served", data: map[string]string{"use-forwarded-headers": "true", "forwarded-for-header": "CF-Connecting-IP", "proxy-real-ip-cidr": "10.0.0.0/8"},
			trusted: "10.0.0.0/8", sources: "x-forwarded-for", xff: "replace",
			findings: []string{"warning: forwarded-for-header: not served", "info: proxy-real-ip-cidr", "info: use-forwarded-headers"}},
		{name: "malformed values", data: map[string]string{"use-forwarded-headers": "yes", "proxy-real-ip-cidr": "10.0.0.0/33", "ssl-redirect": "false"},
			xff: "replace", findings: []string{"info: (other keys): not translated by migrate: ssl-redirect", "error: proxy-real-ip-cidr", "info: proxy-real-ip-cidr: has no effect", "error: use-forwarded-headers"}},
		{name: "malformed CIDR trusts no one", data: map[string]string{"use-forwarded-headers": "true", "proxy-real-ip-cidr": "10.0.0.0/8,bogus"},
			sources: "x-forwarded-for", xff: "replace", findings: []string{"error: proxy-real-ip-cidr: \"bogus\"", "info: use-forwarded-headers"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, findings := TranslateConfigMap(tt.data)
			var trusted []string
			for _, p := range c.TrustedProxies {
				trusted = append(trusted, p.String())
			}
			if got := strings.Join(trusted, " "); got != tt.trusted {
				t.Errorf("trusted %q, want %q", got, tt.trusted)
			}
			if got := strings.Join(c.Sources, " "); got != tt.sources {
				t.Errorf("sources %q, want %q", got, tt.sources)
			}
			pp := ""
			if c.ProxyProtocol {
				pp = "-"
				if len(c.ProxyProtocolCIDRs) > 0 {
					pp = c.ProxyProtocolCIDRs[0].String()
				}
			}
			if pp != tt.pp || c.XForwardedFor != tt.xff || c.TrustedEveryone != tt.everyone {
				t.Errorf("pp %q xff %q everyone %v; want %q %q %v", pp, c.XForwardedFor, c.TrustedEveryone, tt.pp, tt.xff, tt.everyone)
			}
			if len(findings) != len(tt.findings) {
				t.Fatalf("findings %v; want %d", findings, len(tt.findings))
			}
			for i, f := range findings {
				if !strings.Contains(f.String(), tt.findings[i]) {
					t.Errorf("finding %d %q; want it to contain %q", i, f, tt.findings[i])
				}
			}
			for _, p := range append(c.TrustedProxies, c.ProxyProtocolCIDRs...) {
				if p.Bits() == 0 {
					t.Errorf("a prefix of length 0 was carried: %v", p)
				}
			}
		})
	}
}
