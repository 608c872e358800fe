package proxy

import (
	"net"
	"os"
	"syscall"
	"time"

	"github.com/firsthop/firsthop/proxy/listen"
)

// Between two requests on a keep-alive connection, a Go server's read for
// the next one comes right after the previous response's write, finds
// nothing yet (EAGAIN), and only then waits in the runtime's poller: one
// system call per request that finds nothing. nginx spares it by knowing
// the socket was drained; Go's Read always tries first.
//
// awaitConn spares it for the fast loop as h1.Conn.FlushAwait does for
// upstream requests: the last write of a response is made from inside the
// socket's raw read (syscall.RawConn.Read), after the runtime has reset
// the socket's read readiness, and then waits there until the socket is
// readable; the loop's next read finds the request. A request that can
// only come after the response cannot be missed that way. One the client
// sent before the response (pipelining) can: if its readiness was seen by
// the poller before the reset, nothing wakes the wait. So the wait is
// bounded (awaitBound); when the read after a bounded wait that ran out
// finds bytes, the client pipelines, and the connection writes plainly
// from then on. A pipelining client waits awaitBound once per connection
// at most; requests already buffered are never waited for (the loop does
// not arm the wait then).

// awaitBound bounds the wait for the client's next request inside the
// response's last write.
const awaitBound = 25 * time.Millisecond

// awaitConn is the client connection beneath the fast loop (beneath TLS
// on a TLS listener). Its methods are those of the connection; Write
// makes the armed write as above. Arming and the armed write happen on
// the connection's goroutine.
type awaitConn struct {
	net.Conn
	raw syscall.RawConn // nil: never arms

	armed      bool // the next Write is a response's last
	pipelining bool // the client sends ahead: no more armed writes
	ranOut     bool // the last armed write's wait ran out

	// The armed write's state, for callback.
	buf   []byte
	n     int
	err   error
	wrote bool
	cb    func(fd uintptr) bool
}

// newAwaitConn wraps nc, a connection from the listener.
func newAwaitConn(nc net.Conn) *awaitConn {
	c := &awaitConn{Conn: nc}
	if raw, ok := listen.SyscallConn(nc); ok {
		c.raw = raw
		c.cb = c.callback
	}
	return c
}

// NetConn returns the connection from the listener, for listen.InfoOf.
func (c *awaitConn) NetConn() net.Conn { return c.Conn }

// arm makes the next Write wait for the client's next request, and
// reports whether it will. The caller sets a read deadline of at most
// awaitBound before that write, and clears the arming after it (see
// disarm) whether or not a Write came.
func (c *awaitConn) arm() bool {
	if c.raw == nil || c.pipelining || listen.Holds(c.Conn) {
		return false
	}
	c.armed = true
	return true
}

// disarm ends an arming that no Write used.
func (c *awaitConn) disarm() { c.armed = false }

// Write writes p; armed, from inside the socket's raw read, then waiting
// there until the socket is readable or the read deadline passes.
func (c *awaitConn) Write(p []byte) (int, error) {
	if !c.armed {
		return c.Conn.Write(p)
	}
	c.armed = false
	c.buf, c.n, c.err, c.wrote = p, 0, nil, false
	werr := c.raw.Read(c.cb)
	c.buf = nil
	if !c.wrote {
		// The raw read failed before writing (a deadline already past, a
		// close): write as usual, which reports what is wrong.
		return c.Conn.Write(p)
	}
	c.ranOut = werr != nil
	if c.err != nil && c.err != syscall.EAGAIN {
		return c.n, &net.OpError{Op: "write", Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: os.NewSyscallError("write", c.err)}
	}
	if c.n < len(p) {
		// A partial write did not wait: the rest as usual.
		m, err := c.Conn.Write(p[c.n:])
		return c.n + m, err
	}
	return len(p), nil
}

// callback is the raw read's: called first, it writes and asks to wait
// when the write was whole; called again, the socket is readable.
func (c *awaitConn) callback(fd uintptr) bool {
	if c.wrote {
		return true
	}
	c.wrote = true
	for {
		n, err := syscall.Write(int(fd), c.buf)
		if err == syscall.EINTR {
			continue
		}
		c.n, c.err = max(n, 0), err
		return err != nil || c.n < len(c.buf)
	}
}

// Read reads from the connection. The first read after an armed write
// whose wait ran out tells whether the client pipelines: bytes already
// there were sent before the response (see above).
func (c *awaitConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if c.ranOut {
		c.ranOut = false
		if n > 0 {
			c.pipelining = true
		}
	}
	return n, err
}
