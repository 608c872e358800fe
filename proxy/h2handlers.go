package proxy

import (
	"context"
	"crypto/tls"
	"net/http"
	"time"

	"golang.org/x/net/http2"
)

// This file holds the life of a lean HTTP/2 stream on its connection: its
// opening, its handler's goroutine, its reset and its close.

// newStream opens stream id for the request rq. Called with mu held.
func (c *h2Conn) newStream(id uint32, rq *h2RequestHead, endStream bool) *h2Stream {
	st := &h2Stream{c: c, id: id, sendWindow: c.peerWindow, recvWindow: h2StreamWindow,
		remoteDone: endStream, declLen: rq.contentLength, needsContinue: rq.needsContinue}
	st.cond.L = &c.mu
	st.ctx, st.cancel = context.WithCancel(c.ctx)
	var tlsState *tls.ConnectionState
	if rq.scheme == "https" {
		tlsState = c.tlsState
	}
	tmpl := http.Request{
		Method: rq.method, URL: rq.url, Proto: "HTTP/2.0", ProtoMajor: 2, ProtoMinor: 0,
		Header: rq.header, Host: rq.authority, RemoteAddr: c.remote, RequestURI: rq.requestURI,
		TLS: tlsState, Trailer: rq.trailer, ContentLength: rq.contentLength, Body: http.NoBody,
	}
	if !endStream {
		tmpl.Body = h2Body{st}
	}
	st.req = tmpl.WithContext(st.ctx)
	st.reqTrailer = rq.trailer
	st.res.init(st)
	if len(c.streams) == 0 {
		c.idleSince = time.Time{}
	}
	c.streams[id] = st
	return st
}

// scheduleHandler starts st's handler, or queues it while as many
// handlers as the stream limit run: a client that resets its streams
// at once gets no more handlers running than one that does not
// (CVE-2023-44487), and too many queued ends the connection.
func (c *h2Conn) scheduleHandler(st *h2Stream) error {
	if c.handlers < int(c.srv.maxStreams) {
		c.handlers++
		go c.runHandler(st)
		return nil
	}
	if len(c.unstarted) > h2MaxUnstartedFactor*int(c.srv.maxStreams) {
		return http2.ConnectionError(http2.ErrCodeEnhanceYourCalm)
	}
	c.unstarted = append(c.unstarted, st)
	return nil
}

// handlerDone notes that a handler returned and starts a queued one
// whose stream is still open. Called with mu held.
func (c *h2Conn) handlerDone() {
	c.handlers--
	for len(c.unstarted) > 0 && c.handlers < int(c.srv.maxStreams) {
		st := c.unstarted[0]
		c.unstarted[0] = nil
		c.unstarted = c.unstarted[1:]
		if st.closed {
			continue
		}
		c.handlers++
		go c.runHandler(st)
	}
	if len(c.unstarted) == 0 {
		c.unstarted = nil
	}
	c.noteIdleLocked()
}

// runHandler serves st's request on the handler goroutine.
func (c *h2Conn) runHandler(st *h2Stream) {
	defer func() {
		if v := recover(); v != nil {
			if v != http.ErrAbortHandler {
				c.srv.log.Error("http2: panic serving "+c.remote, "panic", v)
			}
			c.mu.Lock()
			if !st.closed {
				c.resetLocked(st.id, http2.ErrCodeInternal)
			}
			st.cancel()
			c.handlerDone()
			c.kickLocked()
			c.mu.Unlock()
		}
	}()
	if st.handler != nil {
		st.handler(&st.res)
	} else {
		c.srv.h.handle(&st.res, st.req, c)
	}
	st.res.finish()
	c.mu.Lock()
	st.cancel()
	if !st.bodyClosed {
		st.closeBodyLocked()
	}
	c.handlerDone()
	c.mu.Unlock()
}

// resetLocked resets stream id with code, closing it if open.
func (c *h2Conn) resetLocked(id uint32, code http2.ErrCode) {
	if st := c.streams[id]; st != nil {
		c.closeStreamLocked(st, errH2StreamClosed)
	}
	_ = c.fr.WriteRSTStream(id, code)
	c.queuedControl++
}

// closeStreamLocked forgets st: its handler's context ends, its reads and
// writes fail with err (unless already done).
func (c *h2Conn) closeStreamLocked(st *h2Stream, err error) {
	if st.closed {
		return
	}
	st.closed = true
	if st.bodyErr == nil {
		st.bodyErr = err
	}
	delete(c.streams, st.id)
	st.cancel()
	st.dropBodyLocked()
	st.cond.Broadcast()
	c.wcond.Broadcast()
	c.noteIdleLocked()
}
