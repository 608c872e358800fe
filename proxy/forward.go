package proxy

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/firsthop/firsthop/proxy/h1"
)

// The lean path forwards a request to an HTTP/1.1 backend over firsthop's
// own pooled connections (package h1) instead of httputil.ReverseProxy and
// http.Transport, which stay in use for h2c, HTTPS and gRPC backends and
// for WebSocket upgrades. It keeps their behaviour: the same upstream
// request and response headers, connect retries on other endpoints,
// passive health, the route timeout and the response-header timeout (504),
// the same 502/503/504 answers, 1xx and trailers passed on, streaming, and
// an upstream exchange cut short when the client goes away.

// maxResponseHeadBytes bounds an upstream response head and trailer
// section, as http.Transport's MaxResponseHeaderBytes did.
const maxResponseHeadBytes = 1 << 20

// headWatchAfter is how long a response head may take before firsthop
// starts watching the client's context to abandon the exchange if the
// client leaves. Faster responses, nearly all of them, never pay for the
// watch.
const headWatchAfter = 50 * time.Millisecond

// max1xx is how many informational responses may come before the final
// one, as in http.Transport.
const max1xx = 5

// expectContinueTimeout is how long a body announced with "Expect:
// 100-continue" waits for the backend's 100 before it is sent anyway (the
// old transport's ExpectContinueTimeout).
const expectContinueTimeout = time.Second

// aLongTimeAgo is a deadline that has passed: setting it fails pending I/O.
var aLongTimeAgo = time.Unix(1, 0)

// upstreamExchange is the state of one request forwarded on the lean path. It
// lives in the pooled requestState and is not safe for concurrent use,
// except as bodyCopy describes.
type upstreamExchange struct {
	h  *handler
	w  http.ResponseWriter
	r  *http.Request
	st *requestState
	// began is when the request arrived; now is a recent clock reading,
	// began until something (a dial, a retry) may have taken time.
	began, now time.Time
	// route is the route timeout's deadline; zero: none.
	route time.Time
	// headDeadline bounds the wait for the response head of a request
	// without a body.
	headDeadline time.Time
	// extra holds the trace context to send; nil without tracing.
	extra http.Header

	conn *h1.Conn
	// watch stops the watch of the client's context; nil while none runs.
	watch func() bool
	// body copies a request body; nil for a request without one.
	body *bodyCopy
	// bodyStarted is set once a copy of the request body began: from then
	// on the body cannot be sent to another endpoint.
	bodyStarted bool
	// clientBodyErr is the failure reading the client's body that ended
	// an attempt (see clientBodyError); nil when there was none.
	clientBodyErr error
}

// forward sends r to st's endpoint (to others as long as
// [handler.retryElsewhere] allows) and streams the response to w, which is
// st's status recorder.
func (h *handler) forward(w http.ResponseWriter, r *http.Request, st *requestState, timeout time.Duration) {
	x := &st.x
	*x = upstreamExchange{h: h, w: w, r: r, st: st, began: st.began, now: st.began}
	if timeout > 0 {
		x.route = x.began.Add(timeout)
	}
	resp, err := x.attempt()
	var a attempts
	for err != nil && h.retryElsewhere(st, &a, err, x.cutOff(), !x.bodyStarted) {
		x.now = time.Now()
		resp, err = x.attempt()
	}
	if err != nil {
		f := upstreamFailure{err: err, clientGone: st.client.clientGone(r), routeExpired: x.routeExpired()}
		if x.clientBodyErr != nil {
			f.err, f.bodyFailed, f.bodyTimedOut = x.clientBodyErr, true, isTimeout(x.clientBodyErr)
			f.bodyTooLarge = errors.Is(x.clientBodyErr, errBodyTooLarge)
		}
		h.answerFailure(w, st, f)
		return
	}
	x.stream(resp)
}

// cutOff reports whether the request is cut off: the client left or the
// route's deadline passed.
func (x *upstreamExchange) cutOff() bool {
	return x.st.client.clientGone(x.r) || x.routeExpired()
}

// routeExpired reports whether the route's deadline has passed.
func (x *upstreamExchange) routeExpired() bool {
	return !x.route.IsZero() && !time.Now().Before(x.route)
}

