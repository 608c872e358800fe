// Package resolve keeps the endpoints that backends give by DNS name
// ([model.NamedEndpoint]) up to date. A [Loop] looks every name up when a
// table spec arrives, then again every interval, and publishes a spec with
// the addresses whenever an answer changes.
//
// Go's resolver does not expose TTLs, so names are looked up on a fixed,
// jittered interval per backend ([model.ResolvePolicy]). A failed lookup
// keeps the last good answer; a name that has never resolved adds no
// endpoint, so its backend answers 503 until it does.
package resolve

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy"
)

// Resolver looks a host name up; *[net.Resolver] is one. The loop calls it
// with network "ip" (IPv4 and IPv6) and a context that bounds the lookup.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

var _ Resolver = (*net.Resolver)(nil)

// Options configure a [Loop].
type Options struct {
	// Resolver looks names up; nil means [net.DefaultResolver], the
	// system's resolver.
	Resolver Resolver

	// Logger receives failed lookups (at most one line per name per
	// [FailureLogEvery] while it keeps failing), recoveries, changed
	// answers and refused addresses; nil means slog.Default().
	Logger *slog.Logger

	// Metrics, when non-nil, counts lookups by name and result.
	Metrics *proxy.Metrics

	// Publish receives the spec, names expanded, each time [Loop.Run]
	// sees an answer change. It is never called concurrently with itself
	// or with the apply function of [Loop.Update].
	Publish func(model.TableSpec) error
}

// Timings of the loop that no configuration changes.
const (
	// RetryAfterFailure is how soon a name whose lookup failed is looked
	// up again, when its interval is longer.
	RetryAfterFailure = 5 * time.Second
	// FailureLogEvery is how often a name that keeps failing is logged.
	FailureLogEvery = time.Minute
)

// Loop resolves the named endpoints of one table spec at a time. Make it
// with [New]; call [Loop.Update] with each new spec and run [Loop.Run]
// once, until its context is done. Its methods are safe for concurrent
// use.
type Loop struct {
	opts Options
	log  *slog.Logger
	wake chan struct{} // capacity 1: Update tells Run the schedule changed

	// mu is held while a spec is expanded and published, so that a
	// refresh and an Update publish one after the other, each from the
	// latest base.
	mu    sync.Mutex
	base  model.TableSpec
	self  []netip.AddrPort
	names map[string]*name // by host; only the names base uses
}

// name is what the loop knows of one host name.
type name struct {
	addrs    []netip.Addr // the last good answer, sorted and unique; nil before one
	resolved bool         // addrs holds an answer

	// interval and timeout are the shortest of the backends naming it.
	interval, timeout time.Duration
	next              time.Time // when to look it up again

	failing  bool      // the last lookup failed
	loggedAt time.Time // when a failure was last logged
}

