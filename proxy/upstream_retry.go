package proxy

import (
	"errors"
	"io"
	"sync/atomic"

	"github.com/firsthop/firsthop/proxy/h1"
)

// This file holds the one rule both upstream paths (the lean HTTP/1.1 one
// and http.Transport's) follow when an attempt fails: whether the request
// may go to another endpoint, and whether the failure counts against the
// endpoint's passive health.

// maxAttempts bounds the attempts one request makes: the first endpoint
// and at most two others, each a different endpoint, so a backend with
// fewer endpoints gets one attempt per endpoint.
const maxAttempts = 3

// attempts records the endpoints on which one request failed; the zero
// value is a request on its first attempt.
type attempts struct {
	failed [maxAttempts - 1]*endpointState
	n      int
}

// sentNothing reports whether err, an attempt's failure, came before any
// byte of the request was written: connecting failed (refused, timed out,
// unreachable), or an idle connection was found unfit before use. No
// endpoint saw such a request, so it may go to another whatever its
// method, body included — provided nothing was read from the body.
func sentNothing(err error) bool {
	return isConnectError(err) || errors.Is(err, h1.ErrIdleUnfit)
}

// retryElsewhere reports whether the request of st, whose attempt on its
// endpoint failed with err, goes to another endpoint, and if so moves st
// there. It does when nothing was sent (see [sentNothing]), the request
// is not cut off (the client is still there, the route's deadline has not
// passed), fewer than maxAttempts were made, and the backend has an
// endpoint this request has not tried. bodyUntouched says nothing was read
// from the request's body, which can then be sent as a whole.
func (h *handler) retryElsewhere(st *requestState, a *attempts, err error, cutOff, bodyUntouched bool) bool {
	if !sentNothing(err) || cutOff || !bodyUntouched || a.n+1 >= maxAttempts {
		return false
	}
	a.failed[a.n] = st.up.state
	a.n++
	next, tier, ok := st.backend.pick(a.failed[:a.n])
	if !ok {
		return false
	}
	h.log.Debug("retrying on another endpoint", "backend", st.backend.name,
		"failed", st.endpoint.Addr.String(), "next", next.Addr.String(), "error", err.Error())
	st.up.state.inflight.Add(-1)
	next.state.inflight.Add(1)
	st.up, st.endpoint, st.tier = next, next.Endpoint, tier
	return true
}

// endpointToBlame reports whether an attempt that failed with err counts
// against the endpoint's passive health. It does not when the request was
// cut off (the client left, or the route's deadline passed), when reading
// the client's body failed, or when the request cannot be written as
// HTTP/1.1: each time the client's doing, and any client could otherwise
// eject every endpoint of a backend.
func endpointToBlame(err error, cutOff, clientBodyFailed bool) bool {
	return !cutOff && !clientBodyFailed && !unsendable(err)
}

// retryableBody wraps the request body on http.Transport's path so that
// an attempt that failed before sending anything leaves it whole for the
// next: it records whether anything was read, and a Close before any
// read is not passed on (http.Transport closes the body of a request it
// failed to connect for). httputil.ReverseProxy closes the body itself
// once the exchange is over.
type retryableBody struct {
	io.ReadCloser
	read atomic.Bool
}

func (b *retryableBody) Read(p []byte) (int, error) {
	b.read.Store(true)
	return b.ReadCloser.Read(p)
}

// Close closes the body once something was read from it.
func (b *retryableBody) Close() error {
	if !b.read.Load() {
		return nil
	}
	return b.ReadCloser.Close()
}
