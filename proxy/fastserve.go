package proxy

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/http/httpguts"

	"github.com/firsthop/firsthop/proxy/h1"
	"github.com/firsthop/firsthop/proxy/listen"
)

// The fast HTTP/1.1 loop serves the connections of a listener without
// h2c or tracing (over TLS, see fasttls.go) while their requests are the common case —
// HTTP/1.1, no body, no Expect or Upgrade, routed to an HTTP/1.1 backend —
// and hands a connection to net/http's server, with the bytes it has read
// replayed, at the first request that is not. Requests are parsed by the
// standard library (http.ReadRequest) and checked as net/http's server
// checks them; anything it would refuse is handed over for it to refuse.
// What the loop saves, against net/http's server, is its per-request
// machinery: a goroutine reading in the background, two contexts, a
// snapshot of the header, a response writer in layers and six deadline
// updates.

// fastServer runs the fast loop of one listener.
type fastServer struct {
	h       *handler
	handoff *handoffListener
	lm      *listenerMetrics
	log     *slog.Logger

	readHeaderTimeout, idleTimeout time.Duration
	// tlsConfig, when not nil, is the listener's TLS: the loop runs each
	// connection's handshake (fasttls.go).
	tlsConfig *tls.Config

	draining atomic.Bool
	mu       sync.Mutex
	conns    map[*fastConn]struct{}
	wg       sync.WaitGroup
}

// serve serves nc until it closes or is handed over. It runs on the
// connection's own goroutine.
func (fs *fastServer) serve(nc net.Conn) {
	ac := newAwaitConn(nc)
	fc := &fastConn{fs: fs, nc: ac, await: ac}
	if fs.tlsConfig != nil {
		fc.nc = tls.Server(ac, fs.tlsConfig)
	}
	fc.br = bufio.NewReaderSize(fc, 4<<10)
	fc.res.fc = fc
	if !fs.track(fc) {
		nc.Close()
		return
	}
	fs.lm.connDelta(1)
	if tc, ok := fc.nc.(*tls.Conn); !ok || fc.handshake(tc) {
		fc.serve()
	}
	fs.untrack(fc)
	// Closed, or handed over to net/http, which counts it from there.
	fs.lm.connDelta(-1)
}

func (fs *fastServer) track(fc *fastConn) bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.draining.Load() {
		return false
	}
	if fs.conns == nil {
		fs.conns = map[*fastConn]struct{}{}
	}
	fs.conns[fc] = struct{}{}
	fs.wg.Add(1)
	return true
}

func (fs *fastServer) untrack(fc *fastConn) {
	fs.mu.Lock()
	delete(fs.conns, fc)
	fs.mu.Unlock()
	fs.wg.Done()
}

// shutdown stops the loop as net/http's Server.Shutdown stops its own:
// idle connections are closed at once, busy ones after their response
// (which says "Connection: close"), and whatever is left when ctx ends is
// closed.
func (fs *fastServer) shutdown(ctx context.Context) error {
	fs.mu.Lock()
	fs.draining.Store(true)
	for fc := range fs.conns {
		if fc.idle.Load() {
			// Wake its wait for a request: it sees draining and closes.
			_ = fc.nc.SetReadDeadline(aLongTimeAgo)
		}
	}
	fs.mu.Unlock()
	done := make(chan struct{})
	go func() { fs.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		fs.closeAll()
		<-done
		return ctx.Err()
	}
}

// closeAll closes every connection of the loop.
func (fs *fastServer) closeAll() {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for fc := range fs.conns {
		fc.nc.Close()
	}
}

