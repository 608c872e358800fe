package proxy

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/net/http2"
)

// This file holds what the lean HTTP/2 server's reader does with each
// frame (see [h2Conn.serve]), and how it bounds what one read may take.

// h2BlockReader is the Framer's reader. It caps what one ReadFrame may
// read: a header block's frames, CONTINUATIONs included, the Framer reads
// in one call, and even empty CONTINUATIONs must not go on for ever. And
// it follows the frame headers that pass, to call blockStarts when a
// header block does not end in its first frame: the rest is due within
// the header timeout.
type h2BlockReader struct {
	r           io.Reader
	budget      int
	blockStarts func()

	hdr    [9]byte
	hdrN   int // bytes of hdr read
	remain int // payload bytes of the current frame still to come
}

var errH2HeaderBlockTooLong = errors.New("http2: header block too long")

func (r *h2BlockReader) Read(p []byte) (int, error) {
	if r.budget <= 0 {
		return 0, errH2HeaderBlockTooLong
	}
	if len(p) > r.budget {
		p = p[:r.budget]
	}
	n, err := r.r.Read(p)
	r.budget -= n
	for b := p[:n]; len(b) > 0; {
		if r.remain > 0 {
			k := min(r.remain, len(b))
			r.remain -= k
			b = b[k:]
			continue
		}
		k := copy(r.hdr[r.hdrN:], b)
		r.hdrN += k
		b = b[k:]
		if r.hdrN < len(r.hdr) {
			break
		}
		r.hdrN = 0
		r.remain = int(r.hdr[0])<<16 | int(r.hdr[1])<<8 | int(r.hdr[2])
		t, flags := http2.FrameType(r.hdr[3]), http2.Flags(r.hdr[4])
		if t == http2.FrameHeaders && flags&http2.FlagHeadersEndHeaders == 0 && r.blockStarts != nil {
			r.blockStarts()
		}
	}
	return n, err
}

// frameBudget is what one ReadFrame may read: a frame, or a header block
// of frames whose fragments the Framer lets reach twice the header list
// limit (beyond that it ends the connection itself), with room for a
// frame header per 64 bytes of it.
func (c *h2Conn) frameBudget() int {
	block := 2 * int(c.srv.maxHeaderListSize)
	return maxH2FrameSize + 9 + block + block/64*9
}

// processFrame acts on one frame read. Called with mu held.
func (c *h2Conn) processFrame(f http2.Frame) error {
	if !c.sawSettings {
		sf, ok := f.(*http2.SettingsFrame)
		if !ok || sf.IsAck() {
			return http2.ConnectionError(http2.ErrCodeProtocol)
		}
		c.sawSettings = true
		_ = c.nc.SetReadDeadline(time.Time{})
	}
	if c.goingAway && (c.goAwayCode != http2.ErrCodeNo || f.Header().StreamID > c.lastID) {
		// After a GOAWAY: new streams are ignored; the connection's
		// window still counts.
		if df, ok := f.(*http2.DataFrame); ok {
			if int64(df.Length) > c.recvWindow {
				return http2.ConnectionError(http2.ErrCodeFlowControl)
			}
			c.recvWindow -= int64(df.Length)
			c.writeWindowUpdateLocked(0, int64(df.Length))
		}
		return nil
	}
	switch f := f.(type) {
	case *http2.SettingsFrame:
		return c.processSettings(f)
	case *http2.MetaHeadersFrame:
		return c.processHeaders(f)
	case *http2.DataFrame:
		return c.processData(f)
	case *http2.WindowUpdateFrame:
		return c.processWindowUpdate(f)
	case *http2.PingFrame:
		if !f.IsAck() {
			_ = c.fr.WritePing(true, f.Data)
			c.queuedControl++
		}
	case *http2.RSTStreamFrame:
		if c.idle(f.StreamID) {
			return http2.ConnectionError(http2.ErrCodeProtocol)
		}
		if st := c.streams[f.StreamID]; st != nil {
			c.closeStreamLocked(st, errH2StreamClosed)
		}
	case *http2.PriorityFrame:
		if f.StreamDep == f.StreamID {
			return http2.StreamError{StreamID: f.StreamID, Code: http2.ErrCodeProtocol}
		}
	case *http2.GoAwayFrame:
		c.goAwayLocked(http2.ErrCodeNo)
	case *http2.PushPromiseFrame:
		return http2.ConnectionError(http2.ErrCodeProtocol)
	}
	// Unknown frame types are ignored (RFC 9113 section 5.5).
	return nil
}

// idle reports whether stream id is idle: a client stream not opened yet.
func (c *h2Conn) idle(id uint32) bool { return id%2 == 1 && id > c.maxSeen || id%2 == 0 }

