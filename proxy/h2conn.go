package proxy

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"sync"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/firsthop/firsthop/proxy/listen"
)

// Limits of the lean HTTP/2 server that the listener does not configure;
// each is net/http's.
const (
	// h2ConnWindow and h2StreamWindow are the receive windows granted
	// (net/http's MaxUploadBufferPerConnection and ...PerStream): what a
	// client may make the server buffer of request bodies.
	h2ConnWindow   = 1 << 20
	h2StreamWindow = 1 << 20
	// h2MaxQueuedControl is how many control frames (acknowledgements,
	// resets, window updates) may wait unwritten before the connection is
	// closed: a client that sends PINGs or SETTINGS and reads nothing.
	h2MaxQueuedControl = 10000
	// h2MaxUnstartedFactor times the stream limit is how many streams may
	// wait for a handler (their handlers still busy after resets) before
	// the connection ends with ENHANCE_YOUR_CALM.
	h2MaxUnstartedFactor = 4
	// h2PrefaceTimeout bounds the wait for the preface and first
	// SETTINGS when the listener's header timeout is longer.
	h2PrefaceTimeout = 10 * time.Second
	// h2GoAwayLinger is how long a connection ended with an error keeps
	// reading (and discarding) after its GOAWAY, so that the client gets
	// to read it rather than a TCP reset.
	h2GoAwayLinger = time.Second
	// h2BigBatch is when the reader writes out what is pending before it
	// has processed all it has buffered; h2MaxPending is when a handler
	// waits for the pending bytes to be written before adding more.
	h2BigBatch   = 64 << 10
	h2MaxPending = 256 << 10
	// h2RefundAt is how many bytes of a request body the handler must
	// have read before the window is opened again by that much.
	h2RefundAt = 16 << 10
)

// h2Conn is one HTTP/2 connection of the lean server; it is its
// requests' [clientConn].
//
// The connection's goroutine (serve) reads and processes frames; each
// request's handler runs on a goroutine of its own (runHandler). What
// they share is under mu: the streams, the flow-control windows, and the
// write buffer wbuf, to which frames are appended whole and which is
// written, all of it at once, by whoever finds it pending and nobody
// writing (kickLocked).
type h2Conn struct {
	srv      *h2Server
	nc       net.Conn
	ctx      context.Context
	tlsState *tls.ConnectionState
	remote   string
	br       *bufio.Reader
	rd       h2BlockReader
	fr       *http2.Framer // reads on serve's goroutine; writes under mu

	// canon caches the canonical form of field names read (serve's
	// goroutine only).
	canon map[string]string

	originOnce sync.Once
	info       listen.Info
	local      netip.AddrPort
	originErr  error

	mu    sync.Mutex
	wcond sync.Cond // writers waiting: window, buffer space, a write done

	wbuf, wspare []byte
	flushing     bool // a goroutine is writing; it writes wbuf too before it stops
	readerBusy   bool // the reader holds a whole frame and will kick before it blocks
	werr         error
	wdlSet       time.Time // when the write deadline was last pushed
	henc         *hpack.Encoder
	hbuf         bytes.Buffer
	lower        map[string]string // lower-case response field names

	queuedControl int // control frames in wbuf

	streams        map[uint32]*h2Stream
	maxSeen        uint32 // the highest client stream ID seen
	handlers       int    // handler goroutines running
	unstarted      []*h2Stream
	sendWindow     int64 // what the client lets us send on the connection
	recvWindow     int64 // what we let the client send on the connection
	refund         int64 // read by handlers, not yet granted again
	peerWindow     int64 // the client's SETTINGS_INITIAL_WINDOW_SIZE
	peerMaxFrame   int
	unackedSetting int
	sawSettings    bool

	goingAway  bool
	goAwayCode http2.ErrCode
	lastID     uint32 // the last stream served after a GOAWAY
	closing    bool   // serve is to stop reading and close
	closed     bool   // the connection is done: every stream closed
	idleSince  time.Time
	idleTimer  *time.Timer
}