// fastConn is one connection served by the fast loop; it is its requests'
// [clientConn].
type fastConn struct {
	fs *fastServer
	// nc is the connection served: await, or a *tls.Conn over it.
	nc    net.Conn
	await *awaitConn
	br    *bufio.Reader // reads through fc (see Read)
	res   fastResponse
	// head is a copy of the current request's head, replayed on a
	// hand-over.
	head []byte
	// remote is nc's RemoteAddr, formatted once.
	remote string
	// info and local say where the connection came from, once its first
	// request (and PROXY header) has been read.
	info     listen.Info
	local    netip.AddrPort
	haveInfo bool
	// tls is the connection's TLS state, nil in the clear; every request
	// of the connection points to it, as net/http's do.
	tls  *tls.ConnectionState
	idle atomic.Bool // waiting for a request
	// headerDeadline is when the current request's head must be in (zero:
	// no bound); a hand-over keeps it (see replayConn).
	headerDeadline time.Time
	// rdl is the read deadline the connection's goroutine last set on nc
	// (zero: none), so that clearing one that is not set costs nothing.
	// Shutdown's wake-up of an idle connection is not in it.
	rdl time.Time

	// A byte the client watch read ahead of the next request (see
	// watchClient), served first by Read.
	stash    byte
	hasStash bool
	watch    clientWatch
}

// armAwait arms the write of the current response's last bytes to wait
// for the client's next request (see awaitConn), with its bound as the
// read deadline, unless that request is already read or the connection
// is draining; it reports whether it did. The caller disarms it after
// that write.
func (fc *fastConn) armAwait() bool {
	if fc.br.Buffered() > 0 || fc.hasStash || fc.fs.draining.Load() || !fc.await.arm() {
		return false
	}
	fc.setReadDeadline(time.Now().Add(awaitBound))
	return true
}

// setReadDeadline sets nc's read deadline (zero clears it) unless it is
// the one last set.
func (fc *fastConn) setReadDeadline(t time.Time) {
	if t.Equal(fc.rdl) {
		return
	}
	_ = fc.nc.SetReadDeadline(t)
	fc.rdl = t
}

// Read reads from the connection for br, the stashed byte first.
func (fc *fastConn) Read(p []byte) (int, error) {
	if fc.hasStash && len(p) > 0 {
		p[0] = fc.stash
		fc.hasStash = false
		return 1, nil
	}
	return fc.nc.Read(p)
}

var bufioWriters = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 4<<10) }}

// serve runs the loop and reports whether the connection was handed over
// (else it is closed).
func (fc *fastConn) serve() (handedOver bool) {
	defer func() {
		if v := recover(); v != nil {
			if v != http.ErrAbortHandler {
				fc.fs.log.Error("http: panic serving "+fc.remote, "panic", v, "stack", string(debug.Stack()))
			}
			fc.nc.Close()
			handedOver = false
		}
	}()
	fc.remote = fc.nc.RemoteAddr().String()
	for first := true; ; first = false {
		if !first {
			// Idle until the next request starts, as net/http waits. The
			// order matters against shutdown, which sets draining and
			// then wakes the idle.
			if d := fc.fs.idleTimeout; d > 0 {
				fc.setReadDeadline(time.Now().Add(d))
			} else {
				fc.setReadDeadline(time.Time{})
			}
			fc.idle.Store(true)
			if fc.fs.draining.Load() {
				fc.nc.Close()
				return false
			}
			_, err := fc.br.Peek(1)
			fc.idle.Store(false)
			if err != nil || fc.fs.draining.Load() {
				fc.nc.Close()
				return false
			}
		}
		fc.headerDeadline = time.Time{}
		if d := fc.fs.readHeaderTimeout; d > 0 {
			fc.headerDeadline = time.Now().Add(d)
			// A head already in br needs no read, so no deadline: the
			// idle one may stay armed while the request is served, since
			// nothing reads the connection then but the client watch,
			// which clears it (a deadline update is a timer update, and
			// most heads come whole with the read that ended the wait).
			if buf, _ := fc.br.Peek(fc.br.Buffered()); headEnd(buf) < 0 {
				fc.setReadDeadline(fc.headerDeadline)
			}
		}
		req, ok, err := fc.readRequest()
		if err != nil {
			fc.nc.Close()
			return false
		}
		if !ok {
			return fc.handOver()
		}
		bw := bufioWriters.Get().(*bufio.Writer)
		bw.Reset(fc.nc)
		fc.res.reset(req, bw)
		if !fc.fs.h.handle(&fc.res, req, fc) {
			bufioWriters.Put(bw)
			return fc.handOver()
		}
		keep := fc.res.finish()
		bw.Reset(nil)
		bufioWriters.Put(bw)
		if !keep {
			fc.nc.Close()
			return false
		}
	}
}

