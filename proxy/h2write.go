package proxy

import (
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// This file holds how the lean HTTP/2 server writes: frames are appended
// whole to the connection's write buffer, under its mu, and written all at
// once by whoever finds them pending and nobody writing.

// h2WriteBuffer is the Framer's writer: it appends frames to wbuf. It is
// used under mu only.
type h2WriteBuffer struct{ c *h2Conn }

func (w h2WriteBuffer) Write(p []byte) (int, error) {
	w.c.wbuf = append(w.c.wbuf, p...)
	return len(p), nil
}

// kickLocked writes what is pending, now and on this goroutine, unless
// another goroutine is writing (its loop writes it) or the reader holds a
// whole frame (it kicks before it blocks). Called with mu held, which it
// releases while writing.
func (c *h2Conn) kickLocked() {
	if c.flushing || c.readerBusy || len(c.wbuf) == 0 {
		return
	}
	c.flushLocked()
}

// flushLocked writes wbuf until it is empty, unless another goroutine is
// writing. A write that does not finish within the idle timeout ends the
// connection: a client that does not read is gone.
func (c *h2Conn) flushLocked() {
	for !c.flushing && len(c.wbuf) > 0 && c.werr == nil {
		buf := c.wbuf
		c.wbuf, c.wspare = c.wspare[:0], nil
		c.queuedControl = 0
		c.flushing = true
		c.mu.Unlock()
		if d := c.srv.idleTimeout; d > 0 {
			// Pushed on at most every quarter of it (a deadline update
			// is a timer update): a write gets 3/4 of it at least.
			if now := time.Now(); now.Sub(c.wdlSet) > min(d/4, time.Second) {
				_ = c.nc.SetWriteDeadline(now.Add(d))
				c.wdlSet = now
			}
		}
		_, err := c.nc.Write(buf)
		c.mu.Lock()
		c.flushing = false
		switch idle := !c.idleSince.IsZero(); {
		case idle && len(c.wbuf) == 0:
			// An idle connection holds no write buffer.
			c.wbuf = nil
		case !idle && cap(buf) <= h2BigBatch:
			c.wspare = buf[:0]
		}
		if err != nil {
			c.werr = err
			c.wbuf = c.wbuf[:0]
			c.wakeToCloseLocked()
		}
		c.wcond.Broadcast()
	}
}

// startBlockLocked starts a header block; encodeLocked adds a field to
// it (names in lower case) and writeBlockLocked writes it on stream id,
// split into HEADERS and CONTINUATION frames as the client's frame size
// asks.
func (c *h2Conn) startBlockLocked() { c.hbuf.Reset() }

func (c *h2Conn) encodeLocked(k, v string) {
	_ = c.henc.WriteField(hpack.HeaderField{Name: k, Value: v})
}

func (c *h2Conn) writeBlockLocked(id uint32, endStream bool) {
	block := c.hbuf.Bytes()
	first := true
	for first || len(block) > 0 {
		n := min(len(block), c.peerMaxFrame)
		frag := block[:n]
		block = block[n:]
		if first {
			_ = c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: frag,
				EndStream: endStream, EndHeaders: len(block) == 0})
			first = false
		} else {
			_ = c.fr.WriteContinuation(id, len(block) == 0, frag)
		}
	}
}

// appendDataLocked appends one DATA frame.
func (c *h2Conn) appendDataLocked(id uint32, p []byte, end bool) {
	var flags byte
	if end {
		flags = byte(http2.FlagDataEndStream)
	}
	n := len(p)
	c.wbuf = append(c.wbuf, byte(n>>16), byte(n>>8), byte(n), byte(http2.FrameData), flags,
		byte(id>>24)&0x7f, byte(id>>16), byte(id>>8), byte(id))
	c.wbuf = append(c.wbuf, p...)
}