// attempt sends the request to st's endpoint once, returning the final
// response head with x.conn positioned at its body, and records the
// outcome for passive health (and, with tracing, in a client span).
func (x *upstreamExchange) attempt() (*h1.Response, error) {
	var span trace.Span
	if x.h.tracing != nil {
		var ctx context.Context
		ctx, span = x.h.startClientSpan(x.r.Context(), x.r.Method, x.st)
		defer span.End()
		x.extra = http.Header{}
		x.h.tracing.propagator.Inject(ctx, propagation.HeaderCarrier(x.extra))
	}
	resp, err := x.roundTrip()
	if err != nil {
		x.h.recordOutcome(x.st, span, err, 0, endpointToBlame(err, x.cutOff(), x.clientBodyErr != nil))
		return nil, err
	}
	x.h.recordOutcome(x.st, span, nil, resp.StatusCode, false)
	return resp, nil
}

// roundTrip sends the request on a pooled connection to st's endpoint, or
// a new one, and reads the final response head. A pooled connection the
// backend turns out to have closed before reading the request is replaced,
// for a request that may be sent twice.
func (x *upstreamExchange) roundTrip() (*h1.Response, error) {
	pool := &x.st.up.state.conns
	for stale := 0; ; stale++ {
		if stale > 0 {
			x.now = time.Now()
		}
		var c *h1.Conn
		if x.r.ContentLength == 0 {
			c = pool.GetUnchecked(x.now) // checked as send flushes
		} else {
			c = pool.Get(x.now)
		}
		if c == nil {
			var err error
			if c, err = x.dial(); err != nil {
				return nil, err
			}
			x.now = time.Now()
		}
		x.conn = c
		resp, err := x.send(c)
		if err == nil {
			return resp, nil
		}
		if errors.Is(err, h1.ErrIdleUnfit) {
			// Nothing was sent: the next idle connection, as Get would
			// have skipped this one.
			x.abandon()
			stale--
			continue
		}
		retry := c.Reused() && !c.ResponseStarted() && isStale(err) && stale < 2 &&
			x.replayable() && !x.st.client.clientGone(x.r)
		x.abandon()
		if !retry {
			return nil, err
		}
	}
}

// dial opens a new connection to st's endpoint.
func (x *upstreamExchange) dial() (*h1.Conn, error) {
	b := x.st.backend
	d := net.Dialer{Timeout: b.upstream.connect, KeepAlive: 30 * time.Second, Deadline: x.route}
	nc, err := d.DialContext(x.r.Context(), "tcp", x.st.endpoint.Addr.String())
	if err != nil {
		return nil, err
	}
	return h1.NewConn(nc, maxResponseHeadBytes), nil
}

// unsendable reports whether err says the request itself cannot be
// written as HTTP/1.1 (a method, target, Host or field an HTTP/2 client
// could send but HTTP/1.1 cannot carry): the client's error, not the
// endpoint's.
func unsendable(err error) bool {
	return errors.Is(err, h1.ErrInvalidRequest) || errors.Is(err, errInvalidHost)
}

