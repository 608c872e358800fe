package proxy

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/otlptranslator"
	"go.opentelemetry.io/otel/attribute"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/firsthop/firsthop/proxy/clientip"
	"github.com/firsthop/firsthop/proxy/listen"
)

// Metrics records what the data plane does, with OpenTelemetry instruments.
// Label values are bounded: listener, route and backend names come from the
// configuration, never from a request. A nil *Metrics records nothing.
type Metrics struct {
	provider metric.MeterProvider
	meter    metric.Meter

	hot            hotCounters // per request and per connection
	duration       metric.Float64Histogram
	upstreamErrors metric.Int64Counter
	policyRefusals metric.Int64Counter
	tableBuilds    metric.Int64Counter
	tableBuildTime metric.Float64Histogram

	// requestAttrs caches the measurement options of each request shape,
	// so that a request builds no attribute set and allocates nothing. It
	// is copied on write (shapes are bounded by the configuration, and new
	// ones are rare); requestMu serialises the writers and guards
	// requestCounts, the series of firsthop.requests by attribute set.
	requestAttrs  atomic.Pointer[map[requestKey]*requestOpts]
	requestMu     sync.Mutex
	requestCounts map[attribute.Distinct]*counter

	// listeners holds each listener's recorder, so that its series exist
	// once however many parts record for it.
	listenersMu sync.Mutex
	listeners   map[string]*listenerMetrics
}

// NewMetrics creates the instruments on a meter from mp.
func NewMetrics(mp metric.MeterProvider) (*Metrics, error) {
	m := &Metrics{provider: mp, meter: mp.Meter("github.com/firsthop/firsthop/proxy")}
	var err error
	check := func(e error) {
		if err == nil {
			err = e
		}
	}
	check(m.hot.register(m.meter))
	var e error
	m.duration, e = m.meter.Float64Histogram("http.server.request.duration", metric.WithUnit("s"),
		metric.WithDescription("Duration of HTTP server requests."),
		metric.WithExplicitBucketBoundaries(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
	check(e)
	m.upstreamErrors, e = m.meter.Int64Counter("firsthop.upstream.errors",
		metric.WithDescription("Upstream exchanges that failed before a response, by backend and kind (connect, timeout, other)."))
	check(e)
	m.policyRefusals, e = m.meter.Int64Counter("firsthop.policy.refusals",
		metric.WithDescription("Requests a policy refused, by listener, route, policy and reason (denied, rate_limited, concurrency_limited)."))
	check(e)
	m.tableBuilds, e = m.meter.Int64Counter("firsthop.table.builds",
		metric.WithDescription("Routing-table builds, by result (ok, error)."))
	check(e)
	m.tableBuildTime, e = m.meter.Float64Histogram("firsthop.table.build.duration", metric.WithUnit("s"),
		metric.WithDescription("Time to build a routing table."),
		metric.WithExplicitBucketBoundaries(0.0001, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5))
	check(e)
	return m, err
}

// NewPrometheusMetrics returns Metrics exported through a new Prometheus
// registry, and the handler that serves that registry (with Go runtime and
// process metrics) for /metrics.
func NewPrometheusMetrics() (*Metrics, http.Handler, error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	exp, err := otelprom.New(
		otelprom.WithRegisterer(reg),
		otelprom.WithTranslationStrategy(otlptranslator.UnderscoreEscapingWithSuffixes),
		otelprom.WithoutScopeInfo(),
	)
	if err != nil {
		return nil, nil, err
	}
	m, err := NewMetrics(sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp)))
	if err != nil {
		return nil, nil, err
	}
	return m, promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), nil
}

// requestKey is the shape of a request as far as metrics are concerned.
type requestKey struct {
	listener, route, backend string
	method                   string
	status                   int
	tier                     Tier
	routed                   bool
}

// requestOpts are the prepared measurement options of one request shape.
// They are slices so that passing them allocates nothing.
type requestOpts struct {
	count     *counter // shared by the shapes with the same counter attributes
	histogram []metric.RecordOption
}

// request records one finished request.
func (m *Metrics) request(k requestKey, d time.Duration) {
	if m == nil {
		return
	}
	k.method = knownMethod(k.method)
	var o *requestOpts
	if cache := m.requestAttrs.Load(); cache != nil {
		o = (*cache)[k]
	}
	if o == nil {
		o = m.newRequestOpts(k)
	}
	o.count.add(1)
	m.duration.Record(context.Background(), d.Seconds(), o.histogram...)
}

// newRequestOpts builds the options of a new request shape and publishes
// them in a copy of the cache.
func (m *Metrics) newRequestOpts(k requestKey) *requestOpts {
	m.requestMu.Lock()
	defer m.requestMu.Unlock()
	old := m.requestAttrs.Load()
	if old != nil {
		if o := (*old)[k]; o != nil {
			return o
		}
	}
	tier := ""
	if k.routed {
		tier = k.tier.String()
	}
	counterAttrs := []attribute.KeyValue{
		attribute.String("listener", k.listener),
		attribute.String("route", k.route),
		attribute.String("backend", k.backend),
		attribute.String("status_class", statusClass(k.status)),
		attribute.String("tier", tier),
	}
	set := attribute.NewSet(counterAttrs...)
	count := m.requestCounts[set.Equivalent()]
	if count == nil {
		count = m.hot.requestSeries.newCounter(counterAttrs...)
		if m.requestCounts == nil {
			m.requestCounts = map[attribute.Distinct]*counter{}
		}
		m.requestCounts[set.Equivalent()] = count
	}
	o := &requestOpts{
		count: count,
		histogram: []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(
			attribute.String("http.request.method", k.method),
			attribute.Int("http.response.status_code", k.status),
			attribute.String("listener", k.listener),
			attribute.String("backend", k.backend),
		))},
	}
	next := make(map[requestKey]*requestOpts, 1)
	if old != nil {
		next = make(map[requestKey]*requestOpts, len(*old)+1)
		for key, v := range *old {
			next[key] = v
		}
	}
	next[k] = o
	m.requestAttrs.Store(&next)
	return o
}

