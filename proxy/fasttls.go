package proxy

import (
	"context"
	"crypto/tls"
	"io"
	"time"

	"github.com/firsthop/firsthop/proxy/listen"
)

// The fast loop serves TLS listeners too: it runs the handshake itself,
// as net/http's server would, and serves the HTTP/1.1 connections (ALPN
// "http/1.1", or none) in the clear loop's way, over the *tls.Conn. A
// connection that chose another protocol by ALPN (h2) goes to net/http's
// server before a byte of it is read, as it came: that server finds the
// handshake done and passes it on to the listener's HTTP/2 server
// (TLSNextProto). Over TLS this spares, per request, net/http's
// background read of the next request and its hand-offs, as it does in
// the clear (PERFORMANCE.md section 10).

// handshake runs tc's TLS handshake as net/http's server runs it —
// bounded by the read-header timeout, a client that spoke plain HTTP
// answered 400, a failure logged at debug level — and reports whether
// the fast loop serves the connection. It does not when the handshake
// failed (tc is closed) or another protocol was negotiated (tc is handed
// over, or closed after a drain).
func (fc *fastConn) handshake(tc *tls.Conn) bool {
	if d := fc.fs.readHeaderTimeout; d > 0 {
		dl := time.Now().Add(d)
		fc.setReadDeadline(dl)
		_ = tc.SetWriteDeadline(dl)
	}
	// Idle for a drain: shutdown wakes the handshake's reads and the
	// connection closes, as net/http closes the connections it has not
	// read a request from.
	fc.idle.Store(true)
	if fc.fs.draining.Load() {
		tc.Close()
		return false
	}
	err := tc.Handshake()
	fc.idle.Store(false)
	if err != nil {
		reason := err.Error()
		if re, ok := err.(tls.RecordHeaderError); ok && re.Conn != nil && recordHeaderLooksLikeHTTP(re.RecordHeader) {
			_, _ = io.WriteString(re.Conn, "HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n")
			re.Conn.Close()
			reason = "client sent an HTTP request to an HTTPS server"
		}
		fc.fs.log.Debug("http: TLS handshake error", "remote", tc.RemoteAddr().String(), "error", reason)
		tc.Close()
		return false
	}
	fc.setReadDeadline(time.Time{})
	_ = tc.SetWriteDeadline(time.Time{})
	st := tc.ConnectionState()
	switch st.NegotiatedProtocol {
	case "", "http/1.1", "http/1.0":
		fc.tls = &st
		return true
	}
	if !fc.fs.handoff.handOver(tc) {
		tc.Close()
	}
	return false
}

// recordHeaderLooksLikeHTTP reports whether the first bytes a client sent
// to a TLS listener look like a plain HTTP request (as net/http judges
// them).
func recordHeaderLooksLikeHTTP(hdr [5]byte) bool {
	switch string(hdr[:]) {
	case "GET /", "HEAD ", "POST ", "PUT /", "OPTIO":
		return true
	}
	return false
}

// handedOverTLS returns the TLS state of the connection a request came in
// on when the fast loop handed that connection to net/http's server after
// its handshake: net/http sees a replayConn, not a *tls.Conn, and leaves
// the request's TLS field nil. It returns nil for any other connection.
func handedOverTLS(ctx context.Context) *tls.ConnectionState {
	if c, ok := listen.ConnFromContext(ctx); ok {
		if rc, ok := c.(*replayConn); ok {
			return rc.tls
		}
	}
	return nil
}
