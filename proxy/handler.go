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
	"strconv"

	"github.com/firsthop/firsthop/proxy/clientip"
	"github.com/firsthop/firsthop/proxy/listen"
)

// handler is the data plane of one listener: it resolves the client,
// routes, picks an endpoint and forwards.
type handler struct {
	// table returns the current table; nil until the first is published.
	table func() *Table
	log   *slog.Logger
	rp    *httputil.ReverseProxy
}

type stateKey struct{}

// requestState carries one request's decisions from ServeHTTP to the
// reverse proxy's hooks. It is allocated once per request.
type requestState struct {
	fwd      forwardContext
	headers  ForwardedHeaders
	backend  *backend
	endpoint Endpoint
	tier     Tier
	// cleanPath is the path to forward when it differs from the request's.
	cleanPath string
	hops      [4]clientip.Hop
}

func newHandler(table func() *Table, log *slog.Logger) *handler {
	h := &handler{table: table, log: log}
	h.rp = &httputil.ReverseProxy{
		Rewrite:      h.rewrite,
		Transport:    roundTripperFunc(h.roundTrip),
		ErrorHandler: h.proxyError,
		BufferPool:   &bufferPool{},
		ErrorLog:     slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t := h.table()
	if t == nil {
		plainError(w, http.StatusServiceUnavailable, "no routing table has been loaded yet")
		return
	}
	st := &requestState{headers: t.headers}
	start, source, local, ok := connOrigin(r)
	if !ok {
		plainError(w, http.StatusBadRequest, "cannot determine the client address")
		return
	}
	st.fwd.res = t.clientIP.Resolve(start, source, r.Header, st.hops[:0])
	st.fwd.start = clientip.Normalize(start)
	st.fwd.host = r.Host
	st.fwd.proto = "http"
	if r.TLS != nil {
		st.fwd.proto = "https"
	}
	if local.IsValid() {
		st.fwd.port = strconv.Itoa(int(local.Port()))
	}
	st.fwd.in = r.Header

	clean, ok := CleanPath(r.URL.Path)
	if !ok {
		plainError(w, http.StatusBadRequest, "request path must be absolute")
		return
	}
	if clean != r.URL.Path {
		st.cleanPath = clean
	}
	st.backend = t.route(canonicalHost(r.Host), clean)
	if st.backend == nil {
		plainError(w, http.StatusNotFound, "no route for this host and path")
		return
	}
	st.endpoint, st.tier, ok = st.backend.pick()
	if !ok {
		msg := fmt.Sprintf("backend %q has no available endpoint", st.backend.name)
		if st.backend.policy == LocalityLocal {
			msg = fmt.Sprintf("backend %q has no endpoint on this node (locality Local)", st.backend.name)
		}
		plainError(w, http.StatusServiceUnavailable, msg)
		return
	}
	h.rp.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), stateKey{}, st)))
}

// connOrigin returns where the resolver starts for r (the PROXY source when
// one was believed, else the socket peer), the matching clientip source,
// and the local address the client connected to.
func connOrigin(r *http.Request) (start netip.Addr, source clientip.Source, local netip.AddrPort, ok bool) {
	if c, found := listen.ConnFromContext(r.Context()); found {
		info, err := listen.InfoOf(c)
		if err != nil {
			return netip.Addr{}, 0, netip.AddrPort{}, false
		}
		if la, ok := c.LocalAddr().(*net.TCPAddr); ok {
			local = la.AddrPort()
		}
		if info.ViaProxy {
			return info.Source.Addr(), clientip.SourceProxyProtocol, local, true
		}
		return info.Peer.Addr(), clientip.SourcePeer, local, true
	}
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}, 0, netip.AddrPort{}, false
	}
	return ap.Addr(), clientip.SourcePeer, local, true
}

// rewrite turns the inbound request into the upstream one. The reverse
// proxy has already removed hop-by-hop headers, those named by Connection,
// and inbound Forwarded / X-Forwarded-For / -Host / -Proto.
func (h *handler) rewrite(pr *httputil.ProxyRequest) {
	st := pr.In.Context().Value(stateKey{}).(*requestState)
	out := pr.Out
	out.URL.Scheme = "http"
	out.URL.Host = st.endpoint.Addr.String()
	if st.cleanPath != "" {
		out.URL.Path = st.cleanPath
		out.URL.RawPath = ""
	}
	stripIdentityHeaders(out.Header, st.fwd.res.PeerTrusted)
	setForwardingHeaders(out.Header, st.headers, &st.fwd)
}

func (h *handler) roundTrip(req *http.Request) (*http.Response, error) {
	st := req.Context().Value(stateKey{}).(*requestState)
	return st.backend.transport.RoundTrip(req)
}

// proxyError answers a request whose upstream exchange failed before any
// response was written: 504 for a timeout, 502 otherwise.
func (h *handler) proxyError(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil {
		// The client went away; there is nobody to answer.
		return
	}
	st, _ := r.Context().Value(stateKey{}).(*requestState)
	status, msg := http.StatusBadGateway, "upstream connection failed"
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		status, msg = http.StatusGatewayTimeout, "upstream timed out"
	}
	if st != nil {
		h.log.Warn("upstream request failed", "backend", st.backend.name,
			"endpoint", st.endpoint.Addr.String(), "status", status, "error", err.Error())
	}
	plainError(w, status, msg)
}

// plainError writes a short plain-text error body.
func plainError(w http.ResponseWriter, status int, msg string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = fmt.Fprintf(w, "firsthop: %s\n", msg)
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
