package proxy

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/firsthop/firsthop/model"
)

// BenchmarkHandlerPolicy is BenchmarkHandler on a route with a policy: an
// allowlist of 1,000 prefixes (the client in the last one), and a rate
// limit the client stays under.
func BenchmarkHandlerPolicy(b *testing.B) {
	var allow []netip.Prefix
	for i := range 999 {
		allow = append(allow, netip.MustParsePrefix(fmt.Sprintf("10.%d.%d.0/24", i/128, 2*(i%128))))
	}
	allow = append(allow, netip.MustParsePrefix("192.0.2.0/24"))
	b.Run("allow=1000", func(b *testing.B) {
		benchmarkHandlerPolicy(b, model.Policy{Name: "allow", Allow: allow})
	})
	b.Run("rate-limit", func(b *testing.B) {
		benchmarkHandlerPolicy(b, model.Policy{Name: "limit", RateLimit: &model.RateLimit{Requests: 1 << 30, Per: time.Second, Burst: 1 << 20}})
	})
	b.Run("rate+concurrency", func(b *testing.B) {
		benchmarkHandlerPolicy(b, model.Policy{Name: "limit", MaxConcurrent: 100,
			RateLimit: &model.RateLimit{Requests: 1 << 30, Per: time.Second, Burst: 1 << 20}})
	})
}

func benchmarkHandlerPolicy(b *testing.B, p model.Policy) {
	spec := benchSpec(fixedBackend(b))
	spec.Policies = []model.Policy{p}
	spec.Routes[0].Policies = []string{p.Name}
	benchmarkHandlerSpec(b, nil, spec)
}
