package proxy

import (
	"context"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// The counters firsthop bumps on every request or connection are plain
// atomics, read by one OpenTelemetry callback when /metrics is collected:
// counting then costs an atomic add instead of an SDK measurement
// (attribute normalisation, a lock and a map lookup each time). They are
// exported exactly as the synchronous instruments they replace were: a
// series appears once it has been counted.

// counter is one series of an observable instrument.
type counter struct {
	n   atomic.Int64
	set attribute.Set
	// touched is set on the first change, so that an up-down counter back
	// at zero is still exported, as a synchronous one would be.
	touched atomic.Bool
}

func (c *counter) add(delta int64) {
	c.n.Add(delta)
	if !c.touched.Load() {
		c.touched.Store(true)
	}
}

// counterSet is the series of one instrument. Adding a series is rare (the
// label values are bounded by the configuration), so the list is copied on
// write and reading it takes no lock.
type counterSet struct {
	mu  sync.Mutex
	all atomic.Pointer[[]*counter]
}

// newCounter adds a series with the attributes kv.
func (cs *counterSet) newCounter(kv ...attribute.KeyValue) *counter {
	c := &counter{set: attribute.NewSet(kv...)}
	cs.mu.Lock()
	defer cs.mu.Unlock()
	var next []*counter
	if old := cs.all.Load(); old != nil {
		next = append(next, *old...)
	}
	next = append(next, c)
	cs.all.Store(&next)
	return c
}

// observe reports every series that has been counted.
func (cs *counterSet) observe(o metric.Observer, inst metric.Int64Observable) {
	all := cs.all.Load()
	if all == nil {
		return
	}
	for _, c := range *all {
		if c.touched.Load() {
			o.ObserveInt64(inst, c.n.Load(), metric.WithAttributeSet(c.set))
		}
	}
}

// hotCounters are the observable instruments and their series.
type hotCounters struct {
	requests          metric.Int64ObservableCounter
	openConns         metric.Int64ObservableUpDownCounter
	proxyHeaders      metric.Int64ObservableCounter
	clientIPDecisions metric.Int64ObservableCounter
	forgedRemoved     metric.Int64ObservableCounter

	requestSeries, connSeries, headerSeries, decisionSeries, forgedSeries counterSet
}

// register creates the instruments on meter and the callback reading them.
func (h *hotCounters) register(meter metric.Meter) error {
	var err error
	check := func(e error) {
		if err == nil {
			err = e
		}
	}
	var e error
	h.requests, e = meter.Int64ObservableCounter("firsthop.requests",
		metric.WithDescription("Requests served, by listener, route, backend, status class and locality tier."))
	check(e)
	h.openConns, e = meter.Int64ObservableUpDownCounter("firsthop.connections.open",
		metric.WithDescription("Client connections open, by listener."))
	check(e)
	h.proxyHeaders, e = meter.Int64ObservableCounter("firsthop.proxy_protocol.headers",
		metric.WithDescription("PROXY protocol outcomes per connection, by listener and outcome."))
	check(e)
	h.clientIPDecisions, e = meter.Int64ObservableCounter("firsthop.client_ip.decisions",
		metric.WithDescription("Client-IP decisions, by listener and the source the client IP came from."))
	check(e)
	h.forgedRemoved, e = meter.Int64ObservableCounter("firsthop.client_ip.forged_headers_removed",
		metric.WithDescription("Identity header fields (X-Forwarded-*, Forwarded, X-Real-IP, ...) removed from requests of untrusted peers, by listener."))
	check(e)
	if err != nil {
		return err
	}
	_, err = meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		h.requestSeries.observe(o, h.requests)
		h.connSeries.observe(o, h.openConns)
		h.headerSeries.observe(o, h.proxyHeaders)
		h.decisionSeries.observe(o, h.clientIPDecisions)
		h.forgedSeries.observe(o, h.forgedRemoved)
		return nil
	}, h.requests, h.openConns, h.proxyHeaders, h.clientIPDecisions, h.forgedRemoved)
	return err
}
