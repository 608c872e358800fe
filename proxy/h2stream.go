package proxy

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"time"

	"golang.org/x/net/http2"
)

// h2Stream is one request of an [h2Conn] and its response. The fields
// after cond are under the connection's mu.
type h2Stream struct {
	c  *h2Conn
	id uint32
	// handler, when set, answers in place of the listener's handler
	// (a header list over the limit).
	handler    func(http.ResponseWriter)
	req        *http.Request
	reqTrailer http.Header // the request's Trailer: declared names
	ctx        context.Context
	cancel     context.CancelFunc
	res        h2Response // handler goroutine only

	cond sync.Cond // the body's reader waits on it

	closed     bool // not in c.streams: reset, or done both ways
	remoteDone bool // END_STREAM received
	bodyClosed bool // the handler is done with the body
	body       []byte
	bodyOff    int
	bodyErr    error // after body: io.EOF, or why the body failed
	trailer    http.Header
	declLen    int64 // the request's content-length, -1 without
	gotLen     int64
	sendWindow int64
	recvWindow int64
	refund     int64 // body read, not yet granted again

	needsContinue bool
	readTimedOut  bool
	readTimer     *time.Timer
	writeDeadline time.Time
}

// processTrailers takes the trailers of st's request, which must end the
// stream and carry no pseudo-header field. Called with mu held.
func (st *h2Stream) processTrailers(f *http2.MetaHeadersFrame) error {
	if !f.StreamEnded() || f.Truncated {
		return http2.StreamError{StreamID: st.id, Code: http2.ErrCodeProtocol}
	}
	for _, hf := range f.Fields {
		if hf.IsPseudo() || !validLowerFieldName(hf.Name) || h2ConnectionHeaders[hf.Name] {
			return http2.StreamError{StreamID: st.id, Code: http2.ErrCodeProtocol}
		}
		k := st.c.canonical(hf.Name)
		if _, declared := st.reqTrailer[k]; declared {
			if st.trailer == nil {
				st.trailer = make(http.Header)
			}
			st.trailer[k] = append(st.trailer[k], hf.Value)
		}
	}
	return st.endRemote()
}

// endRemote notes the end of the request (END_STREAM). Called with mu
// held.
func (st *h2Stream) endRemote() error {
	st.remoteDone = true
	if st.declLen >= 0 && st.gotLen != st.declLen {
		st.bodyErr = fmt.Errorf("http2: request body of %d bytes, its content-length %d", st.gotLen, st.declLen)
		st.cond.Broadcast()
		return http2.StreamError{StreamID: st.id, Code: http2.ErrCodeProtocol, Cause: st.bodyErr}
	}
	if st.bodyErr == nil {
		st.bodyErr = io.EOF
	}
	st.cond.Broadcast()
	if st.res.complete {
		st.c.closeStreamLocked(st, io.EOF)
	}
	return nil
}

// closeBodyLocked ends the handler's use of the body: see dropBodyLocked;
// DATA that comes later is dropped as it comes.
func (st *h2Stream) closeBodyLocked() {
	st.bodyClosed = true
	st.dropBodyLocked()
}

// dropBodyLocked drops what is buffered of the body, giving its bytes
// back to the connection's window.
func (st *h2Stream) dropBodyLocked() {
	st.c.writeWindowUpdateLocked(0, int64(len(st.body)-st.bodyOff)+st.refund)
	st.body, st.bodyOff, st.refund = nil, 0, 0
	if st.readTimer != nil {
		st.readTimer.Stop()
	}
	st.cond.Broadcast()
}

// h2Body is a request body: the DATA the connection's reader buffered.
type h2Body struct{ st *h2Stream }

func (b h2Body) Read(p []byte) (int, error) {
	st := b.st
	c := st.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if st.needsContinue {
		st.needsContinue = false
		if !st.closed && !st.res.sentHeader {
			c.startBlockLocked()
			c.encodeLocked(":status", "100")
			c.writeBlockLocked(st.id, false)
			c.kickLocked()
		}
	}
	for len(st.body) == st.bodyOff {
		switch {
		case st.bodyClosed:
			return 0, http.ErrBodyReadAfterClose
		case st.readTimedOut:
			return 0, fmt.Errorf("http2: reading the request body: %w", os.ErrDeadlineExceeded)
		case st.bodyErr == io.EOF:
			for k, vv := range st.trailer {
				st.reqTrailer[k] = vv
			}
			return 0, io.EOF
		case st.bodyErr != nil:
			return 0, st.bodyErr
		}
		st.cond.Wait()
	}
	n := copy(p, st.body[st.bodyOff:])
	if st.bodyOff += n; st.bodyOff == len(st.body) {
		st.body, st.bodyOff = st.body[:0], 0
	}
	if st.refund += int64(n); st.refund >= h2RefundAt {
		c.writeWindowUpdateLocked(0, st.refund)
		if !st.remoteDone {
			c.writeWindowUpdateLocked(st.id, st.refund)
			st.recvWindow += st.refund
		}
		st.refund = 0
		c.kickLocked()
	}
	return n, nil
}

func (b h2Body) Close() error {
	st := b.st
	st.c.mu.Lock()
	defer st.c.mu.Unlock()
	if !st.bodyClosed {
		st.closeBodyLocked()
	}
	return nil
}

// errH2Stalled ends a response the client has not let through (window
// closed, or nothing read) for the idle timeout.
var errH2Stalled = fmt.Errorf("http2: the client took nothing for the idle timeout: %w", os.ErrDeadlineExceeded)

// writeDataLocked writes p as DATA frames on st, end marking the last,
// as the flow-control windows let it, waiting for them (and for the
// pending bytes to be written when there are many). Called with mu
// held, which it releases while it waits.
func (st *h2Stream) writeDataLocked(p []byte, end bool) error {
	c := st.c
	var waitStart time.Time
	for {
		if st.closed || c.werr != nil {
			return errH2StreamClosed
		}
		if len(p) == 0 {
			if end {
				c.appendDataLocked(st.id, nil, true)
			}
			return nil
		}
		n := min(int64(len(p)), int64(c.peerMaxFrame), c.sendWindow, st.sendWindow)
		if n > 0 && len(c.wbuf) < h2MaxPending {
			c.appendDataLocked(st.id, p[:n], end && int(n) == len(p))
			c.sendWindow -= n
			st.sendWindow -= n
			p = p[n:]
			if len(p) == 0 {
				return nil
			}
			continue
		}
		if len(c.wbuf) > 0 && !c.flushing {
			// The client's window updates answer what it has read.
			c.flushLocked()
			continue
		}
		now := time.Now()
		if waitStart.IsZero() {
			waitStart = now
		}
		limit := time.Time{}
		if d := c.srv.idleTimeout; d > 0 {
			limit = waitStart.Add(d)
		}
		if wd := st.writeDeadline; !wd.IsZero() && (limit.IsZero() || wd.Before(limit)) {
			limit = wd
		}
		if !limit.IsZero() && !now.Before(limit) {
			c.resetLocked(st.id, http2.ErrCodeCancel)
			c.kickLocked()
			return errH2Stalled
		}
		var t *time.Timer
		if !limit.IsZero() {
			t = time.AfterFunc(limit.Sub(now), func() {
				c.mu.Lock()
				c.wcond.Broadcast()
				c.mu.Unlock()
			})
		}
		c.wcond.Wait()
		if t != nil {
			t.Stop()
		}
	}
}
