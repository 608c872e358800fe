package proxy

import (
	"context"
	"net/http"
	"net/http/httputil"
	"time"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/firsthop/firsthop/proxy/listen"
)

// This file is the standard upstream path: httputil.ReverseProxy over
// http.Transport, for backends that are not plain HTTP/1.1 (h2c, HTTPS,
// gRPC) and for WebSocket upgrades (see [backend.leanFor]). Its hooks
// find the request's state in the request's context, under stateKey; the
// rules it shares with the lean path (retry, blame, the answer to a
// failure, the forwarding headers) are called, not restated.

// stateKey is the request context key of the request's *requestState on
// this path.
type stateKey struct{}

// forwardStd sends r to st's endpoint through httputil.ReverseProxy,
// whose hooks (rewrite, roundTrip, modifyResponse, proxyError) find st in
// the request's context, and streams the response to w, st's status
// recorder. A WebSocket upgrade's client connection is tracked for the
// drain while it is tunnelled.
func (h *handler) forwardStd(w http.ResponseWriter, r *http.Request, st *requestState, timeout time.Duration, webSocket bool) {
	if webSocket && h.upgrades != nil {
		if c, ok := listen.ConnFromContext(r.Context()); ok {
			h.upgrades.add(c)
			defer h.upgrades.remove(c)
		}
	}
	if r.Body != nil && r.Body != http.NoBody {
		st.body.ReadCloser = r.Body
		r.Body = &st.body
	}
	ctx := context.WithValue(r.Context(), stateKey{}, st)
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	h.rp.ServeHTTP(w, r.WithContext(ctx))
}

// rewrite turns the inbound request into the upstream one. The reverse
// proxy has already removed hop-by-hop headers, those named by Connection,
// and inbound Forwarded / X-Forwarded-For / -Host / -Proto.
func (h *handler) rewrite(pr *httputil.ProxyRequest) {
	st := pr.In.Context().Value(stateKey{}).(*requestState)
	out := pr.Out
	out.URL.Scheme = st.backend.scheme
	out.URL.Host = st.endpoint.Addr.String()
	if st.upstreamHost != "" {
		out.Host = st.upstreamHost
	}
	if st.cleanPath != "" {
		out.URL.Path = st.cleanPath
		out.URL.RawPath = st.cleanRawPath
	}
	stripIdentityHeaders(out.Header, st.fwd.res.PeerTrusted)
	setForwardingHeaders(out.Header, st.headers, &st.fwd)
}

// modifyResponse applies the route's response header modifiers (see
// requestState.editResponse) to the backend's response.
func (h *handler) modifyResponse(resp *http.Response) error {
	if st, ok := resp.Request.Context().Value(stateKey{}).(*requestState); ok {
		st.editResponse(resp.Header)
		st.setAffinityCookie(resp.Header)
	}
	return nil
}

// roundTrip sends req to st's endpoint, and to others as long as
// [handler.retryElsewhere] allows, through the backend's transport.
func (h *handler) roundTrip(req *http.Request) (*http.Response, error) {
	st := req.Context().Value(stateKey{}).(*requestState)
	if req.Body != nil && req.Body != http.NoBody {
		st.retryBody.ReadCloser = req.Body
		req.Body = &st.retryBody
	}
	resp, err := h.attempt(req, st)
	var a attempts
	for err != nil && h.retryElsewhere(st, &a, err, req.Context().Err() != nil, !st.retryBody.read.Load()) {
		req.URL.Host = st.endpoint.Addr.String()
		resp, err = h.attempt(req, st)
	}
	return resp, err
}

// attempt sends req to st's endpoint once, refusing a 101 not asked for
// (see [checkSwitch]), and records the outcome for passive health (and,
// with tracing, in a client span).
func (h *handler) attempt(req *http.Request, st *requestState) (*http.Response, error) {
	var span trace.Span
	if h.tracing != nil {
		var ctx context.Context
		ctx, span = h.startClientSpan(req.Context(), req.Method, st)
		defer span.End()
		h.tracing.propagator.Inject(ctx, propagation.HeaderCarrier(req.Header))
		req = req.WithContext(ctx)
	}
	resp, err := st.backend.transport.RoundTrip(req)
	if err == nil {
		if err = checkSwitch(resp); err != nil {
			resp.Body.Close()
			resp = nil
		}
	}
	if err != nil {
		h.recordOutcome(st, span, err, 0, endpointToBlame(err, req.Context().Err() != nil, st.body.failed.Load()))
		return nil, err
	}
	h.recordOutcome(st, span, nil, resp.StatusCode, false)
	return resp, nil
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
