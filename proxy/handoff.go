package proxy

import (
	"crypto/tls"
	"net"
	"sync"
	"time"
)

// handoffListener is the net.Listener net/http's server accepts the
// connections of a fast listener from: those the fast loop hands over,
// with the bytes it had read and not served replayed first (see
// replayConn). Its methods are safe for concurrent use.
type handoffListener struct {
	addr   net.Addr
	conns  chan net.Conn
	once   sync.Once
	closed chan struct{}
}

func newHandoffListener(addr net.Addr) *handoffListener {
	return &handoffListener{addr: addr, conns: make(chan net.Conn), closed: make(chan struct{})}
}

// Accept returns the next connection handed over.
func (l *handoffListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

// handOver gives c to net/http's server and reports whether it took it;
// after Close it does not, and the caller closes c.
func (l *handoffListener) handOver(c net.Conn) bool {
	select {
	case l.conns <- c:
		return true
	case <-l.closed:
		return false
	}
}

// Close stops Accept; connections handed over before stay net/http's.
func (l *handoffListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

// Addr returns the address of the listener the connections came from.
func (l *handoffListener) Addr() net.Addr { return l.addr }

// replayConn is a connection whose first bytes have already been read:
// Read returns them (prefix) before reading the connection again. NetConn
// returns the connection, so that the listen package finds its PROXY
// protocol information (listen.InfoOf) through it.
//
// headerDeadline, when set, is when the head of the request being replayed
// had to be in, counted from its first byte as the fast loop read it: the
// first read deadline net/http's server sets (its own read-header timeout,
// counted anew) is brought forward to it, so that a head trickled past the
// fast loop's buffer gets one timeout, not two.
//
// tls is the TLS state of a connection handed over after its handshake
// (see [handedOverTLS]), else nil.
type replayConn struct {
	net.Conn
	prefix         []byte
	headerDeadline time.Time
	tls            *tls.ConnectionState
}

// SetReadDeadline sets the connection's read deadline, the first non-zero
// one no later than headerDeadline.
func (c *replayConn) SetReadDeadline(t time.Time) error {
	if hd := c.headerDeadline; !hd.IsZero() && !t.IsZero() {
		c.headerDeadline = time.Time{}
		if t.After(hd) {
			t = hd
		}
	}
	return c.Conn.SetReadDeadline(t)
}

// SetDeadline sets both deadlines, the read one as SetReadDeadline does.
func (c *replayConn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.Conn.SetWriteDeadline(t)
}

func (c *replayConn) Read(p []byte) (int, error) {
	if len(c.prefix) > 0 {
		n := copy(p, c.prefix)
		c.prefix = c.prefix[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// NetConn returns the underlying connection.
func (c *replayConn) NetConn() net.Conn { return c.Conn }
