package policy

import (
	"hash/maphash"
	"net/netip"
	"sync"
	"time"
)

// DefaultMaxClients is how many clients a [Limiter] keeps state for by
// default. Past it, idle clients (their bucket full again and no request in
// flight) are forgotten first, then others (see [Limiter]): a flood of
// distinct addresses costs at most about this many entries of
// [BytesPerClient] each, per limited policy.
const DefaultMaxClients = 1 << 16

// BytesPerClient bounds what one client's entry costs, map overhead and
// slack included: BenchmarkLimiterMemory measures about 84 bytes a client
// for a million clients kept, and 171 for a flood held to the default
// bound (the maps keep room for a full shard), so that a limited policy's
// state stays near 10 MiB and under DefaultMaxClients * BytesPerClient
// (11.5 MiB).
const BytesPerClient = 176

// shards is how many independently locked parts a Limiter's state is in,
// so that one client's requests never wait for many others'.
const shards = 256

// Limiter is the per-client state of one policy's limits: a rate limit as
// a token bucket (kept as a theoretical arrival time, GCRA) and a count of
// requests in flight. Clients are addresses; IPv6 addresses are grouped by
// a prefix (a /64 by default), as one host usually holds a whole /64.
//
// State is bounded: each shard keeps at most MaxClients/shards entries,
// beyond those of clients with a request in flight (which the process's
// connection and stream limits bound). When a shard is full, entries that
// are idle are dropped; when too few are, arbitrary entries without
// requests in flight go too (a forgotten client
// starts again with a full bucket: under a flood of distinct addresses
// beyond the bound, limits weaken for those rather than memory growing).
// Its methods are safe for concurrent use.
type Limiter struct {
	interval int64 // nanoseconds per request; 0: no rate limit
	tau      int64 // interval * burst
	maxConc  int32 // 0: no concurrency limit
	v6bits   int
	perShard int
	seed     maphash.Seed
	shards   [shards]shard
}

type shard struct {
	mu sync.Mutex
	m  map[clientKey]entry
	_  [40]byte // keeps shards' locks off one cache line
}

// clientKey is a client's address, IPv6 masked to the limiter's prefix.
type clientKey [16]byte

type entry struct {
	tat      int64 // theoretical arrival time, in nanoseconds since epoch
	inflight int32
}

// epoch is what limiter times count from (monotonic).
var epoch = time.Now()

// LimiterConfig says what a [Limiter] limits.
type LimiterConfig struct {
	// Requests per Per, with Burst at once; Requests 0 means no rate limit.
	Requests int
	Per      time.Duration
	Burst    int
	// MaxConcurrent caps requests in flight per client; 0 means no cap.
	MaxConcurrent int
	// IPv6Prefix groups IPv6 clients (1 to 128).
	IPv6Prefix int
	// MaxClients bounds the clients state is kept for; 0 means
	// DefaultMaxClients.
	MaxClients int
}

// NewLimiter returns a limiter for c.
func NewLimiter(c LimiterConfig) *Limiter {
	l := &Limiter{maxConc: int32(c.MaxConcurrent), v6bits: c.IPv6Prefix, seed: maphash.MakeSeed()}
	if c.Requests > 0 && c.Per > 0 {
		l.interval = max(int64(c.Per)/int64(c.Requests), 1)
		l.tau = l.interval * int64(max(c.Burst, 1))
	}
	if c.MaxClients <= 0 {
		c.MaxClients = DefaultMaxClients
	}
	l.perShard = max(c.MaxClients/shards, 8)
	return l
}

// Outcome is what a Limiter decided for one request.
type Outcome uint8

const (
	// Admitted: within the limits; with a concurrency limit, the request
	// now holds a place that [Limiter.Release] gives back.
	Admitted Outcome = iota
	// OverRate: over the rate limit.
	OverRate
	// OverConcurrency: over the concurrency limit.
	OverConcurrency
)

// HoldsPlace reports whether an admitted request must call Release.
func (l *Limiter) HoldsPlace() bool { return l.maxConc > 0 }

func (l *Limiter) key(a netip.Addr) clientKey {
	if a.Is4In6() {
		a = a.Unmap()
	}
	if a.Is6() && l.v6bits < 128 {
		if p, err := a.WithZone("").Prefix(l.v6bits); err == nil {
			a = p.Addr()
		}
	}
	return a.As16()
}

func (l *Limiter) shardOf(k clientKey) *shard {
	h := maphash.Comparable(l.seed, k)
	return &l.shards[h%shards]
}

// Admit decides a request of client a at now: it takes a token of a's
// bucket and, with a concurrency limit, a place in flight. A request
// refused for its rate takes nothing; retry is then how long until a token
// is back.
func (l *Limiter) Admit(a netip.Addr, now time.Time) (o Outcome, retry time.Duration) {
	t := int64(now.Sub(epoch))
	k := l.key(a)
	s := l.shardOf(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	e, found := s.m[k]
	if !found {
		if s.m == nil {
			s.m = make(map[clientKey]entry)
		}
		if len(s.m) >= l.perShard {
			s.evict(t, l.perShard)
		}
	}
	if l.interval > 0 {
		tat := max(e.tat, t) + l.interval
		if tat-t > l.tau {
			return OverRate, time.Duration(tat - l.tau - t)
		}
		e.tat = tat
	}
	if l.maxConc > 0 {
		if e.inflight >= l.maxConc {
			// Nothing is stored: the token taken above goes back.
			return OverConcurrency, time.Second
		}
		e.inflight++
	}
	s.m[k] = e
	return Admitted, 0
}

// Release gives back the place in flight an admitted request of client a
// held. It must be called once for each such request (and only then).
func (l *Limiter) Release(a netip.Addr) {
	if l.maxConc == 0 {
		return
	}
	k := l.key(a)
	s := l.shardOf(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.m[k]; ok && e.inflight > 0 {
		e.inflight--
		s.m[k] = e
	}
}

// Peek returns what Admit would decide for a at now, changing nothing.
func (l *Limiter) Peek(a netip.Addr, now time.Time) (Outcome, time.Duration) {
	t := int64(now.Sub(epoch))
	k := l.key(a)
	s := l.shardOf(k)
	s.mu.Lock()
	e := s.m[k]
	s.mu.Unlock()
	if l.interval > 0 {
		if tat := max(e.tat, t) + l.interval; tat-t > l.tau {
			return OverRate, time.Duration(tat - l.tau - t)
		}
	}
	if l.maxConc > 0 && e.inflight >= l.maxConc {
		return OverConcurrency, time.Second
	}
	return Admitted, 0
}

// Clients returns how many clients l keeps state for.
func (l *Limiter) Clients() int {
	n := 0
	for i := range l.shards {
		s := &l.shards[i]
		s.mu.Lock()
		n += len(s.m)
		s.mu.Unlock()
	}
	return n
}

// evict makes room in a full shard (at least an eighth of limit): idle
// entries go first, then any without a request in flight.
func (s *shard) evict(now int64, limit int) {
	target := limit - max(limit/8, 1)
	for k, e := range s.m {
		if e.tat <= now && e.inflight == 0 {
			delete(s.m, k)
		}
	}
	for k, e := range s.m {
		if len(s.m) <= target {
			return
		}
		if e.inflight == 0 {
			delete(s.m, k)
		}
	}
}