// upstreamError records an upstream exchange that failed.
func (m *Metrics) upstreamError(backend, kind string) {
	if m == nil {
		return
	}
	m.upstreamErrors.Add(context.Background(), 1, metric.WithAttributes(
		attribute.String("backend", backend), attribute.String("kind", kind)))
}

// connDelta tracks open client connections.
func (lm *listenerMetrics) connDelta(delta int64) {
	if lm == nil {
		return
	}
	lm.conns.add(delta)
}

// proxyHeader records a PROXY protocol outcome.
func (lm *listenerMetrics) proxyHeader(o listen.Outcome) {
	if lm == nil {
		return
	}
	if int(o) < len(lm.byOutcome) {
		lm.byOutcome[o].add(1)
		return
	}
	// An outcome newer than byOutcome: a series of its own, made once.
	lm.mu.Lock()
	c := lm.otherOutcomes[o]
	if c == nil {
		c = lm.m.hot.headerSeries.newCounter(attribute.String("listener", lm.name), attribute.String("outcome", o.String()))
		if lm.otherOutcomes == nil {
			lm.otherOutcomes = map[listen.Outcome]*counter{}
		}
		lm.otherOutcomes[o] = c
	}
	lm.mu.Unlock()
	c.add(1)
}

// listenerMetrics holds the series of one listener, so that recording a
// request or a connection is an atomic add.
type listenerMetrics struct {
	m         *Metrics
	name      string
	bySource  [4]*counter // decisions, indexed by clientip.Source
	byOutcome [6]*counter // PROXY outcomes, indexed by listen.Outcome
	conns     *counter
	forged    *counter

	mu            sync.Mutex
	otherOutcomes map[listen.Outcome]*counter
}

// forListener returns the recorder of listener, the same one every time
// for the same name, or nil for a nil m.
func (m *Metrics) forListener(listener string) *listenerMetrics {
	if m == nil {
		return nil
	}
	m.listenersMu.Lock()
	defer m.listenersMu.Unlock()
	if lm := m.listeners[listener]; lm != nil {
		return lm
	}
	name := attribute.String("listener", listener)
	lm := &listenerMetrics{m: m, name: listener,
		conns:  m.hot.connSeries.newCounter(name),
		forged: m.hot.forgedSeries.newCounter(name),
	}
	for src := range lm.bySource {
		lm.bySource[src] = m.hot.decisionSeries.newCounter(name, attribute.String("source", clientip.Source(src).String()))
	}
	for o := range lm.byOutcome {
		lm.byOutcome[o] = m.hot.headerSeries.newCounter(name, attribute.String("outcome", listen.Outcome(o).String()))
	}
	if m.listeners == nil {
		m.listeners = map[string]*listenerMetrics{}
	}
	m.listeners[listener] = lm
	return lm
}

// clientIP records a client-IP decision and the identity headers removed
// from an untrusted peer's request.
func (lm *listenerMetrics) clientIP(src clientip.Source, forged int) {
	if lm == nil || int(src) >= len(lm.bySource) {
		return
	}
	lm.bySource[src].add(1)
	if forged > 0 {
		lm.forged.add(int64(forged))
	}
}

// tableBuild records one routing-table build.
func (m *Metrics) tableBuild(d time.Duration, err error) {
	if m == nil {
		return
	}
	result := "ok"
	if err != nil {
		result = "error"
	}
	ctx := context.Background()
	m.tableBuilds.Add(ctx, 1, metric.WithAttributes(attribute.String("result", result)))
	m.tableBuildTime.Record(ctx, d.Seconds())
}

// MeterProvider returns the provider m's instruments were made with, so
// that other parts of the process (the Kubernetes controller) export their
// instruments alongside. It returns nil for a nil *Metrics.
func (m *Metrics) MeterProvider() metric.MeterProvider {
	if m == nil {
		return nil
	}
	return m.provider
}

// observeTable registers gauges read from the current table at collection
// time: usable endpoints by backend and tier (those passive health has
// ejected are left out until their ejection ends), and the table
// generation.
func (m *Metrics) observeTable(current func() *Table) error {
	if m == nil {
		return nil
	}
	endpoints, err := m.meter.Int64ObservableGauge("firsthop.endpoints",
		metric.WithDescription("Usable endpoints in the current table (not ejected by passive health), by backend and locality tier."))
	if err != nil {
		return err
	}
	generation, err := m.meter.Int64ObservableGauge("firsthop.table.generation",
		metric.WithDescription("Generation of the routing table in use; it grows by one per published table."))
	if err != nil {
		return err
	}
	_, err = m.meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		t := current()
		if t == nil {
			return nil
		}
		o.ObserveInt64(generation, int64(t.generation))
		now := time.Now()
		for _, b := range t.backends {
			for i, g := range b.groups {
				o.ObserveInt64(endpoints, int64(usableCount(g, now)), metric.WithAttributes(
					attribute.String("backend", b.name), attribute.String("tier", b.tiers[i].String())))
			}
		}
		return nil
	}, endpoints, generation)
	return err
}

// statusClass returns "1xx" ... "5xx" for an HTTP status.
func statusClass(status int) string {
	if status < 100 || status > 599 {
		return "other"
	}
	return strconv.Itoa(status/100) + "xx"
}

// knownMethod returns m when it is a standard method, else "_OTHER", as the
// OpenTelemetry HTTP conventions ask, so a client cannot mint label values.
func knownMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return m
	}
	return "_OTHER"
}