func (c *h2Conn) processSettings(f *http2.SettingsFrame) error {
	if f.IsAck() {
		if c.unackedSetting--; c.unackedSetting < 0 {
			return http2.ConnectionError(http2.ErrCodeProtocol)
		}
		return nil
	}
	// A setting may come more than once, the last one counting (RFC
	// 9113 section 6.5.3; net/http refuses the frame, golang/go#38647);
	// a frame of more than 100 is refused, as net/http does.
	if f.NumSettings() > 100 {
		return http2.ConnectionError(http2.ErrCodeProtocol)
	}
	window := int64(-1)
	err := f.ForeachSetting(func(s http2.Setting) error {
		if err := s.Valid(); err != nil {
			return err
		}
		switch s.ID {
		case http2.SettingHeaderTableSize:
			c.henc.SetMaxDynamicTableSize(s.Val)
		case http2.SettingInitialWindowSize:
			window = int64(s.Val)
		case http2.SettingMaxFrameSize:
			c.peerMaxFrame = int(s.Val)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if window >= 0 {
		// Applied once per frame, whatever it repeats.
		growth := window - c.peerWindow
		c.peerWindow = window
		for _, st := range c.streams {
			if st.sendWindow += growth; st.sendWindow > 1<<31-1 {
				return http2.ConnectionError(http2.ErrCodeFlowControl)
			}
		}
		c.wcond.Broadcast()
	}
	_ = c.fr.WriteSettingsAck()
	c.queuedControl++
	return nil
}

func (c *h2Conn) processWindowUpdate(f *http2.WindowUpdateFrame) error {
	if f.StreamID == 0 {
		if c.sendWindow += int64(f.Increment); c.sendWindow > 1<<31-1 {
			return http2.ConnectionError(http2.ErrCodeFlowControl)
		}
		c.wcond.Broadcast()
		return nil
	}
	if c.idle(f.StreamID) {
		return http2.ConnectionError(http2.ErrCodeProtocol)
	}
	st := c.streams[f.StreamID]
	if st == nil {
		return nil // a closed stream (RFC 9113 section 5.1)
	}
	if st.sendWindow += int64(f.Increment); st.sendWindow > 1<<31-1 {
		return http2.StreamError{StreamID: f.StreamID, Code: http2.ErrCodeFlowControl}
	}
	c.wcond.Broadcast()
	return nil
}

func (c *h2Conn) processHeaders(f *http2.MetaHeadersFrame) error {
	id := f.StreamID
	if id%2 != 1 {
		return http2.ConnectionError(http2.ErrCodeProtocol)
	}
	if st := c.streams[id]; st != nil {
		if st.remoteDone {
			return http2.StreamError{StreamID: id, Code: http2.ErrCodeStreamClosed}
		}
		return st.processTrailers(f)
	}
	if id <= c.maxSeen {
		return http2.ConnectionError(http2.ErrCodeProtocol)
	}
	c.maxSeen = id
	if f.HasPriority() && f.Priority.StreamDep == id {
		return http2.StreamError{StreamID: id, Code: http2.ErrCodeProtocol}
	}
	if uint32(len(c.streams)) >= c.srv.maxStreams {
		code := http2.ErrCodeProtocol
		if c.unackedSetting > 0 {
			code = http2.ErrCodeRefusedStream
		}
		return http2.StreamError{StreamID: id, Code: code}
	}
	var handler func(http.ResponseWriter)
	rq, err := parseH2Request(f.Fields, f.StreamEnded(), c.canonical)
	switch {
	case f.Truncated:
		handler = h2HeaderListTooLong
		rq = h2RequestHead{method: http.MethodGet, scheme: "https", path: "/", url: &url.URL{Path: "/"}, requestURI: "/",
			header: http.Header{}, contentLength: -1}
	case err != nil:
		return http2.StreamError{StreamID: id, Code: http2.ErrCodeProtocol, Cause: err}
	}
	st := c.newStream(id, &rq, f.StreamEnded())
	st.handler = handler
	return c.scheduleHandler(st)
}

// h2HeaderListTooLong answers a request whose header list is over the
// limit, as net/http's server does.
func h2HeaderListTooLong(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusRequestHeaderFieldsTooLarge)
	_, _ = io.WriteString(w, "<h1>HTTP Error 431</h1><p>Request Header Field(s) Too Large</p>")
}

func (c *h2Conn) processData(f *http2.DataFrame) error {
	id := f.StreamID
	if c.idle(id) {
		return http2.ConnectionError(http2.ErrCodeProtocol)
	}
	size := int64(f.Length)
	if size > c.recvWindow {
		return http2.ConnectionError(http2.ErrCodeFlowControl)
	}
	st := c.streams[id]
	if st == nil || st.remoteDone {
		// Not ours to buffer: the connection's window is given back.
		c.recvWindow -= size
		c.writeWindowUpdateLocked(0, size)
		return http2.StreamError{StreamID: id, Code: http2.ErrCodeStreamClosed}
	}
	if size > st.recvWindow {
		c.recvWindow -= size
		c.writeWindowUpdateLocked(0, size)
		return http2.StreamError{StreamID: id, Code: http2.ErrCodeFlowControl}
	}
	c.recvWindow -= size
	st.recvWindow -= size
	data := f.Data()
	if st.declLen >= 0 && st.gotLen+int64(len(data)) > st.declLen {
		c.writeWindowUpdateLocked(0, size)
		return http2.StreamError{StreamID: id, Code: http2.ErrCodeProtocol,
			Cause: fmt.Errorf("body longer than its content-length %d", st.declLen)}
	}
	st.gotLen += int64(len(data))
	if pad := size - int64(len(data)); pad > 0 {
		// Padding is not the handler's to read: given back now.
		c.writeWindowUpdateLocked(0, pad)
		c.writeWindowUpdateLocked(id, pad)
		st.recvWindow += pad
	}
	if st.bodyClosed {
		c.writeWindowUpdateLocked(0, int64(len(data)))
	} else if len(data) > 0 {
		st.body = append(st.body, data...)
		st.cond.Signal()
	}
	if f.StreamEnded() {
		return st.endRemote()
	}
	return nil
}

// writeWindowUpdateLocked grants n more bytes on stream id (0: the
// connection).
func (c *h2Conn) writeWindowUpdateLocked(id uint32, n int64) {
	if n <= 0 {
		return
	}
	if id == 0 {
		c.recvWindow += n
	}
	_ = c.fr.WriteWindowUpdate(id, uint32(n))
	c.queuedControl++
}
