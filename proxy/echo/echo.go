// Package echo is firsthop's built-in echo backend: an HTTP server that
// answers every request with the request as it received it, as JSON. It
// exists so users and tests can see exactly what a backend behind firsthop
// receives (the forwarding headers above all). It also accepts WebSocket
// upgrades and echoes every message back, so that a WebSocket through
// firsthop can be tried without a backend of one's own.
package echo

import (
	"encoding/json"
	"net"
	"net/http"
	"time"
)

// Request is the JSON body an echo server answers with.
type Request struct {
	Method     string `json:"method"`
	Path       string `json:"path"`
	Query      string `json:"query"`
	Proto      string `json:"proto"`
	Host       string `json:"host"`
	RemoteAddr string `json:"remote_addr"`
	// LocalAddr is the address the request arrived at: which backend
	// answered, when several run behind one proxy.
	LocalAddr string      `json:"local_addr"`
	Headers   http.Header `json:"headers"`
}

// maxBody bounds how much of a request body the echo server reads and
// discards, so a large upload cannot tie it up.
const maxBody = 1 << 20

// Handler answers every request with 200 and a JSON [Request] describing it.
// The request body is read (up to 1 MiB) and discarded. An HTTP/1.1
// WebSocket handshake (RFC 6455: GET, Upgrade: websocket, version 13, a
// Sec-WebSocket-Key) is answered with 101 instead, and every text or
// binary message the client then sends (64 KiB at most) comes back to it
// unchanged; pings get pongs, a close gets a close.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isWebSocketRequest(r) {
			serveWebSocket(w, r)
			return
		}
		if r.Body != nil {
			buf := make([]byte, 4096)
			body := http.MaxBytesReader(w, r.Body, maxBody)
			for {
				if _, err := body.Read(buf); err != nil {
					break
				}
			}
		}
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(Request{
			Method:     r.Method,
			Path:       r.URL.Path,
			Query:      r.URL.RawQuery,
			Proto:      r.Proto,
			Host:       r.Host,
			RemoteAddr: r.RemoteAddr,
			LocalAddr:  localAddr(r),
			Headers:    r.Header,
		})
	})
}

// localAddr returns the local address of r's connection, or "".
func localAddr(r *http.Request) string {
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		return a.String()
	}
	return ""
}

// NewServer returns an http.Server serving [Handler] with conservative
// timeouts, ready for Serve on a listener of the caller's choice.
func NewServer() *http.Server {
	return &http.Server{
		Handler:           Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
}
