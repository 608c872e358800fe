package proxy

import (
	"context"
	"errors"
	"net/http"
)

// This file holds the one rule both upstream paths (the lean HTTP/1.1 one
// and httputil.ReverseProxy's) follow to answer a request whose exchange
// failed before any response was written: the status, the message and the
// kind of upstream error counted.

// upstreamFailure is what is known of an upstream exchange that failed
// before any response was written.
type upstreamFailure struct {
	// err is the failure: the upstream's, or the client body's.
	err error
	// bodyFailed says reading the client's request body failed (malformed,
	// cut short or stalled); bodyTimedOut that it stalled past the body
	// timeout.
	bodyFailed, bodyTimedOut bool
	// bodyTooLarge says the client's body grew past the route's limit
	// (see [bodyLimit]).
	bodyTooLarge bool
	// clientGone says the client went away; routeExpired that the route's
	// timeout passed.
	clientGone, routeExpired bool
}

// statusClientClosed is the status logged and counted, after nginx, for a
// request whose client went away before an answer: none is written.
const statusClientClosed = 499

// answer returns how f is answered: the status (statusClientClosed: no
// answer is written), the message of the plain-text error, and the kind
// counted in the upstream errors metric ("" for a failure that is the
// client's, not the upstream's). In order:
//
//   - the client's body grew past the route's limit: 413;
//   - the client's body stalled past the body timeout: 408;
//   - the client's body was malformed or cut short: 400 — both even when
//     the client has gone since, as its body's failure is the cause;
//   - the request cannot be written as HTTP/1.1 ([unsendable]): 400;
//   - the client went away: statusClientClosed;
//   - the route's timeout passed, or the upstream timed out: 504;
//   - otherwise 502, of kind "connect" when connecting failed.
func (f upstreamFailure) answer() (status int, msg, kind string) {
	switch {
	case f.bodyTooLarge:
		return http.StatusRequestEntityTooLarge, "request body larger than the route allows", ""
	case f.bodyTimedOut:
		return http.StatusRequestTimeout, "timed out reading the request body", ""
	case f.bodyFailed:
		return http.StatusBadRequest, "malformed request body", ""
	case unsendable(f.err):
		return http.StatusBadRequest, "request cannot be forwarded as HTTP/1.1", ""
	case f.clientGone:
		return statusClientClosed, "", ""
	case f.routeExpired:
		return http.StatusGatewayTimeout, "route timeout exceeded", "timeout"
	case isTimeout(f.err):
		return http.StatusGatewayTimeout, "upstream timed out", "timeout"
	case isConnectError(f.err):
		return http.StatusBadGateway, "upstream connection failed", "connect"
	}
	return http.StatusBadGateway, "upstream connection failed", "other"
}

// answerFailure answers st's request as f.answer says, and logs and counts
// it: an upstream error at Warn and in the metrics, the client's failure
// at Debug, nothing when the client left (then the handler aborts the
// connection). st may be nil: nothing is logged or counted.
func (h *handler) answerFailure(w http.ResponseWriter, st *requestState, f upstreamFailure) {
	status, msg, kind := f.answer()
	if status == statusClientClosed {
		if st != nil {
			st.rec.status = statusClientClosed
			st.abort = true
		}
		return
	}
	if st != nil {
		if kind == "" {
			h.log.Debug("request failed on the client's side", "listener", h.listener, "backend", st.backendName(),
				"status", status, "error", errString(f.err))
		} else {
			h.metrics.upstreamError(st.backend.name, kind)
			h.log.Warn("upstream request failed", "listener", h.listener, "backend", st.backend.name,
				"endpoint", st.endpoint.Addr.String(), "status", status, "error", errString(f.err))
		}
	}
	plainError(w, status, msg)
}

// proxyError is httputil.ReverseProxy's ErrorHandler: it answers a request
// whose upstream exchange failed before any response was written (see
// [handler.answerFailure]).
func (h *handler) proxyError(w http.ResponseWriter, r *http.Request, err error) {
	st, _ := r.Context().Value(stateKey{}).(*requestState)
	routeExpired := errors.Is(r.Context().Err(), context.DeadlineExceeded)
	f := upstreamFailure{err: err, routeExpired: routeExpired, clientGone: r.Context().Err() != nil && !routeExpired}
	if st != nil {
		f.bodyFailed, f.bodyTimedOut = st.body.failed.Load(), st.body.timeout.Load()
		f.bodyTooLarge = st.limit.exceeded.Load()
	}
	h.answerFailure(w, st, f)
}

// errString returns err's message, "" for nil.
func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