// isStale reports whether err, on a reused connection from which no byte
// of a response came, means the backend closed it before it took the
// request.
func isStale(err error) bool {
	return err == io.EOF || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// replayable reports whether the request may be sent again: it has no
// body and is idempotent (http.Transport's rule).
func (x *upstreamExchange) replayable() bool {
	if x.r.ContentLength != 0 {
		return false
	}
	switch x.r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	h := x.r.Header
	return h["Idempotency-Key"] != nil || h["X-Idempotency-Key"] != nil
}

// send writes the request on c (its body from a goroutine of its own) and
// reads the final response head, passing 1xx responses to the client.
func (x *upstreamExchange) send(c *h1.Conn) (*h1.Response, error) {
	r := x.r
	bw := c.Writer()
	if err := writeUpstreamHead(bw, r, x.st, x.extra); err != nil {
		c.Break()
		return nil, err
	}
	if r.ContentLength != 0 {
		c.SetDeadlines(x.route, x.route)
		x.bodyStarted = true
		x.startBody(c)
	} else {
		c.SetWriteDeadline(x.route)
		x.setHeadDeadline(c)
		if err := c.FlushAwait(); err != nil {
			c.Break()
			return nil, err
		}
	}
	return x.readHead(c)
}

// setHeadDeadline bounds the wait for the response head of a request
// without a body: the response-header timeout or the route's deadline,
// and, until the watch of the client runs, headWatchAfter — for which a
// deadline the connection already has will do when it falls in the last
// four fifths of that window, since setting one for every request costs a
// timer update.
func (x *upstreamExchange) setHeadDeadline(c *h1.Conn) {
	now := x.now
	d := now.Add(x.st.backend.upstream.responseHeader)
	if !x.route.IsZero() && x.route.Before(d) {
		d = x.route
	}
	x.headDeadline = d
	if x.watch == nil {
		if early := now.Add(headWatchAfter); early.Before(d) {
			if cur := c.ReadDeadline(); !cur.Before(now.Add(headWatchAfter/5)) && !cur.After(early) {
				return
			}
			d = early
		}
	}
	c.SetReadDeadline(d)
}

// readHead reads response heads until the final one, forwarding 1xx.
func (x *upstreamExchange) readHead(c *h1.Conn) (*h1.Response, error) {
	n1xx := 0
	for {
		resp, err := c.ReadResponse(x.r.Method)
		if err != nil {
			if x.watch == nil && isTimeout(err) && time.Now().Before(x.headDeadline) && !x.st.client.clientGone(x.r) {
				// A slow backend: from now on, leave if the client does.
				x.startWatch(c)
				c.SetReadDeadline(x.headDeadline)
				continue
			}
			return nil, err
		}
		switch {
		case resp.StatusCode == http.StatusSwitchingProtocols:
			c.Break()
			return nil, errUnaskedSwitch
		case resp.StatusCode < 200:
			if n1xx++; n1xx > max1xx {
				c.Break()
				return nil, errTooMany1xx
			}
			if resp.StatusCode == http.StatusContinue && x.body != nil {
				x.body.proceed(true)
			}
			forward1xx(x.w, resp)
			continue
		}
		if x.body != nil {
			x.body.headRead()
		}
		return resp, nil
	}
}

// errTooMany1xx is the failure of an attempt whose backend sent more than
// max1xx informational responses.
var errTooMany1xx = &h1.ProtocolError{What: "too many 1xx informational responses"}

// isTimeout reports whether err is a deadline expiry.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// startWatch makes the client's leaving fail c's pending I/O at once (see
// [clientConn.watchClient]).
func (x *upstreamExchange) startWatch(c *h1.Conn) {
	nc := c.NetConn()
	x.watch = x.st.client.watchClient(x.r, func() { _ = nc.SetDeadline(aLongTimeAgo) })
}

// stopWatch ends the watch; a watch that already fired has spoilt c's
// deadlines, so c must not be reused.
func (x *upstreamExchange) stopWatch(c *h1.Conn) {
	if x.watch != nil && !x.watch() {
		c.Break()
	}
	x.watch = nil
}

// stream hands the response whose head is resp to the client: header,
// body, trailers. A failure once the header is sent can only cut the
// response short, as httputil.ReverseProxy does, by aborting the handler.
func (x *upstreamExchange) stream(resp *h1.Response) {
	c, w := x.conn, x.w
	announced, err := copyResponseHeader(w.Header(), resp)
	if err != nil {
		clear(w.Header())
		x.abandon()
		x.h.answerFailure(w, x.st, upstreamFailure{err: err})
		return
	}
	if len(announced) > 0 {
		w.Header().Add("Trailer", strings.Join(announced, ", "))
	}
	x.st.editResponse(w.Header())
	x.st.setAffinityCookie(w.Header())
	w.WriteHeader(resp.StatusCode)
	body := c.Body()
	if !body.Done() {
		if !body.Buffered() {
			// More must come from the socket: the head deadline no longer
			// applies, and the client may leave during a long body.
			c.SetReadDeadline(x.route)
			if x.watch == nil {
				x.startWatch(c)
			}
		}
		if err := copyBody(w, body, flushesEachWrite(resp)); err != nil {
			x.abandon()
			x.h.log.Debug("response cut short", "backend", x.st.backend.name,
				"endpoint", x.st.endpoint.Addr.String(), "error", err.Error())
			panic(http.ErrAbortHandler)
		}
	}
	trailer := body.Trailer
	x.release()
	passTrailers(w, announced, trailer)
}

// release ends the exchange on x.conn and gives the connection back to the
// endpoint's pool, which keeps it only if it can carry another.
func (x *upstreamExchange) release() {
	c := x.conn
	x.stopWatch(c)
	if x.body != nil {
		_ = x.body.finish(c, x.w, false)
		x.body = nil
	}
	x.st.up.state.conns.Put(c)
	x.conn = nil
}

// abandon ends a failed exchange on x.conn and closes the connection.
func (x *upstreamExchange) abandon() {
	c := x.conn
	c.Break()
	x.stopWatch(c)
	_ = c.Close()
	if x.body != nil {
		x.clientBodyErr = x.body.clientBodyError(x.body.finish(c, x.w, x.st.client.clientGone(x.r)))
		x.body = nil
	}
	x.conn = nil
}
