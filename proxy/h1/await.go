package h1

import (
	"errors"
	"net"
	"os"
	"syscall"
	"time"
)

// The read that follows a request's write almost always comes too early:
// the backend has not answered yet, so it returns EAGAIN and only then
// does the goroutine park until the socket is readable — one system call
// in seven of a proxied request, for nothing. [Conn.FlushAwait] spares it by
// writing the request from inside the descriptor's raw read: the runtime
// forgets the socket's past readiness before calling back, so a response
// that arrives once the write is done always wakes the wait that follows.
// What makes that safe is HTTP/1.1's strict request/response: nothing of
// this exchange can arrive before its request is written, and bytes that
// came unasked while the connection was idle are refused before the
// request is written (see [Conn.alive] and [Pool.GetUnchecked]).

// awaitWriter is what a Conn's buffered writer writes to: nc, or for the
// flush of a FlushAwait, writeAwait.
type awaitWriter struct{ c *Conn }

func (w awaitWriter) Write(p []byte) (int, error) {
	c := w.c
	if !c.awaiting {
		return c.nc.Write(p)
	}
	c.awaiting = false
	return c.writeAwait(p)
}

// ErrIdleUnfit is FlushAwait's error for a connection from
// [Pool.GetUnchecked] that the backend closed, or sent bytes on, while it
// was idle. Nothing was written on it; it is broken.
var ErrIdleUnfit = errors.New("h1: idle connection closed or written to by the backend")

// FlushAwait flushes the buffered rest of a request after which nothing is
// written (no body follows) and returns once the response has begun to
// arrive, the read deadline has passed, or the connection has been closed
// or has failed: the read that follows finds out which, and reports it.
// A write error is returned as nc's Write would return it. For a
// connection from Pool.GetUnchecked it first checks the socket as
// Pool.Get does, failing with ErrIdleUnfit. Without a descriptor to read
// and write raw, FlushAwait is Flush.
func (c *Conn) FlushAwait() error {
	c.awaiting = rawWrites && c.raw != nil && c.bw.Buffered() > 0
	if c.unchecked && !c.awaiting {
		c.unchecked = false
		if !c.alive(time.Now()) {
			c.broken = true
			return ErrIdleUnfit
		}
	}
	err := c.bw.Flush()
	c.awaiting, c.unchecked = false, false
	return err
}

// writeAwait writes p with one non-blocking write from inside a raw read
// of nc and, when all of p went, waits there until nc is readable. A
// write that is short or would block leaves the rest to nc's own Write,
// under the write deadline, and the wait to the read that follows.
func (c *Conn) writeAwait(p []byte) (int, error) {
	c.await = awaitState{buf: p, check: c.unchecked}
	// The raw read's error (a deadline, a close) is the following read's
	// to report: once the write is done, the wait is only a wait.
	_ = c.raw.Read(c.awaitFn)
	st := c.await
	c.await = awaitState{}
	if st.unfit {
		c.broken = true
		return 0, ErrIdleUnfit
	}
	if !st.wrote {
		// The raw read failed before calling back (a deadline already
		// past, a closed connection): nc's Write does what it does.
		return c.nc.Write(p)
	}
	if st.err != nil && st.err != syscall.EAGAIN {
		return st.n, &net.OpError{Op: "write", Net: "tcp", Source: c.nc.LocalAddr(), Addr: c.nc.RemoteAddr(),
			Err: os.NewSyscallError("write", st.err)}
	}
	if st.n < len(p) {
		m, err := c.nc.Write(p[st.n:])
		return st.n + m, err
	}
	return st.n, nil
}

// awaitState is what writeAwait and its callback share.
type awaitState struct {
	buf   []byte
	n     int
	err   error
	wrote bool
	// check asks for the idle connection's check before the write; unfit
	// is its failure.
	check, unfit bool
}

// awaitCallback is the callback of writeAwait's raw read: called first,
// it checks the socket when asked (after the runtime has reset its
// readiness, so nothing that arrives later goes unseen), writes, and asks
// to wait when the write was whole; called again, the socket is readable.
func (c *Conn) awaitCallback(fd uintptr) bool {
	st := &c.await
	if st.wrote {
		return true
	}
	if st.check {
		st.check = false
		if c.peek(fd); !c.peekOK {
			st.unfit = true
			return true
		}
	}
	st.wrote = true
	for {
		n, err := writeFD(fd, st.buf)
		if err == syscall.EINTR {
			continue
		}
		st.n, st.err = max(n, 0), err
		return err != nil || st.n < len(st.buf)
	}
}
