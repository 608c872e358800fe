package kube

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"k8s.io/client-go/kubernetes/fake"

	"github.com/firsthop/firsthop/kube/internal/kubetest"
	"github.com/firsthop/firsthop/kube/resolve"
	"github.com/firsthop/firsthop/model"
)

// fakeProcessor watches nothing and returns the part it is given.
type fakeProcessor struct {
	mu   sync.Mutex
	w    *Watch
	part Part
}

func (f *fakeProcessor) Name() string { return "fake" }

func (f *fakeProcessor) Register(w *Watch) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.w = w
	return nil
}

func (f *fakeProcessor) Build(*resolve.Resolver) Part {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.part
}

func (f *fakeProcessor) WriteStatus(context.Context, []Address) (int, error) { return 0, nil }

// set makes part the processor's and has it rebuilt.
func (f *fakeProcessor) set(part Part) {
	f.mu.Lock()
	f.part = part
	w := f.w
	f.mu.Unlock()
	w.Rebuild()
}

// tablePublisher records the tables it is given through Apply.
type tablePublisher struct {
	mu     sync.Mutex
	tables int
}

func (p *tablePublisher) Apply(model.TableSpec) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tables++
	return nil
}

func (p *tablePublisher) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.tables
}

// listenerPublisher also records the listener sets given through
// Reconfigure.
type listenerPublisher struct {
	tablePublisher
	listenerSets [][]model.ListenerSpec
}

func (p *listenerPublisher) Reconfigure(listeners []model.ListenerSpec, spec model.TableSpec) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tables++
	p.listenerSets = append(p.listenerSets, listeners)
	return nil
}

func (p *listenerPublisher) sets() [][]model.ListenerSpec {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.listenerSets
}

// runFake runs a controller with proc and pub over an empty fake cluster.
func runFake(t *testing.T, proc Processor, pub Publisher, base []model.ListenerSpec) {
	t.Helper()
	c, err := NewController(Config{
		Client: fake.NewClientset(), Publisher: pub, Processors: []Processor{proc}, Listeners: base,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), HoldOff: time.Millisecond, MaxHoldOff: 5 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
}

// TestControllerPublishesListeners: the listeners go to the Publisher
// with the table only when a processor contributes some, or stops
// contributing them; otherwise the table goes alone, through Apply.
func TestControllerPublishesListeners(t *testing.T) {
	t.Parallel()
	base := []model.ListenerSpec{{Name: "http", Address: "127.0.0.1:0"}}
	extra := model.ListenerSpec{Name: "fake/extra", Address: "127.0.0.1:0", Scope: "fake/extra"}
	proc := &fakeProcessor{}
	pub := &listenerPublisher{}
	runFake(t, proc, pub, base)
	kubetest.Eventually(t, "the first table", func() (bool, string) {
		return pub.count() == 1, fmt.Sprintf("%d tables", pub.count())
	})
	if sets := pub.sets(); len(sets) != 0 {
		t.Fatalf("listeners %v published while no processor has any", sets)
	}

	proc.set(Part{Listeners: []model.ListenerSpec{extra}})
	kubetest.Eventually(t, "the processor's listener", func() (bool, string) {
		sets := pub.sets()
		return len(sets) == 1 && len(sets[0]) == 2 && sets[0][0].Name == "http" && sets[0][1].Name == "fake/extra", fmt.Sprintf("%+v", sets)
	})

	proc.set(Part{})
	kubetest.Eventually(t, "the base's listeners alone", func() (bool, string) {
		sets := pub.sets()
		return len(sets) == 2 && len(sets[1]) == 1 && sets[1][0].Name == "http", fmt.Sprintf("%+v", sets)
	})
	if n := pub.count(); n != 3 {
		t.Errorf("%d tables published, want 3", n)
	}
}

// TestControllerListenersWithoutListenerPublisher: a Publisher that takes
// no listeners still gets the tables.
func TestControllerListenersWithoutListenerPublisher(t *testing.T) {
	t.Parallel()
	proc := &fakeProcessor{part: Part{Listeners: []model.ListenerSpec{{Name: "fake/extra", Address: "127.0.0.1:0", Scope: "fake/extra"}}}}
	pub := &tablePublisher{}
	runFake(t, proc, pub, nil)
	kubetest.Eventually(t, "the table", func() (bool, string) {
		return pub.count() == 1, fmt.Sprintf("%d tables", pub.count())
	})
}

// namedListenerError is how a ListenerPublisher names a listener it could
// not bind (proxy.ListenerError's method).
type namedListenerError struct{ name string }

func (e namedListenerError) Error() string        { return "listener " + e.name + ": address not available" }
func (e namedListenerError) ListenerName() string { return e.name }

// bindingPublisher fails to bind the listeners named in refuse.
type bindingPublisher struct {
	listenerPublisher
	refuse map[string]bool
}

func (p *bindingPublisher) Reconfigure(listeners []model.ListenerSpec, spec model.TableSpec) error {
	_ = p.listenerPublisher.Reconfigure(listeners, spec)
	p.mu.Lock()
	defer p.mu.Unlock()
	var errs []error
	for _, l := range listeners {
		if p.refuse[l.Name] {
			errs = append(errs, namedListenerError{l.Name})
		}
	}
	return errors.Join(errs...)
}

func (p *bindingPublisher) allow(name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.refuse, name)
}

// TestControllerListenerBindFailure: a listener the Publisher cannot bind
// does not make the table unpublished; the processors learn which one
// failed (Watch.ListenerErrors) and the controller tries again every
// ListenerRetry until it is bound.
func TestControllerListenerBindFailure(t *testing.T) {
	t.Parallel()
	// In a bubble the retry clock is the bubble's: the Sleep at the end
	// lets exactly five retry periods pass, every timer due in them fired.
	synctest.Test(t, testControllerListenerBindFailure)
}

func testControllerListenerBindFailure(t *testing.T) {
	proc := &fakeProcessor{part: Part{Listeners: []model.ListenerSpec{
		{Name: "fake/a", Address: "127.0.0.1:0", Scope: "fake/a"},
		{Name: "fake/b", Address: "192.0.2.1:80", Scope: "fake/b"},
	}}}
	pub := &bindingPublisher{refuse: map[string]bool{"fake/b": true}}
	c, err := NewController(Config{
		Client: fake.NewClientset(), Publisher: pub, Processors: []Processor{proc},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), HoldOff: time.Millisecond, MaxHoldOff: 5 * time.Millisecond,
		ListenerRetry: 10 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	kubetest.Eventually(t, "fake/b reported as not bound", func() (bool, string) {
		errs := c.ListenerErrors()
		return len(errs) == 1 && errs["fake/b"] != nil, fmt.Sprintf("%v", errs)
	})
	if st := c.Stats(); st.PublishErrors != 0 || st.Publishes == 0 {
		t.Errorf("stats %+v: want the table published, no publish error", st)
	}
	tries := len(pub.sets())
	kubetest.Eventually(t, "retries", func() (bool, string) {
		return len(pub.sets()) >= tries+2, fmt.Sprintf("%d Reconfigure calls", len(pub.sets()))
	})
	pub.allow("fake/b")
	kubetest.Eventually(t, "every listener bound", func() (bool, string) {
		errs := c.ListenerErrors()
		return len(errs) == 0, fmt.Sprintf("%v", errs)
	})
	settled := len(pub.sets())
	time.Sleep(50 * time.Millisecond) // five retry periods: none is due
	synctest.Wait()
	if n := len(pub.sets()); n != settled {
		t.Errorf("%d Reconfigure calls after every listener was bound, want none", n-settled)
	}
}
