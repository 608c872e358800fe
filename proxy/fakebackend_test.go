package proxy

import (
	"crypto/tls"
	"io"
	"log"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"testing"
)

// This file holds the one way the package's tests start a fake backend,
// whatever it answers:
//
//   - serveHTTPBackend: a net/http server running a handler, speaking
//     HTTP/1.1 unless told otherwise (h2cOnly, h1AndH2C, overTLS);
//   - serveTCPBackend: a raw TCP listener handing each connection to a
//     function, for backends that must write bytes net/http would not
//     (or count them exactly);
//   - refusedAddr: a loopback address where nothing listens.
//
// Each listens on 127.0.0.1 and is gone, connections closed and
// goroutines ended, when the test ends. The fakes themselves (echo,
// script, raw, h2c, WebSocket, TLS...) sit with the tests that use them
// and differ only in what they answer.

// backendOption sets up a fake backend's net/http server.
type backendOption func(*http.Server)

// h2cOnly makes the backend speak HTTP/2 with prior knowledge only.
func h2cOnly(srv *http.Server) {
	srv.Protocols = new(http.Protocols)
	srv.Protocols.SetUnencryptedHTTP2(true)
}

// h1AndH2C makes the backend speak HTTP/1.1 and HTTP/2 with prior
// knowledge, so that it serves an h2c backend too.
func h1AndH2C(srv *http.Server) {
	srv.Protocols = new(http.Protocols)
	srv.Protocols.SetHTTP1(true)
	srv.Protocols.SetUnencryptedHTTP2(true)
}

// overTLS makes the backend serve HTTPS with cfg (net/http's ServeTLS:
// HTTP/2 and HTTP/1.1 by ALPN), its handshake errors not logged.
func overTLS(cfg *tls.Config) backendOption {
	return func(srv *http.Server) {
		srv.TLSConfig = cfg
		srv.ErrorLog = log.New(io.Discard, "", 0)
	}
}

// serveHTTPBackend serves h on a fresh loopback port and returns its
// address. The server is closed when t ends, and the idle connections of
// http.DefaultTransport with it, as httptest.Server.Close does.
func serveHTTPBackend(t testing.TB, h http.Handler, opts ...backendOption) netip.AddrPort {
	t.Helper()
	srv := &http.Server{Handler: h}
	for _, o := range opts {
		o(srv)
	}
	l := listenLoopback(t)
	if srv.TLSConfig != nil {
		go srv.ServeTLS(l, "", "")
	} else {
		go srv.Serve(l)
	}
	t.Cleanup(func() {
		srv.Close()
		http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	})
	return netip.MustParseAddrPort(l.Addr().String())
}

// serveTCPBackend accepts connections on a fresh loopback port and runs
// serve on each, on a goroutine of its own, and returns the port's
// address. When t ends (or stop is called, whichever is first) the
// listener and every connection are closed and the goroutines waited
// for; serve closes its connection itself when it is done with it.
func serveTCPBackend(t testing.TB, serve func(c net.Conn)) (addr netip.AddrPort, stop func()) {
	t.Helper()
	l := listenLoopback(t)
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		open   = map[net.Conn]struct{}{}
		closed bool
	)
	stop = sync.OnceFunc(func() {
		l.Close()
		mu.Lock()
		closed = true
		for c := range open {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	t.Cleanup(stop)
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			if closed {
				mu.Unlock()
				c.Close()
				return
			}
			open[c] = struct{}{}
			mu.Unlock()
			wg.Go(func() { serve(c) })
		}
	})
	return netip.MustParseAddrPort(l.Addr().String()), stop
}

// refusedAddr returns a loopback address where nothing listens: a
// connection to it is refused.
func refusedAddr(t testing.TB) netip.AddrPort {
	t.Helper()
	l := listenLoopback(t)
	defer l.Close()
	return netip.MustParseAddrPort(l.Addr().String())
}

// listenLoopback listens on a fresh port of 127.0.0.1.
func listenLoopback(t testing.TB) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return l
}
