package policy

import (
	"fmt"
	"net/netip"
	"sync"
	"time"

	"github.com/firsthop/firsthop/model"
)

// Policy is a compiled [model.Policy]: its prefix sets and its limiter,
// which it shares with every other compilation of the same policy by the
// same [Registry]. It is immutable but for the limiter's state.
type Policy struct {
	Name    string
	spec    model.Policy // with defaults
	allow   *Set         // nil: every address is allowed
	deny    *Set         // nil: none is denied
	exempt  *Set         // nil: none is exempt from the limits
	limiter *Limiter     // nil: no limit
}

// Reason says why a policy refused a request; the zero Reason is none.
type Reason uint8

const (
	// Passed: the policy does not refuse the request.
	Passed Reason = iota
	// Denied: the address is denied, or not allowed (403).
	Denied
	// RateLimited: the client is over the rate limit.
	RateLimited
	// ConcurrencyLimited: the client has too many requests in flight.
	ConcurrencyLimited
)

var reasonNames = [...]string{Passed: "passed", Denied: "denied", RateLimited: "rate_limited", ConcurrencyLimited: "concurrency_limited"}

// String returns the metric label spelling of r.
func (r Reason) String() string {
	if int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return fmt.Sprintf("Reason(%d)", uint8(r))
}

// Verdict is a policy's decision on one request.
type Verdict struct {
	Reason Reason
	// Status is the answer of a refused request: 403, or the policy's
	// limit status.
	Status int
	// RetryAfter is how many seconds a limited client should wait (at
	// least 1); zero for a request not limited.
	RetryAfter int
	// Held says the request holds a place in flight, to give back with
	// [Policy.Release] when it ends.
	Held bool
	// Why is a short explanation for people, naming the rule.
	Why string
}

// Compile compiles p with its own limiter state; see [Registry.Compile] for
// state that outlives one table.
func Compile(p model.Policy) *Policy {
	return compile(p, nil)
}

func compile(p model.Policy, limiter *Limiter) *Policy {
	p = p.WithDefaults()
	c := &Policy{Name: p.Name, spec: p}
	if len(p.Allow) > 0 {
		c.allow = NewSet(p.Allow)
	}
	if len(p.Deny) > 0 {
		c.deny = NewSet(p.Deny)
	}
	if len(p.LimitExempt) > 0 {
		c.exempt = NewSet(p.LimitExempt)
	}
	if p.RateLimit != nil || p.MaxConcurrent > 0 {
		if limiter == nil {
			limiter = NewLimiter(limiterConfig(p, 0))
		}
		c.limiter = limiter
	}
	return c
}

func limiterConfig(p model.Policy, maxClients int) LimiterConfig {
	c := LimiterConfig{MaxConcurrent: p.MaxConcurrent, IPv6Prefix: p.IPv6Prefix, MaxClients: maxClients}
	if rl := p.RateLimit; rl != nil {
		c.Requests, c.Per, c.Burst = rl.Requests, rl.Per, rl.Burst
	}
	return c
}

// Spec returns the policy p was compiled from, with defaults filled in.
func (p *Policy) Spec() model.Policy { return p.spec }

// Check decides the request of client a (normalised) at now: deny, then
// allow, then (unless a is exempt) the rate limit and the concurrency
// limit. A verdict with Held set must be followed by Release(a).
func (p *Policy) Check(a netip.Addr, now time.Time) Verdict {
	return p.check(a, now, false)
}

// Explain is Check without taking a token or a place: what Check would
// decide now, for /debug pages.
func (p *Policy) Explain(a netip.Addr, now time.Time) Verdict {
	return p.check(a, now, true)
}

func (p *Policy) check(a netip.Addr, now time.Time, peek bool) Verdict {
	if p.deny.Contains(a) {
		return Verdict{Reason: Denied, Status: 403, Why: "client address is denied"}
	}
	if p.allow != nil && !p.allow.Contains(a) {
		return Verdict{Reason: Denied, Status: 403, Why: "client address is not allowed"}
	}
	if p.limiter == nil {
		return Verdict{}
	}
	if p.exempt.Contains(a) {
		return Verdict{Why: "client address is exempt from the limits"}
	}
	var o Outcome
	var retry time.Duration
	if peek {
		o, retry = p.limiter.Peek(a, now)
	} else {
		o, retry = p.limiter.Admit(a, now)
	}
	switch o {
	case OverRate:
		return Verdict{Reason: RateLimited, Status: p.spec.LimitStatus, RetryAfter: seconds(retry), Why: "too many requests from this client"}
	case OverConcurrency:
		return Verdict{Reason: ConcurrencyLimited, Status: p.spec.LimitStatus, RetryAfter: seconds(retry), Why: "too many requests in flight from this client"}
	}
	return Verdict{Held: !peek && p.limiter.HoldsPlace()}
}

// Release gives back the place in flight a Check with Held took for a.
func (p *Policy) Release(a netip.Addr) { p.limiter.Release(a) }

// Limiter returns p's limiter, nil without limits.
func (p *Policy) Limiter() *Limiter { return p.limiter }

func seconds(d time.Duration) int {
	return max(int((d+time.Second-1)/time.Second), 1)
}

// Registry keeps limiter state across tables: compiling a policy whose
// name and limits are those of one compiled before gives the same limiter,
// so that a reload or a table swap keeps every unchanged policy's counts.
// Its methods are safe for concurrent use.
type Registry struct {
	// MaxClients bounds each limiter's clients; 0 means DefaultMaxClients.
	MaxClients int

	mu       sync.Mutex
	limiters map[limiterKey]*Limiter
}

// limiterKey is what makes two policies' limiters the same: the name and
// every setting that shapes the state. Allow and deny lists may change
// without resetting the limits.
type limiterKey struct {
	name      string
	requests  int
	per       time.Duration
	burst     int
	maxConc   int
	v6bits    int
	hasLimits bool
}

// Compile compiles p, with the limiter of an earlier compilation of the
// same name and limits when there was one.
func (r *Registry) Compile(p model.Policy) *Policy {
	p = p.WithDefaults()
	if p.RateLimit == nil && p.MaxConcurrent <= 0 {
		return compile(p, nil)
	}
	k := limiterKey{name: p.Name, maxConc: p.MaxConcurrent, v6bits: p.IPv6Prefix, hasLimits: true}
	if rl := p.RateLimit; rl != nil {
		k.requests, k.per, k.burst = rl.Requests, rl.Per, rl.Burst
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.limiters[k]
	if l == nil {
		l = NewLimiter(limiterConfig(p, r.MaxClients))
		if r.limiters == nil {
			r.limiters = make(map[limiterKey]*Limiter)
		}
		r.limiters[k] = l
	}
	return compile(p, l)
}

// KeepOnly forgets the limiters of policies not in used (the policies of
// the table now published); tables still serving keep theirs until done.
func (r *Registry) KeepOnly(used []*Policy) {
	live := make(map[*Limiter]bool, len(used))
	for _, p := range used {
		if p.limiter != nil {
			live[p.limiter] = true
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, l := range r.limiters {
		if !live[l] {
			delete(r.limiters, k)
		}
	}
}
