package listen

import (
	"errors"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// conn is a connection accepted by a listener from [Wrap]. Its PROXY header
// is read on the first Read, Write or [InfoOf], on the caller's goroutine,
// never in Accept.
//
// Its method set is exactly net.Conn: in particular it has no WriteTo or
// ReadFrom, so io.Copy goes through Read and Write and the header handling.
// RemoteAddr and LocalAddr are the socket's and never read the header; the
// PROXY source is [Info.Source].
type conn struct {
	raw net.Conn
	pol *policy
	// peer is raw's remote address, normalised; trusted says whether it
	// is in the policy's trusted set.
	peer    netip.AddrPort
	trusted bool

	// stackGrown is set by the first RemoteAddr.
	stackGrown bool

	once sync.Once
	info Info
	err  *HeaderError // non-nil when the header was refused

	// rest holds bytes read past the header (or bytes that turned out
	// not to be a header), served before raw is read again.
	restMu  sync.Mutex
	rest    []byte
	hasRest atomic.Bool

	// headerOver is set once the header phase has ended well, after
	// which read deadlines go straight to raw (net/http sets six per
	// request) unless they clear one that is not set (half of those).
	headerOver atomic.Bool

	// The caller's read deadline, kept so the header deadline can be
	// clamped to it and it can be restored afterwards.
	dlMu     sync.Mutex
	readDL   time.Time // the caller's; zero means none
	rawDL    bool      // after the header phase: a read deadline is set on raw
	headerDL time.Time // non-zero while the header is being read
	inHeader bool
}

var _ net.Conn = (*conn)(nil)

// newConn returns raw wrapped for pol. When done is true the header phase
// is already over (ModeOff): Info is the peer alone.
func newConn(raw net.Conn, pol *policy, peer netip.AddrPort, trusted, done bool) *conn {
	c := &conn{raw: raw, pol: pol, peer: peer, trusted: trusted}
	c.info = Info{Peer: peer, Source: peer}
	if done {
		c.once.Do(func() {})
		c.headerOver.Store(true)
	}
	return c
}

// handshake reads and judges the PROXY header once. Every caller waits for
// the first one to finish and gets the same answer.
func (c *conn) handshake() error {
	c.once.Do(c.readHeader)
	if c.err != nil {
		return c.err
	}
	return nil
}

// Read reads data after the PROXY header. It first reads the header if
// that has not been done, and fails with a [*HeaderError] when the header
// was refused.
func (c *conn) Read(b []byte) (int, error) {
	if err := c.handshake(); err != nil {
		return 0, err
	}
	if c.hasRest.Load() {
		c.restMu.Lock()
		if len(c.rest) > 0 {
			n := copy(b, c.rest)
			c.rest = c.rest[n:]
			if len(c.rest) == 0 {
				c.rest = nil
				c.hasRest.Store(false)
			}
			c.restMu.Unlock()
			return n, nil
		}
		c.restMu.Unlock()
	}
	return c.raw.Read(b)
}

// Write writes to the connection once its PROXY header has been judged, so
// that nothing is sent to a peer that is about to be refused. It fails with
// a [*HeaderError] when the header was refused.
func (c *conn) Write(b []byte) (int, error) {
	if err := c.handshake(); err != nil {
		return 0, err
	}
	return c.raw.Write(b)
}

// Close closes the connection. It does not wait for a header read in
// progress on another goroutine; that read fails.
func (c *conn) Close() error { return c.raw.Close() }

// LocalAddr returns the socket's local address (never the PROXY header's
// destination).
func (c *conn) LocalAddr() net.Addr { return c.raw.LocalAddr() }

// RemoteAddr returns the socket peer's address (never the PROXY header's
// source); it does not read the header. Use [InfoOf] for the source.
//
// The first call, from the connection's own goroutine, also grows that
// goroutine's stack to its working size (see growStack).
func (c *conn) RemoteAddr() net.Addr {
	if !c.stackGrown {
		c.stackGrown = true
		growStack()
	}
	return c.raw.RemoteAddr()
}

// SetDeadline sets the read and write deadlines; see SetReadDeadline.
func (c *conn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.raw.SetWriteDeadline(t)
}

// SetReadDeadline sets the read deadline. While the header is being read
// the effective deadline is the earlier of t and the header deadline; t
// alone applies afterwards.
func (c *conn) SetReadDeadline(t time.Time) error {
	c.dlMu.Lock()
	if c.headerOver.Load() {
		if t.IsZero() && !c.rawDL {
			c.dlMu.Unlock()
			return nil
		}
		c.rawDL = !t.IsZero()
		err := c.raw.SetReadDeadline(t)
		c.dlMu.Unlock()
		return err
	}
	defer c.dlMu.Unlock()
	c.readDL = t
	return c.raw.SetReadDeadline(c.effectiveReadDeadline())
}

// SetWriteDeadline sets the write deadline.
func (c *conn) SetWriteDeadline(t time.Time) error { return c.raw.SetWriteDeadline(t) }

// effectiveReadDeadline returns the deadline raw should have. c.dlMu must
// be held.
func (c *conn) effectiveReadDeadline() time.Time {
	if !c.inHeader || (!c.readDL.IsZero() && c.readDL.Before(c.headerDL)) {
		return c.readDL
	}
	return c.headerDL
}

// beginHeader arms the header deadline.
func (c *conn) beginHeader() error {
	c.dlMu.Lock()
	defer c.dlMu.Unlock()
	c.inHeader = true
	c.headerDL = time.Now().Add(c.pol.timeout)
	return c.raw.SetReadDeadline(c.effectiveReadDeadline())
}

// endHeader restores the caller's read deadline. A failure (the peer or we
// already closed) is left for the next read to report.
func (c *conn) endHeader() {
	c.dlMu.Lock()
	defer c.dlMu.Unlock()
	c.inHeader = false
	c.headerDL = time.Time{}
	_ = c.raw.SetReadDeadline(c.readDL)
	c.rawDL = !c.readDL.IsZero()
	c.headerOver.Store(true)
}

// initialBuf is the first read's buffer size: room for any v1 header and a
// small request behind it.
const initialBuf = 256

// readHeader reads the start of the connection, decides the outcome,
// reports it and, on refusal, closes the socket. It runs once.
func (c *conn) readHeader() {
	var (
		buf     []byte
		readErr error
	)
	if err := c.beginHeader(); err != nil {
		readErr = err
	} else {
		buf = make([]byte, 0, initialBuf)
	}
	for {
		kind := matchSignature(buf)
		switch {
		case kind == sigNone:
			c.finishNone(buf)
			return
		case kind != sigPending && !c.trusted:
			// A signature from a peer that may not send one: refuse
			// without reading further.
			c.refuse(OutcomeUntrustedSender, errUntrusted)
			return
		case kind != sigPending:
			n, err := headerLen(buf, kind)
			if err != nil {
				c.refuse(OutcomeMalformed, err)
				return
			}
			if n > 0 {
				c.finishHeader(buf, n)
				return
			}
		}
		if readErr != nil {
			c.finishReadError(buf, kind, readErr)
			return
		}
		if need := wantBytes(buf, kind); cap(buf) < need {
			grown := make([]byte, len(buf), need)
			copy(grown, buf)
			buf = grown
		}
		// A Read may return 0, nil; the header deadline still bounds
		// the loop.
		var m int
		m, readErr = c.raw.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
	}
}

var (
	errUntrusted     = errors.New("PROXY header from a peer not in the trusted CIDRs")
	errUntrustedPeer = errors.New("peer not in the trusted CIDRs of a listener that requires a PROXY header")
	errMissing       = errors.New("no PROXY header from a peer required to send one")
)

// finishNone ends the header phase when the connection does not start with
// a PROXY header: buf is handed to the reader under ModeOptional and
// refused under ModeRequired.
func (c *conn) finishNone(buf []byte) {
	if c.pol.mode == ModeRequired {
		c.refuse(OutcomeMissing, errMissing)
		return
	}
	c.endHeader()
	c.keepRest(buf)
	c.pol.report(OutcomeNone)
}

// finishHeader parses the n-byte header at the start of buf and keeps the
// bytes after it.
func (c *conn) finishHeader(buf []byte, n int) {
	p, believe, err := parseHeader(buf[:n])
	if err != nil {
		c.refuse(OutcomeMalformed, err)
		return
	}
	if believe {
		c.info.Source = p.source
		c.info.Destination = p.destination
		c.info.ViaProxy = true
	}
	c.endHeader()
	c.keepRest(buf[n:])
	c.pol.report(OutcomeAccepted)
}

// finishReadError ends the header phase when reading failed (timeout, EOF,
// reset, closed) before a decision. Under ModeOptional a connection that
// had not shown a complete signature carries no header: its bytes go to the
// reader, which will see the same failure from the socket next.
func (c *conn) finishReadError(buf []byte, kind sigKind, err error) {
	timeout := isTimeout(err)
	switch {
	case kind == sigPending && c.pol.mode == ModeOptional:
		c.endHeader()
		c.keepRest(buf)
		if !errors.Is(err, net.ErrClosed) {
			c.pol.report(OutcomeNone)
		}
	case timeout:
		c.refuse(OutcomeTimeout, err)
	case kind == sigPending:
		c.refuse(OutcomeMissing, err)
	default:
		c.refuse(OutcomeMalformed, err)
	}
}

// keepRest stores b (which the caller gives up) for Read.
func (c *conn) keepRest(b []byte) {
	if len(b) == 0 {
		return
	}
	c.restMu.Lock()
	c.rest = b
	c.restMu.Unlock()
	c.hasRest.Store(true)
}

// refuse records the refusal, reports and logs it and closes the socket.
// A socket this process closed itself is neither reported nor logged: the
// peer did nothing wrong.
func (c *conn) refuse(o Outcome, err error) {
	c.err = &HeaderError{Outcome: o, Peer: c.peer, Err: err}
	_ = c.raw.Close()
	if !errors.Is(err, net.ErrClosed) {
		c.pol.reportRefusal(o, c.peer, err)
	}
}

// isTimeout reports whether err is a deadline expiry.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// SyscallConn returns the [syscall.RawConn] of the socket beneath c, a
// connection from a listener of [Wrap] or any [syscall.Conn], for a caller
// that writes to or waits on the descriptor itself; ok is false when c has
// none. Such a caller must also check [Holds]: what c read past a PROXY
// header is not in the socket any more.
func SyscallConn(c net.Conn) (raw syscall.RawConn, ok bool) {
	if wc, isConn := c.(*conn); isConn {
		c = wc.raw
	}
	sc, isSC := c.(syscall.Conn)
	if !isSC {
		return nil, false
	}
	raw, err := sc.SyscallConn()
	return raw, err == nil
}

// Holds reports whether c, a connection from a listener of [Wrap], holds
// bytes it read from its socket (past the PROXY header) that a Read has not
// returned yet. It is false for any other connection.
func Holds(c net.Conn) bool {
	wc, ok := c.(*conn)
	return ok && wc.hasRest.Load()
}
