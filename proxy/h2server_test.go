package proxy

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"runtime/pprof"
	"strings"
	"testing"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/echo"
)

// h2TLSProxy starts a proxy with a TLS listener served by server, in front
// of backend, and returns it with an HTTP/2-only client for it.
func h2TLSProxy(t *testing.T, server model.HTTP2Server, backend model.TableSpec) (*testProxy, *http.Client) {
	t.Helper()
	backend.Certificates = []model.Certificate{{Cert: selfSigned(t, "app.test")}}
	p := startProxyWith(t, backend, Options{
		Listeners: []model.ListenerSpec{{Name: "https", Address: "127.0.0.1:0", TLS: true, HTTP2Server: server}},
	})
	var protocols http.Protocols
	protocols.SetHTTP2(true)
	tr := &http.Transport{
		Protocols:       &protocols,
		TLSClientConfig: &tls.Config{ServerName: "app.test", InsecureSkipVerify: true}, //nolint:gosec // self-signed
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "tcp", p.addr)
		},
	}
	t.Cleanup(tr.CloseIdleConnections)
	return p, &http.Client{Transport: tr, Timeout: hostileDeadline}
}

// TestH2ServerOverTLS: over TLS (ALPN h2) each HTTP/2 server serves
// requests through the shared handler: the backend sees the client and
// the scheme, bodies of several windows go both ways whole, and a
// streamed response arrives in pieces.
func TestH2ServerOverTLS(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.Handle("/echo", echo.Handler())
	mux.HandleFunc("/copy", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = io.Copy(w, r.Body)
	})
	backend := oneBackend(serveHTTPBackend(t, mux))
	forH2Servers(t, func(t *testing.T, server model.HTTP2Server) {
		_, client := h2TLSProxy(t, server, backend)

		res, err := client.Get("https://app.test/echo?x=1")
		if err != nil {
			t.Fatal(err)
		}
		var seen echo.Request
		err = json.NewDecoder(res.Body).Decode(&seen)
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusOK || res.ProtoMajor != 2 {
			t.Fatalf("GET: %s %d, %v", res.Proto, res.StatusCode, err)
		}
		if seen.Path != "/echo" || seen.Query != "x=1" || seen.Host != "app.test" ||
			seen.Headers.Get("X-Forwarded-Proto") != "https" || seen.Headers.Get("X-Forwarded-For") != "127.0.0.1" {
			t.Errorf("the backend saw %+v", seen)
		}

		// Three megabytes: past the client's and the server's windows.
		body := bytes.Repeat([]byte("0123456789abcdef"), 3<<16)
		res, err = client.Post("https://app.test/copy", "application/octet-stream", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil || sha256.Sum256(got) != sha256.Sum256(body) {
			t.Fatalf("POST /copy: %d bytes back of %d, %v", len(got), len(body), err)
		}
		if ct := res.Header.Get("Content-Type"); ct != "application/octet-stream" {
			t.Errorf("Content-Type %q", ct)
		}
	})
}

// TestH2ServerChoice: a listener's HTTP2Server chooses which server
// serves its HTTP/2 connections, over TLS and h2c. Not parallel: it looks
// for the server's goroutine among all.
func TestH2ServerChoice(t *testing.T) {
	backend := oneBackend(echoBackend(t))
	for _, s := range h2Servers {
		t.Run(s.name, func(t *testing.T) {
			_, client := h2TLSProxy(t, s.server, backend)
			res, err := client.Get("https://app.test/")
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			tlsLean := leanH2Serving()
			client.CloseIdleConnections()

			_, p := startH2CProxy(t, s.server)
			c := dialH2(t, p.addr)
			c.headers(1, true, h2Request("GET", "/")...)
			if o := c.await(1); o.status != http.StatusOK {
				t.Fatalf("h2c: %v", o)
			}
			h2cLean := leanH2Serving()
			c.conn.Close()
			if want := s.server.Lean(); tlsLean != want || h2cLean != want {
				t.Errorf("the lean server served TLS %v, h2c %v; want %v", tlsLean, h2cLean, want)
			}
		})
	}
}