func newH2Conn(s *h2Server, ctx context.Context, nc net.Conn, tlsState *tls.ConnectionState) *h2Conn {
	c := &h2Conn{
		srv: s, nc: nc, ctx: ctx, tlsState: tlsState, remote: nc.RemoteAddr().String(),
		canon:      map[string]string{},
		streams:    map[uint32]*h2Stream{},
		sendWindow: 65535, recvWindow: h2ConnWindow, peerWindow: 65535, peerMaxFrame: 16 << 10,
		lower: map[string]string{},
	}
	c.wcond.L = &c.mu
	c.br = bufio.NewReaderSize(nc, 16<<10)
	c.rd.r = c.br
	c.fr = http2.NewFramer(h2WriteBuffer{c}, &c.rd)
	c.fr.SetMaxReadFrameSize(maxH2FrameSize)
	c.fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	c.fr.MaxHeaderListSize = s.maxHeaderListSize
	c.fr.SetReuseFrames()
	c.henc = hpack.NewEncoder(&c.hbuf)
	return c
}

// h2WriteBuffer is the Framer's writer: it appends frames to wbuf. It is
// used under mu only.
type h2WriteBuffer struct{ c *h2Conn }

func (w h2WriteBuffer) Write(p []byte) (int, error) {
	w.c.wbuf = append(w.c.wbuf, p...)
	return len(p), nil
}

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

// serve reads and processes frames until the connection ends, then closes
// it. sawPreface says net/http has read the client preface (h2c).
func (c *h2Conn) serve(sawPreface bool) {
	defer c.finish()
	c.mu.Lock()
	settings := []http2.Setting{
		{ID: http2.SettingMaxFrameSize, Val: maxH2FrameSize},
		{ID: http2.SettingMaxConcurrentStreams, Val: c.srv.maxStreams},
		{ID: http2.SettingMaxHeaderListSize, Val: c.srv.maxHeaderListSize},
		{ID: http2.SettingInitialWindowSize, Val: h2StreamWindow},
	}
	_ = c.fr.WriteSettings(settings...)
	c.unackedSetting++
	_ = c.fr.WriteWindowUpdate(0, h2ConnWindow-65535)
	c.idleSince = time.Now()
	if d := c.srv.idleTimeout; d > 0 {
		c.idleTimer = time.AfterFunc(d, c.onIdleTimer)
	}
	c.mu.Unlock()

	// The preface and the first SETTINGS are due within the header
	// timeout (net/http: 10 s and 2 s).
	d := h2PrefaceTimeout
	if t := c.srv.readHeaderTimeout; t > 0 && t < d {
		d = t
	}
	_ = c.nc.SetReadDeadline(time.Now().Add(d))
	if !sawPreface {
		var buf [len(http2.ClientPreface)]byte
		if _, err := io.ReadFull(c.br, buf[:]); err != nil || string(buf[:]) != http2.ClientPreface {
			return
		}
	}
	headerDeadline := false
	if d := c.srv.readHeaderTimeout; d > 0 {
		c.rd.blockStarts = func() {
			// A header block that is not all here yet: it gets the
			// header timeout, as an HTTP/1.1 request head does.
			if c.sawSettings {
				_ = c.nc.SetReadDeadline(time.Now().Add(d))
				headerDeadline = true
			}
		}
	}
	for {
		c.mu.Lock()
		busy := c.frameBuffered()
		c.readerBusy = busy
		if !busy {
			c.kickLocked()
		}
		stop := c.closing
		c.mu.Unlock()
		if stop {
			return
		}
		c.rd.budget = c.frameBudget()
		f, err := c.fr.ReadFrame()
		if headerDeadline {
			_ = c.nc.SetReadDeadline(time.Time{})
			headerDeadline = false
		}
		c.mu.Lock()
		if err == nil {
			err = c.processFrame(f)
		}
		if err != nil && !c.handleError(f, err) {
			c.mu.Unlock()
			return
		}
		if c.queuedControl > h2MaxQueuedControl {
			// The client makes us answer and reads nothing.
			c.closing = true
			c.mu.Unlock()
			return
		}
		if len(c.wbuf) >= h2BigBatch && !c.flushing {
			c.flushLocked()
		}
		c.mu.Unlock()
	}
}

