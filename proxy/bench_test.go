package proxy

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/clientip"
)

// fixedBackend is an HTTP/1.1 upstream that answers every request on a
// keep-alive connection with the same 1 KiB response, allocating next to
// nothing, so that benchmarks measure the proxy rather than the backend.
func fixedBackend(b *testing.B) netip.AddrPort {
	b.Helper()
	body := strings.Repeat("x", 1024)
	resp := []byte("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1024\r\n\r\n" + body)
	// The connections are closed and every goroutine has ended once the
	// benchmark is over, whether or not the proxy closed its pool (the
	// package's TestMain fails on goroutines left behind).
	addr, _ := serveTCPBackend(b, func(c net.Conn) {
		defer c.Close()
		r := bufio.NewReader(c)
		for {
			// Requests carry no body; a blank line ends each one.
			for {
				line, err := r.ReadSlice('\n')
				if err != nil {
					return
				}
				if len(line) <= 2 {
					break
				}
			}
			if _, err := c.Write(resp); err != nil {
				return
			}
		}
	})
	return addr
}

// benchSpec is the production-default shape: client-IP resolution with a
// trusted range, X-Forwarded-For + Forwarded + X-Real-IP appended.
func benchSpec(addr netip.AddrPort) model.TableSpec {
	spec := oneBackend(addr)
	spec.ClientIP = clientip.Policy{
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")},
		Headers:        []clientip.Header{clientip.HeaderForwarded, clientip.HeaderXForwardedFor},
	}
	return spec
}

// BenchmarkHandler measures one proxied request through the data plane's
// handler (client IP, routing, headers, upstream transport), without the
// client-side HTTP server. allocs/op counts the proxy and the upstream
// transport; the fixed backend allocates next to nothing.
func BenchmarkHandler(b *testing.B) {
	b.Run("metrics=off", func(b *testing.B) { benchmarkHandler(b, nil) })
	b.Run("metrics=on", func(b *testing.B) {
		m, _, err := NewPrometheusMetrics()
		if err != nil {
			b.Fatal(err)
		}
		benchmarkHandler(b, m)
	})
}

func benchmarkHandler(b *testing.B, m *Metrics) {
	benchmarkHandlerSpec(b, m, benchSpec(fixedBackend(b)))
}

// benchmarkHandlerSpec is benchmarkHandler serving spec.
func benchmarkHandlerSpec(b *testing.B, m *Metrics, spec model.TableSpec) {
	srv := NewServer(Options{Metrics: m})
	if err := srv.Apply(spec); err != nil {
		b.Fatal(err)
	}
	benchmarkServerHandler(b, m, srv)
}

// benchmarkServerHandler is benchmarkHandler serving srv's table.
func benchmarkServerHandler(b *testing.B, m *Metrics, srv *Server) {
	h := newHandler(srv.table.Load, handlerOptions{listener: "bench", log: srv.log, metrics: m})
	req := httptest.NewRequest(http.MethodGet, "http://bench.local/", nil)
	req.RemoteAddr = "192.0.2.10:40000"
	req.Header.Set("User-Agent", "bench")
	req.Header.Set("X-Forwarded-For", "6.6.6.6")
	w := &discardResponseWriter{h: http.Header{}}
	b.ReportAllocs()
	// A route's request modifier edits the request's header in place,
	// as it may a request of its own: each request starts from this one.
	sent := len(req.Header)
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, req)
		if w.status != http.StatusOK {
			b.Fatalf("status %d", w.status)
		}
		if len(req.Header) != sent {
			for k := range req.Header {
				if k != "User-Agent" && k != "X-Forwarded-For" {
					delete(req.Header, k)
				}
			}
		}
	}
}

// benchServer starts a Server with opts (one listener "public" on
// loopback) in front of the fixed backend and returns the listener's
// address; it stops when the benchmark ends.
func benchServer(b *testing.B, opts Options) string {
	b.Helper()
	opts.Listeners = []model.ListenerSpec{{Name: "public", Address: "127.0.0.1:0"}}
	srv := NewServer(opts)
	if err := srv.Apply(benchSpec(fixedBackend(b))); err != nil {
		b.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = srv.Serve(ctx); close(done) }()
	b.Cleanup(func() { cancel(); <-done })
	return srv.Addr("public").String()
}

// BenchmarkProxyRoundTrip measures one request over a keep-alive client
// connection through a running Server to the fixed backend. allocs/op
// includes the Go client's own allocations.
func BenchmarkProxyRoundTrip(b *testing.B) {
	c, err := net.Dial("tcp", benchServer(b, Options{}))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	req := []byte("GET / HTTP/1.1\r\nHost: bench.local\r\nUser-Agent: bench\r\n\r\n")
	br := bufio.NewReader(c)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Write(req); err != nil {
			b.Fatal(err)
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}

type discardResponseWriter struct {
	h      http.Header
	status int
}

func (w *discardResponseWriter) Header() http.Header { return w.h }
func (w *discardResponseWriter) WriteHeader(s int)   { w.status = s }
func (w *discardResponseWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return len(p), nil
}

// BenchmarkServerRoundTrip is BenchmarkProxyRoundTrip with a client that
// allocates nothing (raw bytes out, a Content-Length reader in), so that
// allocs/op counts only the server side: net/http's server and firsthop.
func BenchmarkServerRoundTrip(b *testing.B) {
	for _, metrics := range []bool{false, true} {
		b.Run(fmt.Sprintf("metrics=%v", metrics), func(b *testing.B) {
			opts := Options{Logger: quietLogger()}
			if metrics {
				m, _, err := NewPrometheusMetrics()
				if err != nil {
					b.Fatal(err)
				}
				opts.Metrics = m
			}
			c, err := net.Dial("tcp", benchServer(b, opts))
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			req := []byte("GET / HTTP/1.1\r\nHost: bench.local\r\nUser-Agent: bench\r\n\r\n")
			br := bufio.NewReaderSize(c, 8<<10)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Write(req); err != nil {
					b.Fatal(err)
				}
				if err := discardResponse(br); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// discardResponse reads one 200 response with a Content-Length body
// without allocating.
func discardResponse(br *bufio.Reader) error {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(line, []byte("HTTP/1.1 200 ")) {
		return fmt.Errorf("status line %q", line)
	}
	n := -1
	for {
		line, err = br.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(line) <= 2 {
			break
		}
		if k, v, ok := bytes.Cut(line, []byte(":")); ok && bytes.EqualFold(k, []byte("Content-Length")) {
			n = 0
			for _, c := range bytes.TrimSpace(v) {
				n = n*10 + int(c-'0')
			}
		}
	}
	if n < 0 {
		return errors.New("response without Content-Length")
	}
	_, err = br.Discard(n)
	return err
}
