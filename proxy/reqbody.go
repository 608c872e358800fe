package proxy

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/firsthop/firsthop/proxy/h1"
)

// bodyCopy copies a request body to the backend from a goroutine of its
// own while the handler reads the response, as http.Transport does, so
// that a backend may answer (or stream) before it has read all of it.
type bodyCopy struct {
	r   *http.Request
	rht time.Duration // the response-header timeout, from the end of the body
	// route is the route's deadline; zero: none.
	route time.Time
	done  chan error // the copy's result, sent once
	// cont, for "Expect: 100-continue", tells the copy to send the body
	// (true) or not (false); nil without the expectation.
	cont      chan bool
	continued bool // a value was sent on cont

	// mu guards c's read deadline and headDone between the copy, which
	// sets the response-header deadline once the body is sent, and the
	// handler, which sets the body's once the head is read.
	mu       sync.Mutex
	headDone bool

	// stopped is set when finish stops a copy that is still running, by
	// making the client's body fail with a deadline (see clientBodyError).
	stopped atomic.Bool

	// bodyRead is set by the copy once it has read the client's body to
	// its end: what is left for it to do is writing to the backend, and
	// the client's connection is at the next request's first byte.
	bodyRead atomic.Bool
}

// errBodyNotSent is the copy's result when the backend answered before
// sending 100 Continue to a request expecting it.
var errBodyNotSent = errors.New("proxy: backend answered before 100 Continue; body not sent")

// errClientBody marks a failure reading the client's request body.
type errClientBody struct{ error }

// startBody starts copying r's body to c and watches the client, since the
// body may take long.
func (x *upstreamExchange) startBody(c *h1.Conn) {
	if x.watch == nil {
		x.startWatch(c)
	}
	b := &bodyCopy{r: x.r, rht: x.st.backend.upstream.responseHeader, route: x.route, done: make(chan error, 1)}
	if h1.ValuesHaveToken(x.r.Header["Expect"], "100-continue") {
		b.cont = make(chan bool, 1)
	}
	x.body = b
	go func() { b.done <- b.copy(c) }()
}

// proceed answers a request expecting 100-continue: send the body or not.
func (b *bodyCopy) proceed(send bool) {
	if b.cont != nil && !b.continued {
		b.continued = true
		b.cont <- send
	}
}

// headRead tells the copy the final response head has been read, so that
// it leaves c's read deadline alone, and that a body still waiting for
// 100 Continue is not to be sent.
func (b *bodyCopy) headRead() {
	b.proceed(false)
	b.mu.Lock()
	b.headDone = true
	b.mu.Unlock()
}

// copy writes the body, flushing as it goes so that a stream reaches the
// backend as it comes, then starts the response-header timeout. A failure
// reading the client closes c, so the backend never takes a cut-off body
// for a whole one; a failure writing leaves c for the handler, which may
// still read an early answer.
func (b *bodyCopy) copy(c *h1.Conn) error {
	bw := c.Writer()
	if err := bw.Flush(); err != nil {
		return err
	}
	if b.cont != nil {
		t := time.NewTimer(expectContinueTimeout)
		select {
		case send := <-b.cont:
			t.Stop()
			if !send {
				return errBodyNotSent
			}
		case <-t.C:
		}
	}
	bufp := copyBuffers.get()
	defer copyBuffers.put(bufp)
	buf := *bufp
	var err error
	if b.r.ContentLength > 0 {
		err = copyLength(bw, b.r.Body, b.r.ContentLength, buf, &b.bodyRead)
	} else {
		err = copyChunked(bw, b.r, buf, &b.bodyRead)
	}
	if err != nil {
		var cb errClientBody
		if errors.As(err, &cb) {
			// Close the socket only: c's state belongs to the handler,
			// which sees the failure on its side.
			_ = c.NetConn().Close()
		}
		return err
	}
	b.mu.Lock()
	if !b.headDone {
		d := time.Now().Add(b.rht)
		if !b.route.IsZero() && b.route.Before(d) {
			d = b.route
		}
		c.SetReadDeadline(d)
	}
	b.mu.Unlock()
	return nil
}

// copyLength copies exactly n bytes of body to w, setting read once it
// has read them all.
func copyLength(w *bufio.Writer, body io.Reader, n int64, buf []byte, read *atomic.Bool) error {
	for n > 0 {
		k, err := body.Read(buf[:min(int64(len(buf)), n)])
		if int64(k) == n {
			read.Store(true)
		}
		if err != nil && err != io.EOF {
			// The body is cut short and c will be closed: the bytes of
			// this read are not worth sending, and a failure sending
			// them (the client watch may already have stopped c, seeing
			// net/http cancel the request for this very error) must not
			// hide that the client's body failed.
			return errClientBody{err}
		}
		if k > 0 {
			n -= int64(k)
			if _, werr := w.Write(buf[:k]); werr != nil {
				return werr
			}
			if werr := w.Flush(); werr != nil {
				return werr
			}
		}
		if err == io.EOF && n > 0 {
			return errClientBody{io.ErrUnexpectedEOF}
		}
	}
	return nil
}

// copyChunked copies r's body of unknown length to w in chunked coding,
// then its trailer fields (those that may travel as trailers), setting
// read once it has read the body's end.
func copyChunked(w *bufio.Writer, r *http.Request, buf []byte, read *atomic.Bool) error {
	cw := h1.ChunkedWriter{W: w}
	for {
		k, err := r.Body.Read(buf)
		if err == io.EOF {
			read.Store(true)
		}
		if err != nil && err != io.EOF {
			return errClientBody{err} // as in copyLength
		}
		if k > 0 {
			if _, werr := cw.Write(buf[:k]); werr != nil {
				return werr
			}
			if werr := w.Flush(); werr != nil {
				return werr
			}
		}
		if err == io.EOF {
			break
		}
	}
	var trailer []h1.Field
	for _, k := range requestTrailerNames(r.Trailer) {
		for _, v := range r.Trailer[k] {
			trailer = append(trailer, h1.Field{Name: k, Value: v})
		}
	}
	if err := cw.Close(trailer); err != nil {
		return err
	}
	return w.Flush()
}

// finish ends the copy when the exchange ends and returns its result. A
// copy still running means the backend answered (or failed) before the
// copy was done: c is closed, so that the rest cannot be taken for a next
// request. If the copy is still reading the client's body, then unless
// the client has gone (clientGone: then reading its body already fails,
// and how it failed is the answer), that body is made to fail so the copy
// stops reading it before the handler returns. A copy that has read the
// whole body is left to end by itself: failing the client's connection
// then would only break its next request, which may already be on the
// way.
func (b *bodyCopy) finish(c *h1.Conn, w http.ResponseWriter, clientGone bool) error {
	b.proceed(false)
	select {
	case err := <-b.done:
		if err != nil {
			c.Break()
		}
		return err
	default:
	}
	c.Break()
	_ = c.Close()
	if !clientGone && !b.bodyRead.Load() {
		b.stopped.Store(true)
		_ = http.NewResponseController(w).SetReadDeadline(aLongTimeAgo)
	}
	return <-b.done
}

// clientBodyError returns the failure reading the client's body that
// ended the copy, whose result (from finish) is err, or nil: a malformed
// or cut-short body, or one that stalled past the body timeout. Such a
// failure is the client's, not the endpoint's — unless it is the deadline
// finish set to stop the copy.
func (b *bodyCopy) clientBodyError(err error) error {
	var cb errClientBody
	if !errors.As(err, &cb) || b.stopped.Load() && errors.Is(cb.error, os.ErrDeadlineExceeded) {
		return nil
	}
	return cb.error
}