// frameBuffered reports whether a whole frame is buffered, so that
// reading it will not block: not the start of a header block that does
// not end in it.
func (c *h2Conn) frameBuffered() bool {
	n := c.br.Buffered()
	if n < 9 {
		return false
	}
	h, _ := c.br.Peek(9)
	length := int(h[0])<<16 | int(h[1])<<8 | int(h[2])
	if http2.FrameType(h[3]) == http2.FrameHeaders && http2.Flags(h[4])&http2.FlagHeadersEndHeaders == 0 {
		return false
	}
	return n >= 9+length
}

// handleError deals with err, from reading or processing frame f (nil
// when reading failed), and reports whether the connection goes on.
// Called with mu held.
func (c *h2Conn) handleError(f http2.Frame, err error) bool {
	var se http2.StreamError
	var ce http2.ConnectionError
	switch {
	case errors.As(err, &se):
		if id := se.StreamID; id%2 == 1 && id > c.maxSeen {
			// A stream refused as it opened is closed, not idle.
			c.maxSeen = id
		}
		c.resetLocked(se.StreamID, se.Code)
		return true
	case errors.As(err, &ce):
		if f != nil && f.Header().StreamID > c.maxSeen && f.Header().StreamID%2 == 1 {
			c.maxSeen = f.Header().StreamID
		}
		c.goAwayLocked(http2.ErrCode(ce))
		return false
	case errors.Is(err, http2.ErrFrameTooLarge):
		c.goAwayLocked(http2.ErrCodeFrameSize)
		return false
	case errors.Is(err, errH2HeaderBlockTooLong):
		c.goAwayLocked(http2.ErrCodeEnhanceYourCalm)
		return false
	}
	// A read failure: the client is gone, or a timeout (idle, header,
	// preface, a shutdown's wake-up).
	c.closing = true
	return false
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

// canonical returns the canonical form of the lower-case field name k.
func (c *h2Conn) canonical(k string) string {
	if v, ok := h2CommonCanonical[k]; ok {
		return v
	}
	if v, ok := c.canon[k]; ok {
		return v
	}
	v := http.CanonicalHeaderKey(k)
	if len(c.canon) < 64 {
		c.canon[k] = v
	}
	return v
}

// lowerName returns the lower-case form of the canonical field name k.
// Called with mu held.
func (c *h2Conn) lowerName(k string) string {
	if v, ok := h2CommonLower[k]; ok {
		return v
	}
	if v, ok := c.lower[k]; ok {
		return v
	}
	v := asciiLower(k)
	if len(c.lower) < 64 {
		c.lower[k] = v
	}
	return v
}

func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// h2CommonCanonical and h2CommonLower map common field names between their
// lower-case and canonical forms.
var h2CommonCanonical, h2CommonLower = func() (map[string]string, map[string]string) {
	names := []string{"Accept", "Accept-Charset", "Accept-Encoding", "Accept-Language", "Accept-Ranges",
		"Access-Control-Allow-Credentials", "Access-Control-Allow-Headers", "Access-Control-Allow-Methods",
		"Access-Control-Allow-Origin", "Access-Control-Expose-Headers", "Access-Control-Max-Age",
		"Access-Control-Request-Headers", "Access-Control-Request-Method", "Age", "Allow", "Authorization",
		"Cache-Control", "Connection", "Content-Disposition", "Content-Encoding", "Content-Language",
		"Content-Length", "Content-Location", "Content-Range", "Content-Type", "Cookie", "Date", "Etag",
		"Expect", "Expires", "Forwarded", "From", "Grpc-Encoding", "Grpc-Accept-Encoding", "Grpc-Message",
		"Grpc-Status", "Grpc-Timeout", "Host", "If-Match", "If-Modified-Since", "If-None-Match",
		"If-Range", "If-Unmodified-Since", "Keep-Alive", "Last-Modified", "Link", "Location",
		"Max-Forwards", "Origin", "Proxy-Authenticate", "Proxy-Authorization", "Proxy-Connection", "Range",
		"Referer", "Refresh", "Retry-After", "Server", "Set-Cookie", "Strict-Transport-Security", "Te",
		"Trailer", "Transfer-Encoding", "Upgrade", "User-Agent", "Vary", "Via", "Www-Authenticate",
		"X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Port", "X-Forwarded-Proto", "X-Real-Ip",
		"X-Request-Id", "Traceparent", "Tracestate"}
	canon, lower := map[string]string{}, map[string]string{}
	for _, n := range names {
		l := asciiLower(n)
		canon[l], lower[n] = n, l
	}
	return canon, lower
}()

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

// noteIdleLocked notes when the connection becomes idle (no stream, no
// handler), and after a graceful GOAWAY ends it then.
func (c *h2Conn) noteIdleLocked() {
	if len(c.streams) > 0 || c.handlers > 0 || !c.idleSince.IsZero() {
		return
	}
	c.idleSince = time.Now()
	if c.goingAway {
		c.wakeToCloseLocked()
	}
}

// onIdleTimer ends the connection with a GOAWAY when it has been idle for
// the idle timeout; else it checks again when it could have been.
func (c *h2Conn) onIdleTimer() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	d := c.srv.idleTimeout
	if !c.idleSince.IsZero() {
		if idle := time.Since(c.idleSince); idle < d {
			d -= idle
		} else {
			c.goAwayLocked(http2.ErrCodeNo)
			c.wakeToCloseLocked()
			return
		}
	}
	c.idleTimer.Reset(d)
}