// leanH2Serving reports whether a lean HTTP/2 connection is being served.
func leanH2Serving() bool {
	var b strings.Builder
	_ = pprof.Lookup("goroutine").WriteTo(&b, 1)
	return strings.Contains(b.String(), "proxy.(*h2Conn).serve")
}

// TestH2GracefulShutdown: a proxy that shuts down sends its HTTP/2
// clients GOAWAY (NO_ERROR) naming the streams it will still serve, and
// serves them.
func TestH2GracefulShutdown(t *testing.T) {
	t.Parallel()
	forH2Servers(t, func(t *testing.T, server model.HTTP2Server) {
		hold := make(chan struct{})
		b := startRawBackend(t, func(req *http.Request) string {
			if req.URL.Path == "/hold" {
				<-hold
			}
			return "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
		})
		p := startProxyWith(t, oneBackend(b.addr), Options{
			Listeners: []model.ListenerSpec{{Name: "public", Address: "127.0.0.1:0", H2C: true, HTTP2Server: server}},
		})
		c := dialH2(t, p.addr)
		c.headers(1, true, h2Request("GET", "/hold")...)
		waitFor(t, "the request to reach the backend", func() bool { return len(allRequests(b.snapshot())) == 1 })
		go p.stop()
		for {
			f, err := c.fr.ReadFrame()
			if err != nil {
				t.Fatalf("no GOAWAY: %v", err)
			}
			if ga, ok := f.(*http2.GoAwayFrame); ok {
				if ga.ErrCode != http2.ErrCodeNo || ga.LastStreamID < 1 {
					t.Fatalf("GOAWAY %v, last stream %d; want NO_ERROR, at least 1", ga.ErrCode, ga.LastStreamID)
				}
				break
			}
		}
		close(hold)
		if o := c.await(1); o.status != http.StatusOK || o.body != "ok" {
			t.Errorf("the stream in flight got %v, want 200 ok", o)
		}
		if !c.closedWithin(hostileDeadline) {
			t.Error("the connection stayed open after its last stream")
		}
	})
}

// TestH2StreamedResponseAndTrailers: a handler's flushes reach the client
// as it makes them, and trailers follow the body (gRPC's shape), on each
// server, driven frame by frame.
func TestH2StreamedResponseAndTrailers(t *testing.T) {
	t.Parallel()
	forH2Servers(t, func(t *testing.T, server model.HTTP2Server) {
		b := startRawBackend(t, func(req *http.Request) string {
			return "HTTP/1.1 200 OK\r\nTrailer: Grpc-Status\r\nTransfer-Encoding: chunked\r\n\r\n" +
				"3\r\none\r\n0\r\nGrpc-Status: 7\r\n\r\n"
		})
		p := startProxyWith(t, oneBackend(b.addr), Options{
			Listeners: []model.ListenerSpec{{Name: "public", Address: "127.0.0.1:0", H2C: true, HTTP2Server: server}},
		})
		c := dialH2(t, p.addr)
		c.headers(1, true, h2Request("POST", "/pkg.Service/Call", "content-type", "application/grpc")...)
		dec := hpack.NewDecoder(4096, nil)
		var trailer, body string
		for done := false; !done; {
			f, err := c.fr.ReadFrame()
			if err != nil {
				t.Fatal(err)
			}
			switch f := f.(type) {
			case *http2.DataFrame:
				body += string(f.Data())
				done = f.StreamEnded()
			case *http2.HeadersFrame:
				fields, err := dec.DecodeFull(f.HeaderBlockFragment())
				if err != nil {
					t.Fatal(err)
				}
				if f.StreamEnded() {
					for _, hf := range fields {
						if hf.Name == "grpc-status" {
							trailer = hf.Value
						}
					}
					done = true
				}
			case *http2.RSTStreamFrame:
				t.Fatalf("RST_STREAM %v", f.ErrCode)
			}
		}
		if body != "one" || trailer != "7" {
			t.Errorf("body %q, trailer grpc-status %q; want one and 7", body, trailer)
		}
	})
}
