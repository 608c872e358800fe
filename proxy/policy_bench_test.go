package proxy

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/firsthop/firsthop/model"
)

// benchAllow1000 is an allowlist of 1,000 disjoint prefixes with the
// benchmark client (192.0.2.10) in the last one: the list of
// examples/bench/policy.yaml, whose last prefix is its client's instead.
func benchAllow1000() []netip.Prefix {
	var allow []netip.Prefix
	for i := range 999 {
		allow = append(allow, netip.MustParsePrefix(fmt.Sprintf("10.%d.%d.0/24", i/128, 2*(i%128))))
	}
	return append(allow, netip.MustParsePrefix("192.0.2.0/24"))
}

// BenchmarkHandlerPolicy is BenchmarkHandler on a route with a policy: an
// allowlist of 1,000 prefixes (the client in the last one), and a rate
// limit the client stays under.
func BenchmarkHandlerPolicy(b *testing.B) {
	allow := benchAllow1000()
	b.Run("allow=1000", func(b *testing.B) {
		benchmarkHandlerPolicy(b, nil, model.Policy{Name: "allow", Allow: allow})
	})
	b.Run("rate-limit", func(b *testing.B) {
		benchmarkHandlerPolicy(b, nil, model.Policy{Name: "limit", RateLimit: &model.RateLimit{Requests: 1 << 30, Per: time.Second, Burst: 1 << 20}})
	})
	b.Run("rate+concurrency", func(b *testing.B) {
		benchmarkHandlerPolicy(b, nil, model.Policy{Name: "limit", MaxConcurrent: 100,
			RateLimit: &model.RateLimit{Requests: 1 << 30, Per: time.Second, Burst: 1 << 20}})
	})
}

// BenchmarkHandlerPolicyCost is issue 21's policy cost at the handler:
// the route of examples/bench/policy.yaml (two policies, the 1,000-prefix
// allowlist and a rate limit of a million a second that never refuses)
// against the same route without them ("none"), each with metrics off and
// on (examples/bench.yaml has them on). Compare ns/op and allocs/op of
// the pairs within one run.
func BenchmarkHandlerPolicyCost(b *testing.B) {
	policies := []model.Policy{
		{Name: "allow-1000", Allow: benchAllow1000()},
		{Name: "rate-limit", RateLimit: &model.RateLimit{Requests: 1_000_000, Per: time.Second, Burst: 1_000_000}},
	}
	for _, metrics := range []bool{false, true} {
		var m *Metrics
		if metrics {
			var err error
			if m, _, err = NewPrometheusMetrics(); err != nil {
				b.Fatal(err)
			}
		}
		b.Run(fmt.Sprintf("none/metrics=%v", metrics), func(b *testing.B) {
			benchmarkHandlerPolicy(b, m)
		})
		b.Run(fmt.Sprintf("allow=1000+rate-limit/metrics=%v", metrics), func(b *testing.B) {
			benchmarkHandlerPolicy(b, m, policies...)
		})
	}
}

// benchmarkHandlerPolicy is benchmarkHandler (with metrics m, nil for
// none) on a route checking policies, in order.
func benchmarkHandlerPolicy(b *testing.B, m *Metrics, policies ...model.Policy) {
	spec := benchSpec(fixedBackend(b))
	spec.Policies = policies
	for _, p := range policies {
		spec.Routes[0].Policies = append(spec.Routes[0].Policies, p.Name)
	}
	benchmarkHandlerSpec(b, m, spec)
}
