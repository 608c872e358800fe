package model

import (
	"fmt"
	"net/netip"
	"slices"
	"time"
)

// Policy is a named set of rules on the client address: who may reach a
// route (Allow, Deny) and how fast (RateLimit, MaxConcurrent). The address
// is always the one the client-IP resolver settled on (a believed PROXY
// header's source, else the trusted forwarding-header walk, else the peer),
// normalised: never a header an untrusted peer sent.
//
// Policies are named in TableSpec.Policies and applied by name: a
// listener's ([ListenerSpec.Policies]) to every request on it, first, then
// a route's ([Route.Policies]). Every policy that applies is checked; any
// one can refuse. A refused request never reaches a backend.
type Policy struct {
	// Name identifies the policy in routes, listeners, metrics and logs.
	Name string

	// Allow, when not empty, admits only client addresses inside one of
	// its prefixes; others get 403.
	Allow []netip.Prefix
	// Deny refuses (403) client addresses inside one of its prefixes, also
	// when Allow admits them.
	Deny []netip.Prefix

	// RateLimit, when set, limits the requests per client (see
	// [RateLimit]); over it the client gets LimitStatus with Retry-After.
	RateLimit *RateLimit
	// MaxConcurrent, when positive, caps one client's requests in flight;
	// over it the client gets LimitStatus.
	MaxConcurrent int

	// LimitExempt are client addresses neither limit applies to.
	LimitExempt []netip.Prefix
	// LimitStatus is the status of a request over a limit: 429 (the
	// default, when zero) or 503 (what ingress-nginx answers).
	LimitStatus int
	// IPv6Prefix is the prefix length IPv6 clients share a limit by: every
	// address of one /64 (the default, when zero) is one client.
	IPv6Prefix int
}

// RateLimit is a token bucket per client: Requests per Per on average,
// with up to Burst at once.
type RateLimit struct {
	// Requests per Per, at least 1.
	Requests int
	// Per is time.Second or time.Minute.
	Per time.Duration
	// Burst is how many requests a client that has been quiet may make at
	// once; zero means one second's worth (at least 1).
	Burst int
}

// Policy defaults.
const (
	DefaultLimitStatus = 429
	DefaultIPv6Prefix  = 64
)

// WithDefaults returns p with zero limit settings replaced by the defaults
// above, and a RateLimit's zero Burst by one second's worth.
func (p Policy) WithDefaults() Policy {
	if p.LimitStatus == 0 {
		p.LimitStatus = DefaultLimitStatus
	}
	if p.IPv6Prefix == 0 {
		p.IPv6Prefix = DefaultIPv6Prefix
	}
	if p.RateLimit != nil && p.RateLimit.Burst == 0 {
		rl := *p.RateLimit
		if rl.Per > 0 {
			rl.Burst = int(int64(rl.Requests) * int64(time.Second) / int64(rl.Per))
		}
		rl.Burst = max(rl.Burst, 1)
		p.RateLimit = &rl
	}
	return p
}

// Equal reports whether p and q are the same policy, rule for rule.
func (p *Policy) Equal(q *Policy) bool {
	if p.Name != q.Name || p.MaxConcurrent != q.MaxConcurrent || p.LimitStatus != q.LimitStatus || p.IPv6Prefix != q.IPv6Prefix ||
		!slices.Equal(p.Allow, q.Allow) || !slices.Equal(p.Deny, q.Deny) || !slices.Equal(p.LimitExempt, q.LimitExempt) {
		return false
	}
	if (p.RateLimit == nil) != (q.RateLimit == nil) {
		return false
	}
	return p.RateLimit == nil || *p.RateLimit == *q.RateLimit
}

// DenyAll returns a policy named name that refuses every client: what a
// source whose policy did not parse puts in its place, so that a route is
// never open because its list was malformed.
func DenyAll(name string) Policy {
	return Policy{Name: name, Deny: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}}
}

// checkPolicy checks the rules of one policy on its own.
func checkPolicy(p *Policy) []string {
	var errs []string
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Sprintf("policy %q: ", p.Name)+fmt.Sprintf(format, args...))
	}
	if len(p.Allow) == 0 && len(p.Deny) == 0 && p.RateLimit == nil && p.MaxConcurrent == 0 {
		bad("has no rule (allow, deny, rate limit or concurrency limit)")
	}
	deny := make(map[netip.Prefix]bool, len(p.Deny))
	for _, lists := range []struct {
		name string
		list []netip.Prefix
	}{{"deny", p.Deny}, {"allow", p.Allow}, {"exempt", p.LimitExempt}} {
		for _, pr := range lists.list {
			if !pr.IsValid() {
				bad("invalid prefix in %s", lists.name)
				continue
			}
			switch lists.name {
			case "deny":
				deny[pr.Masked()] = true
			case "allow":
				if deny[pr.Masked()] {
					bad("%s is both allowed and denied", pr.Masked())
				}
			}
		}
	}
	if rl := p.RateLimit; rl != nil {
		if rl.Requests <= 0 {
			bad("rate limit must be at least 1 request, not %d", rl.Requests)
		}
		if rl.Per != time.Second && rl.Per != time.Minute {
			bad("rate limit is per second or per minute, not per %s", rl.Per)
		}
		if rl.Burst < 0 {
			bad("burst must not be negative")
		}
	}
	if p.MaxConcurrent < 0 {
		bad("concurrency limit must not be negative")
	}
	if p.LimitStatus != 0 && p.LimitStatus != 429 && p.LimitStatus != 503 {
		bad("limit status must be 429 or 503, not %d", p.LimitStatus)
	}
	if p.IPv6Prefix < 0 || p.IPv6Prefix > 128 {
		bad("IPv6 prefix length must be 1 to 128, not %d", p.IPv6Prefix)
	}
	return errs
}

// checkPolicies checks s's policies and the names its routes give, adding
// what is broken to errs.
func (s *TableSpec) checkPolicies(errs []string) []string {
	defined := make(map[string]bool, len(s.Policies))
	for i := range s.Policies {
		p := &s.Policies[i]
		if p.Name == "" {
			errs = append(errs, fmt.Sprintf("policy %d has no name", i))
			continue
		}
		if defined[p.Name] {
			errs = append(errs, fmt.Sprintf("policy %q is defined twice", p.Name))
			continue
		}
		defined[p.Name] = true
		errs = append(errs, checkPolicy(p)...)
	}
	for _, r := range s.Routes {
		for _, name := range r.Policies {
			if !defined[name] {
				errs = append(errs, fmt.Sprintf("route %s%s names undefined policy %q", r.Host, r.Path, name))
			}
		}
	}
	return errs
}

// UndefinedPolicies returns the names in names that no policy of s has,
// for a source to check a listener's [ListenerSpec.Policies] against the
// table they will be applied with. The data plane refuses (403) every
// request on a listener that names a policy its table lacks.
func (s *TableSpec) UndefinedPolicies(names []string) []string {
	var missing []string
	for _, n := range names {
		if !slices.ContainsFunc(s.Policies, func(p Policy) bool { return p.Name == n }) {
			missing = append(missing, n)
		}
	}
	return missing
}
