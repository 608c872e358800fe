package config

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firsthop/firsthop/model"
)

// issuePolicies is the shape of issue 16, completed into a valid file.
const issuePolicies = `policies:
  - name: office-only
    allow: [10.0.0.0/8, 2001:db8::/32]   # if set, only these client IPs; others 403
    deny: [10.6.6.0/24]                  # these client IPs 403, also when allowed
  - name: api-limit
    rateLimit:
      requestsPerSecond: 10
      burst: 20
      ipv6Prefix: 64
      exempt: [10.1.0.0/16]
      status: 429
    maxConcurrentRequests: 5
  - name: edge-denylist
    deny: [192.0.2.0/24]
listeners:
  - name: public
    address: 0.0.0.0:8080
    policies: [edge-denylist]
routes:
  - host: app.example.com
    policies: [api-limit]
    paths:
      - { path: /admin, backend: admin, policies: [office-only] }
      - { path: /, backend: admin }
backends:
  - { name: admin, echo: true }
`

func TestParsePolicies(t *testing.T) {
	t.Parallel()
	cfg, err := Parse("p.yaml", []byte(issuePolicies), Options{})
	if err != nil {
		t.Fatal(err)
	}
	pfx := netip.MustParsePrefix
	want := []model.Policy{
		{Name: "office-only", Allow: []netip.Prefix{pfx("10.0.0.0/8"), pfx("2001:db8::/32")}, Deny: []netip.Prefix{pfx("10.6.6.0/24")}},
		{Name: "api-limit", RateLimit: &model.RateLimit{Requests: 10, Per: time.Second, Burst: 20}, IPv6Prefix: 64,
			LimitExempt: []netip.Prefix{pfx("10.1.0.0/16")}, LimitStatus: 429, MaxConcurrent: 5},
		{Name: "edge-denylist", Deny: []netip.Prefix{pfx("192.0.2.0/24")}},
	}
	if !slices.EqualFunc(cfg.Table.Policies, want, func(a, b model.Policy) bool { return a.Equal(&b) }) {
		t.Errorf("policies = %+v\nwant %+v", cfg.Table.Policies, want)
	}
	if got := cfg.Listeners[0].Policies; !slices.Equal(got, []string{"edge-denylist"}) {
		t.Errorf("listener policies = %v", got)
	}
	routes := map[string][]string{}
	for _, r := range cfg.Table.Routes {
		routes[r.Path] = r.Policies
	}
	if got := routes["/admin"]; !slices.Equal(got, []string{"api-limit", "office-only"}) {
		t.Errorf("/admin policies = %v, want the host's then the path's", got)
	}
	if got := routes["/"]; !slices.Equal(got, []string{"api-limit"}) {
		t.Errorf("/ policies = %v, want the host's", got)
	}
	if err := cfg.Table.Validate(); err != nil {
		t.Errorf("the table does not validate: %v", err)
	}
	perMinute, err := Parse("p.yaml", []byte(listener+"policies:\n  - {name: slow, rateLimit: {requestsPerMinute: 30, status: 503}}\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rl := perMinute.Table.Policies[0].RateLimit; rl == nil || rl.Requests != 30 || rl.Per != time.Minute || perMinute.Table.Policies[0].LimitStatus != 503 {
		t.Errorf("per minute = %+v", perMinute.Table.Policies[0])
	}
}

func TestPolicyErrors(t *testing.T) {
	t.Parallel()
	be := "backends:\n  - {name: b, echo: true}\n"
	cases := []struct {
		name      string
		yaml      string
		line, col int
		msg       string
	}{
		{"unknown policy on a path", listener + be + "routes:\n  - paths:\n      - {path: /, backend: b, policies: [nope]}\n", 7, 42,
			`routes[0].paths[0].policies[0]: no policy is named "nope" (the file defines no policies)`},
		{"unknown policy on a host", listener + be + "policies:\n  - {name: p, deny: [10.0.0.0/8]}\nroutes:\n  - policies: [p, q]\n    paths: [{path: /, backend: b}]\n", 8, 19,
			`routes[0].policies[1]: no policy is named "q" (defined: p)`},
		{"unknown policy on a listener", "listeners:\n  - {name: a, address: 127.0.0.1:80, policies: [edge]}\n", 2, 49,
			`listeners[0].policies[0]: no policy is named "edge"`},
		{"empty policy list", "listeners:\n  - {name: a, address: 127.0.0.1:80, policies: []}\n", 2, 48,
			"listeners[0].policies: empty list"},
		{"empty allow", listener + "policies:\n  - {name: p, allow: []}\n", 4, 22, "policies[0].allow: empty list"},
		{"allowed and denied", listener + "policies:\n  - name: p\n    deny: [10.0.0.0/8]\n    allow: [10.0.0.0/8]\n", 6, 13,
			"policies[0].allow[0]: 10.0.0.0/8 is also denied (line 5)"},
		{"zero rate", listener + "policies:\n  - {name: p, rateLimit: {requestsPerSecond: 0}}\n", 4, 46,
			"policies[0].rateLimit.requestsPerSecond: 0 is out of range"},
		{"zero concurrency", listener + "policies:\n  - {name: p, maxConcurrentRequests: 0}\n", 4, 38,
			"policies[0].maxConcurrentRequests: 0 is out of range"},
		{"both rates", listener + "policies:\n  - {name: p, rateLimit: {requestsPerSecond: 1, requestsPerMinute: 60}}\n", 4, 68,
			"give requestsPerSecond or requestsPerMinute, not both"},
		{"no rate", listener + "policies:\n  - {name: p, rateLimit: {burst: 3}}\n", 4, 26,
			"policies[0].rateLimit: requestsPerSecond or requestsPerMinute is required"},
		{"bad status", listener + "policies:\n  - {name: p, rateLimit: {requestsPerSecond: 1, status: 500}}\n", 4, 57,
			"want 429 (the default) or 503"},
		{"no rule", listener + "policies:\n  - {name: p}\n", 4, 5, `policy "p" has no rule`},
		{"bad CIDR", listener + "policies:\n  - {name: p, deny: [10.0.0.0/33]}\n", 4, 22, "prefix length 33 is out of range"},
		{"twice", listener + "policies:\n  - {name: p, deny: [10.0.0.0/8]}\n  - {name: p, deny: [10.0.0.0/9]}\n", 5, 12,
			`policies[1].name: "p" is already the name of policies[0] at line 4`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse("test.yaml", []byte(tc.yaml), Options{})
			var errs Errors
			if !errors.As(err, &errs) || len(errs) != 1 {
				t.Fatalf("Parse = %v, want one diagnostic", err)
			}
			got := errs[0]
			if got.Line != tc.line || got.Column != tc.col || !strings.Contains(got.Message, tc.msg) || !strings.HasPrefix(got.String(), "test.yaml:") {
				t.Errorf("got %s (%d:%d), want %d:%d %q", got, got.Line, got.Column, tc.line, tc.col, tc.msg)
			}
		})
	}
}

func TestLintAllowlistBehindTrustEveryone(t *testing.T) {
	t.Parallel()
	yaml := "listeners:\n  - name: a\n    address: 127.0.0.1:80\n    policies: [office]\n    proxyProtocol: {mode: required, trustedCIDRs: [0.0.0.0/0]}\n" +
		"policies:\n  - {name: office, allow: [10.0.0.0/8]}\n"
	cfg, err := Parse("test.yaml", []byte(yaml), Options{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, w := range cfg.Warnings {
		if strings.Contains(w.Message, "an allowlist applies") && w.Line == 2 {
			found = true
		}
	}
	if !found {
		t.Errorf("warnings %v lack the allowlist one", cfg.Warnings)
	}
	// Without the allowlist, no such warning.
	cfg, err = Parse("test.yaml", []byte(strings.Replace(yaml, "allow: [10.0.0.0/8]", "deny: [10.0.0.0/8]", 1)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range cfg.Warnings {
		if strings.Contains(w.Message, "an allowlist applies") {
			t.Errorf("warning without an allowlist: %s", w)
		}
	}
}
