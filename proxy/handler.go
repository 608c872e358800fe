package proxy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/netip"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/clientip"
	"github.com/firsthop/firsthop/proxy/h1"
	"github.com/firsthop/firsthop/proxy/listen"
	"github.com/firsthop/firsthop/proxy/policy"
)

// handler is the data plane of one listener: it resolves the client,
// routes, picks an endpoint and forwards.
type handler struct {
	listener string
	// table returns the current table; nil until the first is published.
	table     func() *Table
	log       *slog.Logger
	metrics   *Metrics // nil: no metrics
	lm        *listenerMetrics
	tracing   *Tracing     // nil: no traces
	accessLog *slog.Logger // nil: no access log
	// upgrades tracks client connections tunnelled for WebSocket, for the
	// drain to close at its deadline; nil: not tracked.
	upgrades *connSet
	// bodyTimeout bounds reading a request body; zero: no bound.
	bodyTimeout time.Duration
	rp          *httputil.ReverseProxy
	// scope is the listener's [model.ListenerSpec.Scope]: only its routes
	// are served.
	scope string
	// publicPort is the listener's [model.ListenerSpec.PublicPort].
	publicPort uint16
	ports      portStrings
	// policyNames are the listener's [model.ListenerSpec.Policies];
	// policyCache holds them compiled for the last table (see policiesOf).
	policyNames []string
	policyCache policyCache
	// mirrorSlots bounds the mirror copies in flight (see mirror.go).
	mirrorSlots mirrorSlots
	// tls says the listener terminates TLS.
	tls bool
}

// handlerOptions configure a handler beyond its table.
type handlerOptions struct {
	listener    string
	log         *slog.Logger
	metrics     *Metrics
	tracing     *Tracing
	accessLog   *slog.Logger
	upgrades    *connSet
	tls         bool // the listener terminates TLS
	bodyTimeout time.Duration
	publicPort  uint16
	policies    []string
	// scope is the listener's [model.ListenerSpec.Scope].
	scope string
	// mirrorLimit bounds the mirror copies in flight; zero means
	// maxMirrorsInFlight.
	mirrorLimit int
}

// requestState carries one request's decisions from ServeHTTP to the
// reverse proxy's hooks, the metrics and the access log. It is allocated
// once per request.
type requestState struct {
	rec      statusRecorder
	conn     listen.Info
	fwd      forwardContext
	headers  model.ForwardedHeaders
	route    string // the matched route's label, "" when none matched
	backend  *backend
	up       *upstream // the endpoint chosen, with its live state
	endpoint model.Endpoint
	tier     Tier
	// forged counts the identity header fields an untrusted peer sent.
	forged int
	// cleanRawPath, when set, is how cleanPath is escaped (see
	// Table.encodedSlashes).
	cleanRawPath string
	// cleanPath is the path to forward when it differs from the request's
	// (cleaned, or rewritten by the route).
	cleanPath string
	// action is the route's action when it has one (see routeAction), and
	// share the backend it picked; upstreamHost, when set, is the Host
	// sent upstream instead of the request's (Rewrite.Host).
	action       *routeAction
	share        *splitShare
	upstreamHost string

	hops [4]clientip.Hop
	// began is when ServeHTTP started.
	began time.Time
	// abort says the client left before an answer: the handler ends by
	// aborting the connection rather than letting net/http answer.
	abort bool
	// body wraps the request body on the reverse proxy's path, to tell the
	// client's failures from the endpoint's; retryBody wraps that for the
	// transport, to keep it whole for another endpoint (see retryableBody).
	body      clientBody
	retryBody retryableBody
	// client is the connection the request came in on (see seam.go).
	client clientConn
	// held are the policies whose places in flight the request holds (see
	// applyPolicies), in heldBuf when few; refusedBy and refusal name the
	// policy that refused it and why.
	held      []*policy.Policy
	heldBuf   [4]*policy.Policy
	refusedBy string
	refusal   policy.Reason
	// x is the exchange of the lean path; scratch holds the forwarding
	// header values it writes.
	x       upstreamExchange
	scratch [256]byte

	// guard is the route's guards when it has some (see routeGuard);
	// corsOrigin the Access-Control-Allow-Origin its answer gets ("":
	// none), authCookies the auth service's Set-Cookie values it passes
	// on, limit the request body's bound.
	guard       *routeGuard
	corsOrigin  string
	authCookies []string
	limit       bodyLimit
	// stickyFrom is the endpoint the request's affinity cookie named,
	// nil for none; stickyRule the rule that routed it, for the cookie's
	// path (see affinity.go).
	stickyFrom *upstream
	stickyRule *pathRule
}