// handOver gives the connection, with the current request's head and
// whatever else was read (in br, then a byte the client watch read after
// it), to net/http's server. Once that server has shut down (a drain), the
// request gets a 503 with Connection: close instead: net/http would still
// have answered a connection this new, and the client may retry elsewhere.
func (fc *fastConn) handOver() bool {
	prefix := append([]byte(nil), fc.head...)
	if n := fc.br.Buffered(); n > 0 {
		rest, _ := fc.br.Peek(n)
		prefix = append(prefix, rest...)
	}
	if fc.hasStash {
		prefix = append(prefix, fc.stash)
		fc.hasStash = false
	}
	fc.setReadDeadline(time.Time{})
	if !fc.fs.handoff.handOver(&replayConn{Conn: fc.nc, prefix: prefix, headerDeadline: fc.headerDeadline, tls: fc.tls}) {
		_ = fc.nc.SetWriteDeadline(time.Now().Add(time.Second))
		_, _ = io.WriteString(fc.nc, drainingAnswer)
		fc.nc.Close()
		return false
	}
	return true
}

// drainingAnswer is what a request the fast loop cannot serve itself gets
// once net/http's server has shut down.
const drainingAnswer = "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\nContent-Length: 31\r\n\r\n" +
	"firsthop: shutting down, retry\n"

// readRequest reads the next request head and parses it. ok is false for
// a request the loop leaves to net/http: one it would not serve the same
// way, or that net/http's server would refuse (it does so itself once
// handed the bytes). err is a read failure (timeout, close), after which
// net/http would also close without an answer.
func (fc *fastConn) readRequest() (req *http.Request, ok bool, err error) {
	fc.head = fc.head[:0]
	end := -1
	for {
		buf, _ := fc.br.Peek(fc.br.Buffered())
		if end = headEnd(buf); end >= 0 {
			fc.head = append(fc.head, buf[:end]...)
			break
		}
		if fc.br.Buffered() == fc.br.Size() {
			return nil, false, nil // a head longer than the buffer: net/http's
		}
		if _, err := fc.br.Peek(fc.br.Buffered() + 1); err != nil {
			if fc.br.Buffered() > 0 && !isTimeout(err) {
				return nil, false, nil // a partial head, then EOF: net/http answers
			}
			return nil, false, err
		}
	}
	req, err = http.ReadRequest(fc.br)
	if err != nil || !fastEligible(req) {
		// The head was consumed from br but is in fc.head for the replay;
		// for a request with a body, the body is still in br.
		return nil, false, nil
	}
	req.RemoteAddr = fc.remote
	req.TLS = fc.tls
	return req, true, nil
}

// headEnd returns the length of the head at the start of b — through the
// empty line, "\r\n\r\n" or bare LFs — or -1 when b does not hold all of it.
func headEnd(b []byte) int {
	for i := 0; ; {
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			return -1
		}
		i += j + 1
		switch {
		case i < len(b) && b[i] == '\n':
			return i + 1
		case i+1 < len(b) && b[i] == '\r' && b[i+1] == '\n':
			return i + 2
		}
	}
}

// fastEligible reports whether the fast loop serves req: HTTP/1.1 in
// origin form, no body, no Expect or Upgrade, Connection naming nothing
// but keep-alive and close, and passing net/http's own checks (one valid
// Host, valid field names and values).
func fastEligible(req *http.Request) bool {
	if req.ProtoMajor != 1 || req.ProtoMinor != 1 || req.Method == http.MethodConnect || req.Method == "PRI" ||
		len(req.RequestURI) == 0 || req.RequestURI[0] != '/' ||
		req.ContentLength != 0 || len(req.TransferEncoding) != 0 || req.Body != http.NoBody {
		return false
	}
	// http.ReadRequest has taken Host out of the header into req.Host,
	// refusing several: one non-empty valid Host is what is left to check.
	if req.Host == "" || !httpguts.ValidHostHeader(req.Host) {
		return false
	}
	for k, vv := range req.Header {
		switch k {
		case "Expect", "Upgrade":
			return false
		case "Connection":
			if !onlyKeepAliveOrClose(vv) {
				return false
			}
		}
		if !httpguts.ValidHeaderFieldName(k) {
			return false
		}
		for _, v := range vv {
			if !httpguts.ValidHeaderFieldValue(v) {
				return false
			}
		}
	}
	return true
}

