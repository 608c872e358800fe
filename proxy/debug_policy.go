package proxy

import (
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/policy"
)

// debugPolicy is the JSON shape of a policy in /debug/table.
type debugPolicy struct {
	Name          string          `json:"name"`
	Allow         []string        `json:"allow,omitempty"`
	Deny          []string        `json:"deny,omitempty"`
	RateLimit     *debugRateLimit `json:"rateLimit,omitempty"`
	MaxConcurrent int             `json:"maxConcurrentRequests,omitempty"`
	Exempt        []string        `json:"exempt,omitempty"`
	LimitStatus   int             `json:"limitStatus,omitempty"`
	IPv6Prefix    int             `json:"ipv6Prefix,omitempty"`
	// Clients is how many clients the policy's limiter keeps state for.
	Clients int `json:"clients,omitempty"`
}

type debugRateLimit struct {
	Requests int    `json:"requests"`
	Per      string `json:"per"`
	Burst    int    `json:"burst"`
}

// debugPolicies describes t's policies, by name.
func debugPolicies(t *Table) []debugPolicy {
	out := []debugPolicy{}
	for _, p := range t.policies {
		spec := p.Spec()
		dp := debugPolicy{Name: p.Name, Allow: prefixStrings(spec.Allow), Deny: prefixStrings(spec.Deny)}
		if spec.RateLimit != nil || spec.MaxConcurrent > 0 {
			dp.MaxConcurrent, dp.Exempt = spec.MaxConcurrent, prefixStrings(spec.LimitExempt)
			dp.LimitStatus, dp.IPv6Prefix = spec.LimitStatus, spec.IPv6Prefix
			dp.Clients = p.Limiter().Clients()
		}
		if rl := spec.RateLimit; rl != nil {
			per := "second"
			if rl.Per == time.Minute {
				per = "minute"
			}
			dp.RateLimit = &debugRateLimit{Requests: rl.Requests, Per: per, Burst: rl.Burst}
		}
		out = append(out, dp)
	}
	slices.SortFunc(out, func(a, b debugPolicy) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func prefixStrings(ps []netip.Prefix) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.String())
	}
	return out
}

// debugVerdict is one policy's verdict in /debug/client-ip.
type debugVerdict struct {
	Policy string `json:"policy"`
	// From says what applies it: "listener NAME" or "route LABEL".
	From    string `json:"from"`
	Address string `json:"address"`
	// Verdict is "passed", "denied", "rate_limited" or
	// "concurrency_limited": what the policy would decide now (nothing is
	// taken from the client's limits by asking).
	Verdict string `json:"verdict"`
	Status  int    `json:"status,omitempty"`
	Why     string `json:"why,omitempty"`
}

// debugPolicyVerdicts explains, for client a, every policy the listener
// named listener (none when "") and the route for host and path in the
// listener's scope (a request with no header, query nor method) apply, in
// the order they are checked.
func (s *Server) debugPolicyVerdicts(t *Table, a netip.Addr, listener, host, path string) []debugVerdict {
	out := []debugVerdict{}
	now := time.Now()
	add := func(from string, ps []*policy.Policy) {
		for _, p := range ps {
			v := p.Explain(a, now)
			out = append(out, debugVerdict{Policy: p.Name, From: from, Address: a.String(),
				Verdict: v.Reason.String(), Status: v.Status, Why: v.Why})
		}
	}
	var scope string
	if listener != "" {
		var names []string
		names, scope = s.listenerPolicies(listener)
		add("listener "+listener, lookupPolicies(names, t.policies))
	}
	if clean, ok := model.CleanPath(path); ok {
		if rule := t.route(&routeRequest{scope: scope, host: model.CanonicalHost(host), path: clean}); rule != nil {
			add("route "+rule.label, rule.policies)
		}
	}
	return out
}

// listenerPolicies returns the policies and the scope of the listener
// named name; none and the default scope when there is no such listener.
func (s *Server) listenerPolicies(name string) (policies []string, scope string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range s.opts.Listeners {
		if l.Name == name {
			return l.Policies, l.Scope
		}
	}
	return nil, ""
}
