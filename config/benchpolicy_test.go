package config_test

import (
	"net/netip"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/policy"
)

// TestBenchPolicyExample checks what examples/bench/policy.yaml promises
// (issue 21's policy cost is measured with it against examples/bench.yaml):
// the same configuration but for two policies on the one route, an
// allowlist of 1,000 prefixes that admits the peers client (127.0.0.1) and
// a rate limit no single core reaches, so that neither refuses a request.
func TestBenchPolicyExample(t *testing.T) {
	t.Parallel()
	plain := loadExample(t, filepath.Join(examplesDir, "bench.yaml"))
	cfg := loadExample(t, filepath.Join(examplesDir, "bench", "policy.yaml"))

	pols := map[string]model.Policy{}
	for _, p := range cfg.Table.Policies {
		pols[p.Name] = p
	}
	allow, limit := pols["allow-1000"], pols["rate-limit"]
	if len(pols) != 2 || len(allow.Allow) != 1000 || limit.RateLimit == nil {
		t.Fatalf("policies %v: want allow-1000 with 1,000 prefixes and rate-limit", cfg.Table.Policies)
	}
	// Every prefix stays its own range, so a lookup searches 1,000.
	distinct := map[netip.Prefix]bool{}
	for _, p := range allow.Allow {
		distinct[p.Masked()] = true
	}
	if len(distinct) != 1000 {
		t.Errorf("%d distinct allow prefixes, want 1,000", len(distinct))
	}
	if r := limit.RateLimit; r.Per != time.Second || r.Requests < 1_000_000 || r.Burst < 1_000_000 {
		t.Errorf("rate limit %+v: want at least 1,000,000 a second and as much burst", *r)
	}
	client := netip.MustParseAddr("127.0.0.1")
	now := time.Now()
	for _, p := range cfg.Table.Policies {
		if v := policy.Compile(p).Check(client, now); v.Status != 0 {
			t.Errorf("policy %s refuses %s: %+v", p.Name, client, v)
		}
	}
	if len(cfg.Table.Routes) != 1 || !reflect.DeepEqual(cfg.Table.Routes[0].Policies, []string{"allow-1000", "rate-limit"}) {
		t.Fatalf("routes %+v: want one route with policies allow-1000 and rate-limit", cfg.Table.Routes)
	}

	// Without its policies, it is examples/bench.yaml.
	cfg.Table.Policies = nil
	cfg.Table.Routes[0].Policies = nil
	cfg.Files, plain.Files = nil, nil
	if !reflect.DeepEqual(cfg, plain) {
		t.Errorf("examples/bench/policy.yaml without its policies differs from examples/bench.yaml:\n%+v\n%+v", cfg, plain)
	}
}