// onlyKeepAliveOrClose reports whether the Connection values list no
// option but keep-alive and close.
func onlyKeepAliveOrClose(vv []string) bool {
	for _, v := range vv {
		for v != "" {
			var tok string
			tok, v = h1.NextElement(v)
			if tok != "" && !h1.EqualFoldASCII(tok, "keep-alive") && !h1.EqualFoldASCII(tok, "close") {
				return false
			}
		}
	}
	return true
}

// clientWatch is the state of watchClient.
type clientWatch struct {
	on       bool
	aborting atomic.Bool
	gone     atomic.Bool
	onGone   func()
	done     chan struct{}
}

// watchClient calls onGone if the client closes the connection while the
// current request is served, as net/http cancels a request's context. It
// is for slow exchanges only (the lean path starts it when a backend is
// slow), since it reads the connection from a goroutine of its own. stop
// ends the watch and reports whether onGone was not called.
func (fc *fastConn) watchClient(_ *http.Request, onGone func()) (stop func() bool) {
	w := &fc.watch
	if w.on || fc.hasStash {
		// Already watching, or the watch has seen the client send more:
		// it is there.
		return func() bool { return !w.gone.Load() }
	}
	// With a pipelined request already in br the watch still reads the
	// connection, below br, as net/http's background read does: a byte
	// it gets comes after those (see Read), and a close it sees is the
	// client leaving, which must end a quiet exchange (and lets a drain
	// finish).
	w.on, w.onGone, w.done = true, onGone, make(chan struct{})
	w.aborting.Store(false)
	// The loop may have left a deadline armed (see serve): the watch
	// waits as long as the exchange takes.
	fc.setReadDeadline(time.Time{})
	go fc.watchRead()
	return fc.stopWatch
}

func (fc *fastConn) watchRead() {
	w := &fc.watch
	defer close(w.done)
	var b [1]byte
	n, err := fc.nc.Read(b[:])
	switch {
	case n == 1:
		// The client's next request has begun: keep the byte for it.
		fc.stash, fc.hasStash = b[0], true
	case err != nil && !w.aborting.Load():
		w.gone.Store(true)
		w.onGone()
	}
}

// stopWatch ends a watch started by watchClient, interrupting its read.
func (fc *fastConn) stopWatch() bool {
	w := &fc.watch
	if !w.on {
		return !w.gone.Load()
	}
	w.aborting.Store(true)
	_ = fc.nc.SetReadDeadline(aLongTimeAgo)
	<-w.done
	fc.rdl = aLongTimeAgo
	fc.setReadDeadline(time.Time{})
	w.on = false
	return !w.gone.Load()
}

// clientGone reports whether the watch saw the client close.
func (fc *fastConn) clientGone(*http.Request) bool { return fc.watch.gone.Load() }

// serves reports whether the fast loop serves rule's requests itself
// (see [pathRule.servedFast]); the others are handed to net/http.
func (fc *fastConn) serves(rule *pathRule) bool { return rule.servedFast() }

// origin returns where the connection came from and its local address
// (see [connInfo]), found once per connection.
func (fc *fastConn) origin(*http.Request) (info listen.Info, local netip.AddrPort, err error) {
	if !fc.haveInfo {
		if fc.info, fc.local, err = connInfo(fc.nc); err != nil {
			return listen.Info{}, netip.AddrPort{}, err
		}
		fc.haveInfo = true
	}
	return fc.info, fc.local, nil
}