// states recycles requestStates: a request on the lean path allocates none.
var states = sync.Pool{New: func() any { return new(requestState) }}

func newHandler(table func() *Table, o handlerOptions) *handler {
	if o.log == nil {
		o.log = slog.Default()
	}
	if o.mirrorLimit <= 0 {
		o.mirrorLimit = maxMirrorsInFlight
	}
	h := &handler{
		listener: o.listener, table: table, log: o.log,
		metrics: o.metrics, lm: o.metrics.forListener(o.listener), tracing: o.tracing, accessLog: o.accessLog,
		upgrades: o.upgrades, bodyTimeout: o.bodyTimeout, scope: o.scope, publicPort: o.publicPort, policyNames: o.policies,
		mirrorSlots: make(mirrorSlots, o.mirrorLimit), tls: o.tls,
	}
	h.rp = &httputil.ReverseProxy{
		Rewrite:      h.rewrite,
		Transport:    roundTripperFunc(h.roundTrip),
		ErrorHandler: h.proxyError,
		BufferPool:   &copyBuffers,
		ErrorLog:     slog.NewLogLogger(o.log.Handler(), slog.LevelDebug),
	}
	h.rp.ModifyResponse = h.modifyResponse
	return h
}

// ServeHTTP serves a request net/http's server read. On a TLS listener a
// request without TLS state came in on a connection the fast loop handed
// over after the handshake: its state is the one the loop recorded.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.tls && r.TLS == nil {
		r.TLS = handedOverTLS(r.Context())
	}
	h.handle(w, r, stdConn{})
}

// handle serves r, which came in on c. It returns false, having written
// and recorded nothing, when c does not serve r's route
// ([clientConn.serves]): the fast loop then hands r to net/http.
func (h *handler) handle(w http.ResponseWriter, r *http.Request, c clientConn) bool {
	began := time.Now()
	st := states.Get().(*requestState) // zero: see the end
	st.rec.ResponseWriter = w
	st.began = began
	st.client = c
	var span trace.Span
	if h.tracing != nil {
		ctx := h.tracing.propagator.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		ctx, span = h.tracing.tracer.Start(ctx, r.Method, trace.WithSpanKind(trace.SpanKindServer))
		r = r.WithContext(ctx)
	}
	result := h.serve(&st.rec, r, st)
	if result == handedBack {
		*st = requestState{}
		states.Put(st)
		return false
	}
	if h.metrics != nil {
		if st.fwd.res.Client.IsValid() {
			h.lm.clientIP(st.fwd.res.Source, st.forged)
		}
		h.metrics.request(requestKey{
			listener: h.listener, route: st.route, backend: st.backendName(),
			method: r.Method, status: st.rec.status, tier: st.tier, routed: st.backend != nil,
		}, time.Since(began))
	}
	if span != nil {
		h.endServerSpan(span, r, st)
	}
	if h.accessLog != nil {
		h.logAccess(r, st, time.Since(began))
	}
	abort := st.abort
	if result != servedStateKept {
		*st = requestState{}
		states.Put(st)
	}
	if abort {
		// The client is gone and got no answer: returning would have
		// net/http send an empty 200 in its place.
		panic(http.ErrAbortHandler)
	}
	return true
}