// startGracefulShutdown sends a GOAWAY: streams opened so far are served,
// then the connection closes.
func (c *h2Conn) startGracefulShutdown() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.goAwayLocked(http2.ErrCodeNo)
	if len(c.streams) == 0 && c.handlers == 0 {
		c.wakeToCloseLocked()
	}
	c.kickLocked()
}

// goAwayLocked sends a GOAWAY with code, once (a later error code
// replaces NO_ERROR's close).
func (c *h2Conn) goAwayLocked(code http2.ErrCode) {
	if c.goingAway && (c.goAwayCode != http2.ErrCodeNo || code == http2.ErrCodeNo) {
		return
	}
	c.goingAway, c.goAwayCode, c.lastID = true, code, c.maxSeen
	_ = c.fr.WriteGoAway(c.maxSeen, code, nil)
}

// wakeToCloseLocked makes serve stop: it is woken from its read.
func (c *h2Conn) wakeToCloseLocked() {
	c.closing = true
	_ = c.nc.SetReadDeadline(aLongTimeAgo)
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
		if cap(buf) <= 4*h2MaxPending {
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

// finish ends the connection once serve stops: what is pending is
// written, every stream is closed, and after an error's GOAWAY the client
// has a moment to read it.
func (c *h2Conn) finish() {
	c.mu.Lock()
	c.closing = true
	c.readerBusy = false
	for c.flushing {
		c.wcond.Wait()
	}
	c.flushLocked()
	linger := c.goingAway && c.goAwayCode != http2.ErrCodeNo && c.werr == nil
	c.closed = true
	if c.werr == nil {
		c.werr = net.ErrClosed
	}
	for _, st := range c.streams {
		c.closeStreamLocked(st, errH2StreamClosed)
	}
	for _, st := range c.unstarted {
		st.cancel()
	}
	c.unstarted = nil
	if c.idleTimer != nil {
		c.idleTimer.Stop()
	}
	c.wcond.Broadcast()
	c.mu.Unlock()
	if linger {
		_ = c.nc.SetReadDeadline(time.Now().Add(h2GoAwayLinger))
		_, _ = io.CopyN(io.Discard, c.nc, 1<<20)
	}
	c.nc.Close()
}

// origin returns where the connection came from (see [connInfo]), found
// once per connection.
func (c *h2Conn) origin(*http.Request) (listen.Info, netip.AddrPort, error) {
	c.originOnce.Do(func() { c.info, c.local, c.originErr = connInfo(c.nc) })
	return c.info, c.local, c.originErr
}

// clientGone reports whether r's stream or connection has ended.
func (c *h2Conn) clientGone(r *http.Request) bool { return r.Context().Err() != nil }

// watchClient calls onGone when r's stream or connection ends.
func (c *h2Conn) watchClient(r *http.Request, onGone func()) func() bool {
	return context.AfterFunc(r.Context(), onGone)
}

// serves reports true: the lean HTTP/2 server serves every route.
func (c *h2Conn) serves(*pathRule) bool { return true }

var _ clientConn = (*h2Conn)(nil)
