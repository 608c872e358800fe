package proxy

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/firsthop/firsthop/model"
)

// The lean HTTP/2 server serves the HTTP/2 connections of a listener —
// ALPN h2 on TLS, prior-knowledge h2c on a plain H2C listener — in place
// of net/http's bundled server, which still accepts the connections, does
// the TLS handshake and serves HTTP/1.1 on them: it is hooked in through
// http.Server.TLSNextProto. Frames are read and written by
// golang.org/x/net/http2's Framer, header blocks coded by its hpack.
//
// What it saves, against net/http's server (PERFORMANCE.md sections 7 to
// 9), is the hand-offs: one goroutine per connection reads and processes
// frames, a handler goroutine per stream writes its response's frames
// straight into the connection's write buffer, and whoever finds that
// buffer filled and nobody writing writes it, all that is ready in one
// write — the reader when it has no whole frame buffered, else the
// handler (see [h2Conn.kickLocked]). No frame-writer goroutine, no
// channel per frame.
//
// The defences are net/http's, rule for rule where it has one (see
// h2conn.go): the listener's stream, header list and time limits; handler
// churn from reset streams bounded (CVE-2023-44487); header blocks capped
// (CONTINUATION floods); queued control frames capped (PING and SETTINGS
// floods); flow control enforced both ways, with a stalled window or
// writer bounded by the idle timeout; malformed requests reset
// (h2request.go); GOAWAY on shutdown.

// h2Handler serves a request that came in on a connection: the shared
// [handler] (handler.go), or a stand-in in tests.
type h2Handler interface {
	handle(w http.ResponseWriter, r *http.Request, c clientConn) bool
}

// h2Server is the lean HTTP/2 server of one listener.
type h2Server struct {
	h   h2Handler
	log *slog.Logger

	maxStreams        uint32
	maxHeaderListSize uint32
	readHeaderTimeout time.Duration
	idleTimeout       time.Duration

	mu       sync.Mutex
	conns    map[*h2Conn]struct{}
	draining bool
}

// newH2Server returns the lean HTTP/2 server of a listener of spec, which
// has its defaults.
func newH2Server(h h2Handler, log *slog.Logger, spec model.ListenerSpec) *h2Server {
	return &h2Server{
		h: h, log: log,
		maxStreams: spec.MaxConcurrentStreams,
		// As net/http advertises it: the header bytes plus 32 bytes of
		// HPACK overhead for ten fields.
		maxHeaderListSize: uint32(spec.MaxHeaderBytes + 10*32),
		readHeaderTimeout: spec.ReadHeaderTimeout,
		idleTimeout:       spec.IdleTimeout,
	}
}

// nextProtoUnencryptedHTTP2 is the TLSNextProto key net/http's server
// hands prior-knowledge h2c connections to, their preface read.
const nextProtoUnencryptedHTTP2 = "unencrypted_http2"

// install makes srv hand its HTTP/2 connections to s, and tell s when it
// shuts down. srv.Protocols says which of them srv accepts.
func (s *h2Server) install(srv *http.Server) {
	srv.TLSNextProto = map[string]func(*http.Server, *tls.Conn, http.Handler){
		"h2": func(_ *http.Server, tc *tls.Conn, h http.Handler) {
			st := tc.ConnectionState()
			s.serveConn(baseContext(h), tc, &st, false)
		},
		nextProtoUnencryptedHTTP2: func(_ *http.Server, tc *tls.Conn, h http.Handler) {
			nc, ok := tc.NetConn().(interface{ UnencryptedNetConn() net.Conn })
			if !ok {
				s.log.Error("http2: a TLS connection was handed over as unencrypted HTTP/2")
				tc.Close()
				return
			}
			s.serveConn(baseContext(h), nc.UnencryptedNetConn(), nil, true)
		},
	}
	srv.RegisterOnShutdown(s.shutdown)
}

// baseContext returns the context net/http's server passes down with a
// connection (its BaseContext, ConnContext and LocalAddrContextKey).
func baseContext(h http.Handler) context.Context {
	if bc, ok := h.(interface{ BaseContext() context.Context }); ok {
		return bc.BaseContext()
	}
	return context.Background()
}

// serveConn serves nc until it closes; sawPreface says the client preface
// has been read.
func (s *h2Server) serveConn(ctx context.Context, nc net.Conn, tlsState *tls.ConnectionState, sawPreface bool) {
	c := newH2Conn(s, ctx, nc, tlsState)
	s.mu.Lock()
	if s.draining {
		s.mu.Unlock()
		nc.Close()
		return
	}
	if s.conns == nil {
		s.conns = map[*h2Conn]struct{}{}
	}
	s.conns[c] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
	}()
	c.serve(sawPreface)
}

// shutdown sends every connection a GOAWAY: each closes once its streams
// are done. net/http's Server.Shutdown, which calls it, waits for that (it
// counts these connections as active) and closes them at its deadline.
func (s *h2Server) shutdown() {
	s.mu.Lock()
	s.draining = true
	conns := make([]*h2Conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.startGracefulShutdown()
	}
}

// errH2StreamClosed is what a handler's writes and reads return once its
// stream is reset or its connection gone.
var errH2StreamClosed = errors.New("http2: stream closed")