// New returns a loop with no spec; nothing runs until [Loop.Update] and
// [Loop.Run] are called.
func New(opts Options) *Loop {
	if opts.Resolver == nil {
		opts.Resolver = net.DefaultResolver
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Loop{opts: opts, log: opts.Logger, wake: make(chan struct{}, 1), names: map[string]*name{}}
}

// Update makes spec the one the loop expands, with self the proxy's own
// listening addresses (which no name may lead to; see [model.ResolvePolicy]).
// Names spec uses that the loop has not seen are looked up now, each
// bounded by its backend's timeout, so that the first requests find their
// endpoints; names it already knows keep their last good answer without a
// new lookup; names spec no longer uses are forgotten. Then apply is
// called with spec, names expanded, and its error returned. When apply
// fails the loop goes back to the spec, addresses and names it had, so
// that it keeps refreshing what is running (names looked up for the
// refused spec are forgotten).
//
// The slices of spec must not be modified after the call.
func (l *Loop) Update(ctx context.Context, spec model.TableSpec, self []netip.AddrPort, apply func(model.TableSpec) error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	oldBase, oldSelf, oldNames := l.base, l.self, maps.Clone(l.names)
	l.base, l.self = spec, slices.Clone(self)
	wanted := policies(spec)
	for host := range l.names {
		if _, ok := wanted[host]; !ok {
			delete(l.names, host)
		}
	}
	var fresh []string
	now := time.Now()
	for host, p := range wanted {
		n := l.names[host]
		if n == nil {
			n = &name{}
			l.names[host] = n
			fresh = append(fresh, host)
		}
		if n.interval != p.Interval && !n.next.IsZero() {
			n.next = now.Add(jitter(p.Interval))
		}
		n.interval, n.timeout = p.Interval, p.Timeout
	}
	slices.Sort(fresh)
	results := l.lookupAll(ctx, fresh)
	for i, host := range fresh {
		l.record(host, l.names[host], results[i], time.Now())
	}
	select {
	case l.wake <- struct{}{}:
	default:
	}
	if err := apply(l.expanded()); err != nil {
		l.base, l.self, l.names = oldBase, oldSelf, oldNames
		for host, p := range policies(oldBase) {
			if n := l.names[host]; n != nil {
				n.interval, n.timeout = p.Interval, p.Timeout
			}
		}
		return err
	}
	return nil
}

// policies returns, for each name spec's backends use, the shortest
// interval and timeout among them, defaults applied.
func policies(spec model.TableSpec) map[string]model.ResolvePolicy {
	out := map[string]model.ResolvePolicy{}
	for _, b := range spec.Backends {
		p := b.Resolve.WithDefaults()
		for _, ne := range b.Named {
			q, ok := out[ne.Host]
			if !ok {
				out[ne.Host] = p
				continue
			}
			q.Interval, q.Timeout = min(q.Interval, p.Interval), min(q.Timeout, p.Timeout)
			out[ne.Host] = q
		}
	}
	return out
}

// expanded returns the base spec with the current answers. l.mu is held.
func (l *Loop) expanded() model.TableSpec {
	answers := make(map[string][]netip.Addr, len(l.names))
	for host, n := range l.names {
		answers[host] = n.addrs
	}
	return expand(l.base, answers, l.self, l.log)
}

// result is the outcome of one lookup.
type result struct {
	addrs []netip.Addr
	err   error
}

// lookupAll looks hosts up concurrently, each bounded by its name's
// timeout, and returns the results in order. l.mu is held (the timeouts
// are read from l.names).
func (l *Loop) lookupAll(ctx context.Context, hosts []string) []result {
	out := make([]result, len(hosts))
	var wg sync.WaitGroup
	for i, host := range hosts {
		timeout := l.names[host].timeout
		wg.Go(func() { out[i] = l.lookup(ctx, host, timeout) })
	}
	wg.Wait()
	return out
}

// lookup looks host up once, bounded by timeout, and counts it.
func (l *Loop) lookup(ctx context.Context, host string, timeout time.Duration) result {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	addrs, err := l.opts.Resolver.LookupNetIP(ctx, "ip", host)
	if err == nil && len(addrs) == 0 {
		err = errors.New("no addresses")
	}
	l.opts.Metrics.NameLookup(host, err)
	if err != nil {
		return result{err: err}
	}
	for i, a := range addrs {
		addrs[i] = a.Unmap()
	}
	slices.SortFunc(addrs, func(a, b netip.Addr) int { return a.Compare(b) })
	return result{addrs: slices.Compact(addrs)}
}

// record stores the result of a lookup of host, schedules the next one
// and logs what changed. It reports whether the answer changed. l.mu is
// held.
func (l *Loop) record(host string, n *name, r result, now time.Time) bool {
	if r.err != nil {
		n.next = now.Add(jitter(min(n.interval, RetryAfterFailure)))
		if !n.failing || now.Sub(n.loggedAt) >= FailureLogEvery {
			kept := "no answer yet: the name adds no endpoint"
			if n.resolved {
				kept = "keeping the last good answer"
			}
			l.log.Warn("looking up a backend name failed: "+kept, "name", host, "error", r.err.Error(),
				"addresses", addrStrings(n.addrs))
			n.loggedAt = now
		}
		n.failing = true
		return false
	}
	n.next = now.Add(jitter(n.interval))
	if n.failing {
		l.log.Info("looking up a backend name works again", "name", host)
		n.failing = false
	}
	if n.resolved && slices.Equal(n.addrs, r.addrs) {
		return false
	}
	if n.resolved {
		l.log.Info("a backend name resolves to new addresses", "name", host, "addresses", addrStrings(r.addrs))
	}
	n.addrs, n.resolved = r.addrs, true
	return true
}

// Run looks names up again as they come due, and publishes the expanded
// spec with [Options.Publish] when an answer changed, until ctx is done.
// Lookups under way when ctx is done are cancelled and waited for: when
// Run returns, nothing of the loop is left running.
func (l *Loop) Run(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		timer.Reset(l.untilNext(time.Now()))
		select {
		case <-ctx.Done():
			return
		case <-l.wake:
			continue
		case <-timer.C:
		}
		l.refresh(ctx, time.Now())
	}
}

// untilNext returns how long until the next name comes due; an hour when
// there is none (an Update wakes Run).
func (l *Loop) untilNext(now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	d := time.Hour
	for _, n := range l.names {
		d = min(d, max(0, n.next.Sub(now)))
	}
	return d
}

// refresh looks up the names due at now and publishes when an answer
// changed. Lookups run without l.mu held; an answer for a name that
// Update replaced or dropped meanwhile is ignored.
func (l *Loop) refresh(ctx context.Context, now time.Time) {
	l.mu.Lock()
	type due struct {
		host    string
		n       *name
		timeout time.Duration
	}
	var todo []due
	for host, n := range l.names {
		if !n.next.After(now) {
			todo = append(todo, due{host, n, n.timeout})
		}
	}
	l.mu.Unlock()
	if len(todo) == 0 {
		return
	}
	results := make([]result, len(todo))
	var wg sync.WaitGroup
	for i, d := range todo {
		wg.Go(func() { results[i] = l.lookup(ctx, d.host, d.timeout) })
	}
	wg.Wait()
	if ctx.Err() != nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	changed := false
	for i, d := range todo {
		if l.names[d.host] != d.n {
			continue // dropped or replaced by an Update meanwhile
		}
		if l.record(d.host, d.n, results[i], time.Now()) {
			changed = true
		}
	}
	if !changed {
		return
	}
	if err := l.opts.Publish(l.expanded()); err != nil {
		l.log.Error("publishing the table with new backend addresses", "error", err.Error())
	}
}

// jitter returns d moved by up to a tenth either way, so that names with
// the same interval do not come due together.
func jitter(d time.Duration) time.Duration {
	spread := int64(d / 10)
	if spread <= 0 {
		return d
	}
	return d - time.Duration(spread) + time.Duration(rand.Int64N(2*spread+1))
}

func addrStrings(addrs []netip.Addr) []string {
	out := make([]string, len(addrs))
	for i, a := range addrs {
		out[i] = a.String()
	}
	return out
}
