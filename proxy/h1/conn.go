package h1

import (
	"bufio"
	"net"
	"syscall"
	"time"
)

// Buffer sizes of a Conn. A response head and a small body fit in one read.
const (
	readBufferSize  = 4 << 10
	writeBufferSize = 4 << 10
)

// Conn is one upstream connection with its buffers and the state of the
// exchange it carries. It carries one exchange at a time. Its methods are
// not safe for concurrent use, except that one goroutine may write a
// request body (through [Conn.Writer]) while another reads the response.
type Conn struct {
	nc net.Conn
	// raw checks an idle connection without blocking; nil when nc does not
	// expose its descriptor.
	raw     syscall.RawConn
	peekFn  func(fd uintptr) bool
	peekOK  bool
	br      *bufio.Reader
	bw      *bufio.Writer
	maxHead int

	head headReader
	resp Response
	body Body

	exchanges int       // responses read to their end on this connection
	broken    bool      // an exchange failed: the connection must be closed
	idleSince time.Time // when it went into the pool
	// rdl and wdl are the deadlines last set on nc, so that clearing a
	// deadline that is not set costs nothing.
	rdl, wdl time.Time

	// unchecked says that c came from the pool with its socket's check
	// left to FlushAwait (see Pool.GetUnchecked).
	unchecked bool
	// awaiting routes the next write of bw to writeAwait (see FlushAwait);
	// await is that write's state and awaitFn its raw-read callback.
	awaiting bool
	await    awaitState
	awaitFn  func(fd uintptr) bool
}

// NewConn returns nc ready for its first exchange. Response heads (and
// trailer sections) longer than maxHead bytes are refused.
func NewConn(nc net.Conn, maxHead int) *Conn {
	c := &Conn{
		nc:      nc,
		br:      bufio.NewReaderSize(nc, readBufferSize),
		maxHead: maxHead,
	}
	c.bw = bufio.NewWriterSize(awaitWriter{c}, writeBufferSize)
	if sc, ok := nc.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			c.raw = raw
			c.peekFn = c.peek
			c.awaitFn = c.awaitCallback
		}
	}
	return c
}

// NetConn returns the underlying connection, for deadlines.
func (c *Conn) NetConn() net.Conn { return c.nc }

// SetDeadlines sets nc's read and write deadlines; zero times clear them.
func (c *Conn) SetDeadlines(read, write time.Time) {
	c.SetReadDeadline(read)
	c.SetWriteDeadline(write)
}

// SetReadDeadline sets nc's read deadline; zero clears it.
func (c *Conn) SetReadDeadline(t time.Time) {
	if t.IsZero() && c.rdl.IsZero() {
		return
	}
	_ = c.nc.SetReadDeadline(t)
	c.rdl = t
}

// ReadDeadline returns the read deadline last set; zero: none.
func (c *Conn) ReadDeadline() time.Time { return c.rdl }

// SetWriteDeadline sets nc's write deadline; zero clears it.
func (c *Conn) SetWriteDeadline(t time.Time) {
	if t.IsZero() && c.wdl.IsZero() {
		return
	}
	_ = c.nc.SetWriteDeadline(t)
	c.wdl = t
}

// Writer returns the buffered writer requests are written to. The caller
// flushes it.
func (c *Conn) Writer() *bufio.Writer { return c.bw }

// Reused reports whether c carried an exchange before the current one.
func (c *Conn) Reused() bool { return c.exchanges > 0 }

// ReadResponse reads the next response head of an exchange whose request
// had method. After a 1xx head the caller calls it again for the next one.
// When it fails with a timeout, calling it again resumes where it stopped;
// any other error breaks the connection. io.EOF means the backend closed
// the connection before sending a byte of the response.
func (c *Conn) ReadResponse(method string) (*Response, error) {
	if err := c.head.read(c.br, c.maxHead); err != nil {
		if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
			c.broken = true
		}
		return nil, err
	}
	err := ParseResponseHead(c.head.buf, method, &c.resp)
	c.head.reset()
	if err != nil {
		c.broken = true
		return nil, err
	}
	c.body.reset(c.br, c.resp.Framing, c.resp.ContentLength, c.maxHead)
	return &c.resp, nil
}

// ResponseStarted reports whether any byte of a response head has been
// read in the current exchange.
func (c *Conn) ResponseStarted() bool { return c.head.started() }

// Body returns the reader of the body of the response last returned by
// ReadResponse.
func (c *Conn) Body() *Body { return &c.body }

// Break marks c as unfit for another exchange.
func (c *Conn) Break() { c.broken = true }

// finish ends the current exchange and reports whether c may carry
// another: its response was read to the end of its framing and allowed
// that, and no byte arrived beyond it.
func (c *Conn) finish() bool {
	if c.broken || !c.resp.KeepAlive || !c.body.Done() || c.br.Buffered() > 0 || c.head.started() {
		c.broken = true
		return false
	}
	c.exchanges++
	return true
}

// Close closes the connection.
func (c *Conn) Close() error {
	c.broken = true
	return c.nc.Close()
}

// alive reports whether an idle c has neither been closed by the backend
// nor received unsolicited bytes, as far as the socket tells without
// blocking, at now. Without a descriptor it assumes so.
func (c *Conn) alive(now time.Time) bool {
	if c.raw == nil {
		return true
	}
	if !c.rdl.IsZero() && !now.Before(c.rdl) {
		// A read deadline that has passed would fail the check itself.
		c.SetReadDeadline(time.Time{})
	}
	c.peekOK = false
	if err := c.raw.Read(c.peekFn); err != nil {
		return false
	}
	return c.peekOK
}