// serve does the work of handle, writing to w, and says how it left the
// request (see [serveResult]).
func (h *handler) serve(w http.ResponseWriter, r *http.Request, st *requestState) serveResult {
	t := h.table()
	if t == nil {
		plainError(w, http.StatusServiceUnavailable, "no routing table has been loaded yet")
		return served
	}
	clientIP, headers := t.clientOf(h.scope)
	st.headers = headers
	start, source, local, ok := st.origin(r)
	if !ok {
		plainError(w, http.StatusBadRequest, "cannot determine the client address")
		return served
	}
	st.fwd.res = clientIP.Resolve(start, source, r.Header, st.hops[:0])
	st.fwd.start = clientip.Normalize(start)
	st.fwd.host = r.Host
	st.fwd.proto = "http"
	if r.TLS != nil {
		st.fwd.proto = "https"
	}
	if port := clientPort(&st.conn, local, h.publicPort); port != 0 {
		st.fwd.port = h.ports.String(port)
	}
	st.fwd.in = r.Header
	if h.metrics != nil && !st.fwd.res.PeerTrusted {
		st.forged = countIdentityHeaders(r.Header)
	}

	if !isToken(r.Method) {
		// net/http checks the method of HTTP/1 requests only. An HTTP/2
		// :method like "GET /x" would end up in an HTTP/1.1 request line.
		plainError(w, http.StatusBadRequest, "invalid method")
		return served
	}
	if r.Method == http.MethodConnect {
		// A reverse proxy has no tunnel to offer: forwarded, CONNECT would
		// ask the backend for one, to wherever the client names.
		plainError(w, http.StatusMethodNotAllowed, "CONNECT is not supported")
		return served
	}
	clean, ok := model.CleanPath(r.URL.Path)
	if !ok {
		plainError(w, http.StatusBadRequest, "request path must be absolute")
		return served
	}
	if clean != r.URL.Path {
		st.cleanPath = clean
	}
	host := model.CanonicalHost(r.Host)
	if cs := t.certs.scope(h.scope); r.TLS != nil && cs != nil && cs.lookup(host) != cs.lookup(model.CanonicalHost(r.TLS.ServerName)) {
		// The connection was set up for another name's certificate (of
		// the listener's scope, the only ones it serves): the client must
		// open a connection for this host (RFC 9110 15.5.20).
		plainError(w, http.StatusMisdirectedRequest, "this connection's certificate does not cover the requested host")
		return served
	}
	q := routeRequest{scope: h.scope, host: host, path: clean, method: r.Method, header: r.Header, rawQuery: r.URL.RawQuery}
	rule := t.route(&q)
	if why := t.pathAmbiguity(&q, rule); why != "" {
		plainError(w, http.StatusBadRequest, why)
		return served
	}
	if hasEncodedSlash(r.URL.RawPath) {
		if why := t.encodedSlashes(&q, r.URL.RawPath, rule, st); why != "" {
			plainError(w, http.StatusBadRequest, why)
			return served
		}
	}
	if rule == nil {
		if lp := h.policiesOf(t); lp != nil {
			ok := h.applyPolicies(w, st, lp)
			st.releasePolicies()
			if !ok {
				return served
			}
		}
		plainError(w, http.StatusNotFound, "no route for this host and path")
		return served
	}
	// Methods are case-sensitive, but a backend that folds them would
	// take "trace" for TRACE: refuse every spelling.
	if h1.EqualFoldASCII(r.Method, http.MethodTrace) && !rule.allowTrace {
		// A TRACE answer echoes the request, cookies and credentials
		// included, to any script that can make a browser send one.
		plainError(w, http.StatusMethodNotAllowed, "TRACE is not allowed on this route")
		return served
	}
	b := rule.backend
	if !st.client.serves(rule) {
		return handedBack
	}
	if lp := h.policiesOf(t); lp != nil || rule.policies != nil {
		st.route = rule.label
		ok := h.applyPolicies(w, st, lp, rule.policies)
		defer st.releasePolicies()
		if !ok {
			return served
		}
	}
	if rule.guard != nil && !h.checkGuards(w, r, st, rule) {
		return served // answered
	}
	if rule.action != nil {
		if b = h.takeAction(w, r, st, rule); b == nil {
			return served // answered
		}
	}
	st.backend, st.route = b, rule.label
	st.up, st.tier, ok = b.pickFor(r.Header, st, rule)
	if !ok {
		msg := fmt.Sprintf("backend %q has no available endpoint", b.name)
		if b.policy == model.LocalityLocal {
			msg = fmt.Sprintf("backend %q has no endpoint on this node (locality Local)", b.name)
		}
		plainError(w, http.StatusServiceUnavailable, msg)
		return served
	}
	st.endpoint = st.up.Endpoint
	st.up.state.inflight.Add(1)
	defer func() { st.up.state.inflight.Add(-1) }()
	if h.bodyTimeout > 0 && r.ContentLength != 0 && r.ProtoMajor == 1 {
		_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(h.bodyTimeout))
	}
	webSocket := false
	if len(r.Header["Upgrade"]) > 0 {
		if webSocket = isWebSocketUpgrade(r); !webSocket {
			// Only WebSocket may switch protocols; anything else (h2c
			// above all, a known way past a proxy's rules) is served as
			// the plain HTTP/1.1 request it also is.
			r.Header.Del("Upgrade")
		}
	}
	if st.action != nil {
		h.editRequest(r, st)
	}
	if b.leanFor(webSocket) {
		h.forward(w, r, st, rule.timeout)
		return served
	}
	h.forwardStd(w, r, st, rule.timeout, webSocket)
	return servedStateKept
}

// isWebSocketUpgrade reports whether r asks to switch to WebSocket: a GET
// whose Connection names "upgrade" and whose Upgrade is "websocket" and
// nothing else. An Upgrade that also offers another protocol ("websocket,
// h2c") would be forwarded whole and could let the backend pick that one.
func isWebSocketUpgrade(r *http.Request) bool {
	up := r.Header["Upgrade"]
	return r.Method == http.MethodGet && len(up) == 1 && h1.EqualFoldASCII(up[0], "websocket") &&
		h1.ValuesHaveToken(r.Header["Connection"], "upgrade")
}

