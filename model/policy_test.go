package model

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestValidatePolicies(t *testing.T) {
	t.Parallel()
	a := []Backend{{Name: "a"}}
	pfx := netip.MustParsePrefix
	ok := Policy{Name: "office", Allow: []netip.Prefix{pfx("10.0.0.0/8")}, Deny: []netip.Prefix{pfx("10.6.6.0/24")}}
	limit := Policy{Name: "limit", RateLimit: &RateLimit{Requests: 10, Per: time.Second}, MaxConcurrent: 5, LimitStatus: 503}
	good := TableSpec{Backends: a, Policies: []Policy{ok, limit},
		Routes: []Route{{Path: "/", Backend: "a", Policies: []string{"limit", "office"}}}}
	if err := good.Validate(); err != nil {
		t.Fatalf("valid policies: %v", err)
	}
	tests := []struct {
		name string
		spec TableSpec
		want string
	}{
		{"undefined policy", TableSpec{Backends: a, Routes: []Route{{Path: "/", Backend: "a", Policies: []string{"nope"}}}},
			`route / names undefined policy "nope"`},
		{"no rule", TableSpec{Policies: []Policy{{Name: "empty"}}}, `policy "empty": has no rule`},
		{"no name", TableSpec{Policies: []Policy{{Allow: ok.Allow}}}, "policy 0 has no name"},
		{"twice", TableSpec{Policies: []Policy{ok, ok}}, `policy "office" is defined twice`},
		{"allowed and denied", TableSpec{Policies: []Policy{{Name: "x", Allow: []netip.Prefix{pfx("10.1.2.0/24")}, Deny: []netip.Prefix{pfx("10.1.2.3/24")}}}},
			`policy "x": 10.1.2.0/24 is both allowed and denied`},
		{"zero rate", TableSpec{Policies: []Policy{{Name: "x", RateLimit: &RateLimit{Per: time.Second}}}}, "rate limit must be at least 1 request, not 0"},
		{"bad per", TableSpec{Policies: []Policy{{Name: "x", RateLimit: &RateLimit{Requests: 1, Per: time.Hour}}}}, "per second or per minute"},
		{"negative burst", TableSpec{Policies: []Policy{{Name: "x", RateLimit: &RateLimit{Requests: 1, Per: time.Second, Burst: -1}}}}, "burst must not be negative"},
		{"negative concurrency", TableSpec{Policies: []Policy{{Name: "x", MaxConcurrent: -1}}}, "concurrency limit must not be negative"},
		{"bad status", TableSpec{Policies: []Policy{{Name: "x", MaxConcurrent: 1, LimitStatus: 500}}}, "limit status must be 429 or 503, not 500"},
		{"bad v6 prefix", TableSpec{Policies: []Policy{{Name: "x", MaxConcurrent: 1, IPv6Prefix: 129}}}, "IPv6 prefix length must be 1 to 128"},
		{"invalid prefix", TableSpec{Policies: []Policy{{Name: "x", Deny: []netip.Prefix{{}}}}}, "invalid prefix in deny"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.spec.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate() = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestPolicyDefaults(t *testing.T) {
	t.Parallel()
	p := Policy{RateLimit: &RateLimit{Requests: 120, Per: time.Minute}}.WithDefaults()
	if p.LimitStatus != 429 || p.IPv6Prefix != 64 || p.RateLimit.Burst != 2 {
		t.Errorf("defaults = status %d, v6 /%d, burst %d; want 429, /64, 2", p.LimitStatus, p.IPv6Prefix, p.RateLimit.Burst)
	}
	if p := (Policy{RateLimit: &RateLimit{Requests: 30, Per: time.Minute}}).WithDefaults(); p.RateLimit.Burst != 1 {
		t.Errorf("burst of 30/min = %d, want at least 1", p.RateLimit.Burst)
	}
	if p := (Policy{RateLimit: &RateLimit{Requests: 10, Per: time.Second}}).WithDefaults(); p.RateLimit.Burst != 10 {
		t.Errorf("burst of 10/s = %d, want 10", p.RateLimit.Burst)
	}
}

func TestUndefinedPolicies(t *testing.T) {
	t.Parallel()
	s := TableSpec{Policies: []Policy{DenyAll("edge")}}
	if got := s.UndefinedPolicies([]string{"edge", "nope"}); len(got) != 1 || got[0] != "nope" {
		t.Errorf("UndefinedPolicies = %v, want [nope]", got)
	}
}
