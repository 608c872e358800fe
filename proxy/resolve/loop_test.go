package resolve

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/firsthop/firsthop/model"
)

// fakeResolver answers from a map the test changes; a name it does not
// hold fails. It counts lookups by name.
type fakeResolver struct {
	mu      sync.Mutex
	answers map[string][]netip.Addr
	calls   map[string]int
}

func newFakeResolver() *fakeResolver {
	return &fakeResolver{answers: map[string][]netip.Addr{}, calls: map[string]int{}}
}

func (f *fakeResolver) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[host]++
	if network != "ip" {
		return nil, errors.New("unexpected network " + network)
	}
	a, ok := f.answers[host]
	if !ok {
		return nil, errors.New("no such host")
	}
	return slices.Clone(a), nil
}

func (f *fakeResolver) set(host string, a ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if a == nil {
		delete(f.answers, host)
		return
	}
	f.answers[host] = addrs(a...)
}

func (f *fakeResolver) count(host string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[host]
}

// published records the specs a loop publishes.
type published struct {
	mu    sync.Mutex
	specs []model.TableSpec
}

func (p *published) apply(s model.TableSpec) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.specs = append(p.specs, s)
	return nil
}

func (p *published) len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.specs)
}

func (p *published) last() model.TableSpec {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.specs[len(p.specs)-1]
}

// endpointAddrs returns the addresses of backend i of spec, as strings.
func endpointAddrs(spec model.TableSpec, i int) []string {
	var out []string
	for _, e := range spec.Backends[i].Endpoints {
		out = append(out, e.Addr.String())
	}
	return out
}

func namedSpec(hosts ...string) model.TableSpec {
	b := model.Backend{Name: "api"}
	for _, h := range hosts {
		b.Named = append(b.Named, model.NamedEndpoint{Host: h, Port: 80})
	}
	return model.TableSpec{Backends: []model.Backend{b}}
}

// TestLoopRefresh drives one loop through Update and refreshes (called
// directly, at times far enough ahead that every name is due): a changed
// answer publishes new endpoints, an unchanged one publishes nothing, a
// failure keeps the last good answer, a denied address is dropped, and a
// name never resolved adds nothing until it does.
func TestLoopRefresh(t *testing.T) {
	t.Parallel()
	res := newFakeResolver()
	res.set("api", "10.0.0.1")
	var pub published
	l := New(Options{Resolver: res, Logger: quiet, Publish: pub.apply})
	ctx := context.Background()
	var applied published
	if err := l.Update(ctx, namedSpec("api", "later"), nil, applied.apply); err != nil {
		t.Fatal(err)
	}
	if got := endpointAddrs(applied.last(), 0); !slices.Equal(got, []string{"10.0.0.1:80"}) {
		t.Fatalf("after Update: %v, want the first answer only (later does not resolve yet)", got)
	}
	future := time.Now().Add(time.Hour)
	step := func(what string, want []string, publishes int) {
		t.Helper()
		future = future.Add(time.Hour)
		before := pub.len()
		l.refresh(ctx, future)
		if n := pub.len() - before; n != publishes {
			t.Fatalf("%s: %d publishes, want %d", what, n, publishes)
		}
		if publishes > 0 {
			if got := endpointAddrs(pub.last(), 0); !slices.Equal(got, want) {
				t.Fatalf("%s: endpoints %v, want %v", what, got, want)
			}
		}
	}
	step("unchanged", nil, 0)
	res.set("api", "10.0.0.2", "10.0.0.1")
	step("answer changed", []string{"10.0.0.1:80", "10.0.0.2:80"}, 1)
	res.set("api")
	step("lookup fails", nil, 0)
	res.set("later", "10.0.0.3")
	step("name resolves for the first time", []string{"10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80"}, 1)
	res.set("api", "10.0.0.1", "169.254.169.254")
	step("denied address dropped", []string{"10.0.0.1:80", "10.0.0.3:80"}, 1)
	res.set("api", "169.254.169.254", "10.0.0.1")
	step("same answer in another order", nil, 0)
}

// TestLoopUpdateKeepsAnswers: an Update (a reload) does not look up the
// names it already knows again, and keeps their last good answer even
// when the resolver now fails; a name the new spec drops is forgotten,
// and looked up afresh if it comes back.
func TestLoopUpdateKeepsAnswers(t *testing.T) {
	t.Parallel()
	res := newFakeResolver()
	res.set("api", "10.0.0.1")
	res.set("other", "10.0.0.2")
	var pub published
	l := New(Options{Resolver: res, Logger: quiet, Publish: pub.apply})
	ctx := context.Background()
	if err := l.Update(ctx, namedSpec("api", "other"), nil, pub.apply); err != nil {
		t.Fatal(err)
	}
	res.set("api")
	if err := l.Update(ctx, namedSpec("api"), nil, pub.apply); err != nil {
		t.Fatal(err)
	}
	if got := endpointAddrs(pub.last(), 0); !slices.Equal(got, []string{"10.0.0.1:80"}) {
		t.Errorf("after a reload: %v, want the last good answer of api only", got)
	}
	if n := res.count("api"); n != 1 {
		t.Errorf("api was looked up %d times, want once", n)
	}
	res.set("other", "10.0.0.4")
	if err := l.Update(ctx, namedSpec("api", "other"), nil, pub.apply); err != nil {
		t.Fatal(err)
	}
	if got := endpointAddrs(pub.last(), 0); !slices.Equal(got, []string{"10.0.0.1:80", "10.0.0.4:80"}) {
		t.Errorf("after other came back: %v", got)
	}
	if n := res.count("other"); n != 2 {
		t.Errorf("other was looked up %d times, want twice", n)
	}
}