func (st *requestState) backendName() string {
	if st.backend == nil {
		return ""
	}
	return st.backend.name
}

// origin fills st.conn with where r's connection came from (see
// [clientConn.origin]) and returns where the resolver starts (see
// [resolverStart]) and the local address the client connected to.
func (st *requestState) origin(r *http.Request) (start netip.Addr, source clientip.Source, local netip.AddrPort, ok bool) {
	var err error
	if st.conn, local, err = st.client.origin(r); err != nil {
		return netip.Addr{}, 0, netip.AddrPort{}, false
	}
	start, source = resolverStart(st.conn)
	return start, source, local, true
}

// connInfo returns where connection c came from (see [listen.InfoOf])
// and the local address the client connected to.
func connInfo(c net.Conn) (listen.Info, netip.AddrPort, error) {
	info, err := listen.InfoOf(c)
	if err != nil {
		return listen.Info{}, netip.AddrPort{}, err
	}
	var local netip.AddrPort
	if la, ok := c.LocalAddr().(*net.TCPAddr); ok {
		local = la.AddrPort()
	}
	return info, local, nil
}

// resolverStart returns where the client-IP resolver starts for a
// connection that came from info, and the matching source: the PROXY
// header's source when one was believed, else the socket peer.
func resolverStart(info listen.Info) (netip.Addr, clientip.Source) {
	if info.ViaProxy {
		return info.Source.Addr(), clientip.SourceProxyProtocol
	}
	return info.Peer.Addr(), clientip.SourcePeer
}

// startClientSpan starts the client span of an attempt on st's endpoint.
func (h *handler) startClientSpan(ctx context.Context, method string, st *requestState) (context.Context, trace.Span) {
	return h.tracing.tracer.Start(ctx, method, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(
			attribute.String("server.address", st.endpoint.Addr.Addr().String()),
			attribute.Int("server.port", int(st.endpoint.Addr.Port())),
			attribute.String("firsthop.backend", st.backend.name),
			attribute.String("firsthop.tier", st.tier.String()),
		))
}

// recordOutcome records an attempt's outcome on st's endpoint for passive
// health and in span (nil without tracing): the failure err, counted
// against the endpoint when blame is set (not when the client left or the
// route timed out), or the response status, 5xx counting as a failure.
func (h *handler) recordOutcome(st *requestState, span trace.Span, err error, status int, blame bool) {
	switch {
	case err != nil:
		if blame && st.up.state.failed(st.backend.health, time.Now()) {
			h.log.Warn("endpoint ejected", "backend", st.backend.name, "endpoint", st.endpoint.Addr.String(), "error", err.Error())
		}
		if span != nil {
			span.RecordError(err)
			span.SetStatus(codes.Error, "upstream request failed")
		}
		return
	case status >= 500:
		if st.up.state.failed(st.backend.health, time.Now()) {
			h.log.Warn("endpoint ejected", "backend", st.backend.name, "endpoint", st.endpoint.Addr.String(), "status", status)
		}
	default:
		st.up.state.succeeded()
	}
	if span != nil {
		span.SetAttributes(attribute.Int("http.response.status_code", status))
		if status >= 500 {
			span.SetStatus(codes.Error, "")
		}
	}
}

// isConnectError reports whether err is a failure to connect, so that
// nothing of the request reached the endpoint.
func isConnectError(err error) bool {
	var oe *net.OpError
	return errors.As(err, &oe) && oe.Op == "dial"
}

// endServerSpan sets what the request's server span reports and ends it.
func (h *handler) endServerSpan(span trace.Span, r *http.Request, st *requestState) {
	attrs := []attribute.KeyValue{
		attribute.String("http.request.method", knownMethod(r.Method)),
		attribute.Int("http.response.status_code", st.rec.status),
		attribute.String("url.path", r.URL.Path),
		attribute.String("firsthop.listener", h.listener),
	}
	if st.fwd.res.Client.IsValid() {
		attrs = append(attrs,
			attribute.String("client.address", st.fwd.res.Client.String()),
			attribute.String("firsthop.client_ip.source", st.fwd.res.Source.String()))
	}
	if st.backend != nil {
		attrs = append(attrs,
			attribute.String("http.route", st.route),
			attribute.String("firsthop.backend", st.backend.name),
			attribute.String("firsthop.tier", st.tier.String()))
	}
	span.SetAttributes(attrs...)
	if st.rec.status >= 500 {
		span.SetStatus(codes.Error, "")
	}
	span.End()
}

// plainError writes a short plain-text error body.
func plainError(w http.ResponseWriter, status int, msg string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = fmt.Fprintf(w, "firsthop: %s\n", msg)
}
