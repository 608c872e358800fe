package proxy

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
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
	// h2ReadBufferSize is the connection's read buffer: many small frames
	// per read, and 12 KiB less per idle connection than a frame's
	// worth (a larger frame is read through it).
	h2ReadBufferSize = 4 << 10
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
	c.br = bufio.NewReaderSize(nc, h2ReadBufferSize)
	c.rd.r = c.br
	c.fr = http2.NewFramer(h2WriteBuffer{c}, &c.rd)
	c.fr.SetMaxReadFrameSize(maxH2FrameSize)
	c.fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	c.fr.MaxHeaderListSize = s.maxHeaderListSize
	c.fr.SetReuseFrames()
	c.henc = hpack.NewEncoder(&c.hbuf)
	return c
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
		if !c.process(f, err) {
			return
		}
	}
}

// process acts on what one ReadFrame returned and reports whether the
// connection goes on. It holds mu, released however it returns (a panic
// too: net/http's server recovers it, and finish must get the lock).
func (c *h2Conn) process(f http2.Frame, err error) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err == nil {
		err = c.processFrame(f)
	}
	if err != nil && !c.handleError(f, err) {
		return false
	}
	if c.queuedControl > h2MaxQueuedControl {
		// The client makes us answer and reads nothing.
		c.closing = true
		return false
	}
	if len(c.wbuf) >= h2BigBatch && !c.flushing {
		c.flushLocked()
	}
	return true
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

// noteIdleLocked notes when the connection becomes idle (no stream, no
// handler), and after a graceful GOAWAY ends it then.
func (c *h2Conn) noteIdleLocked() {
	if len(c.streams) > 0 || c.handlers > 0 || !c.idleSince.IsZero() {
		return
	}
	c.idleSince = time.Now()
	if !c.flushing && len(c.wbuf) == 0 {
		// An idle connection holds no write buffer.
		c.wbuf, c.wspare = nil, nil
	}
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