// TestLoopUpdateReturnsApplyError: apply's error is Update's.
func TestLoopUpdateReturnsApplyError(t *testing.T) {
	t.Parallel()
	l := New(Options{Resolver: newFakeResolver(), Logger: quiet, Publish: func(model.TableSpec) error { return nil }})
	boom := errors.New("boom")
	if err := l.Update(context.Background(), namedSpec("api"), nil, func(model.TableSpec) error { return boom }); err != boom {
		t.Errorf("Update = %v, want %v", err, boom)
	}
}

// TestLoopUpdateRefusedKeepsTheRunningNames: when apply refuses a new
// spec, the loop goes on refreshing the names of the one that runs: a
// later refresh publishes the running spec with the name's new answer.
// (Before, the refused spec stayed the loop's, and the names only the
// running spec used were forgotten.)
func TestLoopUpdateRefusedKeepsTheRunningNames(t *testing.T) {
	t.Parallel()
	res := newFakeResolver()
	res.set("api", "10.0.0.1")
	res.set("other", "10.0.0.2")
	var pub published
	l := New(Options{Resolver: res, Logger: quiet, Publish: pub.apply})
	ctx := context.Background()
	if err := l.Update(ctx, namedSpec("api"), nil, pub.apply); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("refused")
	if err := l.Update(ctx, namedSpec("other"), nil, func(model.TableSpec) error { return boom }); err != boom {
		t.Fatalf("Update = %v, want %v", err, boom)
	}
	res.set("api", "10.0.0.9")
	l.refresh(ctx, time.Now().Add(time.Hour))
	if got := endpointAddrs(pub.last(), 0); !slices.Equal(got, []string{"10.0.0.9:80"}) {
		t.Errorf("after a refused update and a refresh: %v, want api's new answer", got)
	}
}

// TestLoopUpdateIsBounded: a resolver that never answers holds Update up
// for the backend's timeout, not longer.
func TestLoopUpdateIsBounded(t *testing.T) {
	t.Parallel()
	res := &switchResolver{}
	res.hang.Store(true)
	l := New(Options{Resolver: res, Logger: quiet, Publish: func(model.TableSpec) error { return nil }})
	spec := namedSpec("slow")
	spec.Backends[0].Resolve.Timeout = 50 * time.Millisecond
	done := make(chan error, 1)
	go func() { done <- l.Update(context.Background(), spec, nil, func(model.TableSpec) error { return nil }) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Update did not return: the lookup was not bounded by the timeout")
	}
}

// startRun runs l.Run until the returned stop function is called; stop
// fails the test unless Run returns within ten seconds.
func startRun(t *testing.T, l *Loop) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { l.Run(ctx); close(stopped) }()
	return func() {
		t.Helper()
		cancel()
		select {
		case <-stopped:
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not return after cancel")
		}
	}
}

// pollUntil polls cond until it holds, failing after ten seconds.
func pollUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal(what)
		}
	}
}

// TestLoopRunPublishesAndStops: Run looks names up again on its own and
// publishes a changed answer; cancelling its context ends it, lookups
// included (goleak checks that nothing is left).
func TestLoopRunPublishesAndStops(t *testing.T) {
	t.Parallel()
	res := newFakeResolver()
	res.set("api", "10.0.0.1")
	var pub published
	l := New(Options{Resolver: res, Logger: quiet, Publish: pub.apply})
	spec := namedSpec("api")
	spec.Backends[0].Resolve.Interval = 10 * time.Millisecond
	var applied published
	if err := l.Update(context.Background(), spec, nil, applied.apply); err != nil {
		t.Fatal(err)
	}
	stop := startRun(t, l)
	res.set("api", "10.0.0.2")
	pollUntil(t, "Run never published the new answer", func() bool {
		return pub.len() > 0 && slices.Equal(endpointAddrs(pub.last(), 0), []string{"10.0.0.2:80"})
	})
	stop()
}

// TestLoopRunStopsDuringALookup: a lookup under way when the context is
// cancelled ends with Run.
func TestLoopRunStopsDuringALookup(t *testing.T) {
	t.Parallel()
	res := &switchResolver{}
	l := New(Options{Resolver: res, Logger: quiet, Publish: func(model.TableSpec) error { return nil }})
	spec := namedSpec("api")
	spec.Backends[0].Resolve = model.ResolvePolicy{Interval: 10 * time.Millisecond, Timeout: time.Hour}
	if err := l.Update(context.Background(), spec, nil, func(model.TableSpec) error { return nil }); err != nil {
		t.Fatal(err)
	}
	res.hang.Store(true)
	stop := startRun(t, l)
	pollUntil(t, "Run never looked the name up again", func() bool { return res.hanging.Load() > 0 })
	stop()
}

// switchResolver answers 10.0.0.1 until hang is set, then waits for the
// context, counting the lookups in hanging.
type switchResolver struct {
	hang    atomic.Bool
	hanging atomic.Int32
}

func (s *switchResolver) LookupNetIP(ctx context.Context, _, _ string) ([]netip.Addr, error) {
	if !s.hang.Load() {
		return addrs("10.0.0.1"), nil
	}
	s.hanging.Add(1)
	<-ctx.Done()
	return nil, ctx.Err()
}
