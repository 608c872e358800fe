package proxy

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/firsthop/firsthop/model"
)

// fastConnCount returns how many connections the fast loop of listener
// name is serving.
func fastConnCount(p *testProxy, name string) int {
	fs := p.srv.listeners[name].fast
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return len(fs.conns)
}

// TestFastLoopOverTLS: over TLS, the fast loop serves HTTP/1.1 requests
// and hands a connection to net/http at the first it does not serve;
// requests on both sides are known to have come over TLS (proto=https).
func TestFastLoopOverTLS(t *testing.T) {
	t.Parallel()
	sb := startScriptBackend(t, func(c net.Conn, _ *bufio.Reader, r *http.Request, body []byte) {
		b := r.Method + " " + r.URL.Path + " " + string(body) + " | " + r.Header.Get("Forwarded")
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(b), b)
	})
	spec := oneBackend(sb.addr)
	spec.Certificates = []model.Certificate{{Cert: selfSigned(t, "app.test")}}
	p := startProxyWith(t, spec, Options{Listeners: []model.ListenerSpec{{Name: "fast", Address: "127.0.0.1:0", TLS: true}}})

	c := tlsDialer(p.addr, "http/1.1")(t)
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	exchange := func(raw, wantPrefix string) {
		t.Helper()
		if _, err := io.WriteString(c, raw); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("waiting for %q: %v", wantPrefix, err)
		}
		body, _ := io.ReadAll(resp.Body)
		if !strings.HasPrefix(string(body), wantPrefix) || !strings.Contains(string(body), "proto=https") {
			t.Errorf("backend saw %q, want %q... with proto=https", body, wantPrefix)
		}
	}
	exchange("GET /1 HTTP/1.1\r\nHost: app.test\r\n\r\n", "GET /1 ")
	if n := fastConnCount(p, "fast"); n != 1 {
		t.Errorf("after a GET: the fast loop serves %d connections, want 1", n)
	}
	exchange("POST /2 HTTP/1.1\r\nHost: app.test\r\nContent-Length: 5\r\n\r\nhello", "POST /2 hello")
	if n := fastConnCount(p, "fast"); n != 0 {
		t.Errorf("after a POST: the fast loop serves %d connections, want 0 (handed over)", n)
	}
	exchange("GET /3 HTTP/1.1\r\nHost: app.test\r\n\r\n", "GET /3 ")

	// A client that chose HTTP/2 by ALPN is served HTTP/2.
	resp, _ := tlsGet(t, p.addr, "app.test", "app.test", true)
	body, _ := io.ReadAll(resp.Body)
	if resp.ProtoMajor != 2 || !strings.Contains(string(body), "proto=https") {
		t.Errorf("HTTP/2 client: %s, backend saw %q", resp.Proto, body)
	}
}

// TestFastLoopTLSHandshake: the fast loop's handshake answers as net/http's
// does a client speaking plain HTTP, and is bounded by the read-header
// timeout.
func TestFastLoopTLSHandshake(t *testing.T) {
	t.Parallel()
	fast, std := tlsFastAndStd(t, echoBackend(t))
	raw := "GET / HTTP/1.1\r\nHost: app.test\r\n\r\n"
	got, want := exchangeRaw(t, fast, raw, "GET"), exchangeRaw(t, std, raw, "GET")
	if got.Status != http.StatusBadRequest || !reflect.DeepEqual(got, want) {
		t.Errorf("plain HTTP to a TLS listener: fast loop %+v, net/http %+v", got, want)
	}

	spec := oneBackend(echoBackend(t))
	spec.Certificates = []model.Certificate{{Cert: selfSigned(t, "app.test")}}
	p := startProxyWith(t, spec, Options{Listeners: []model.ListenerSpec{
		{Name: "fast", Address: "127.0.0.1:0", TLS: true, ReadHeaderTimeout: 200 * time.Millisecond},
	}})
	c := tcpDialer(p.addr)(t)
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	began := time.Now()
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatal("a silent client got bytes")
	} else if isTimeout(err) {
		t.Fatalf("a silent client's connection still open after %v", time.Since(began))
	}
}

// TestFastLoopTLSDrainClosesHandshakes: a connection still in its TLS
// handshake when the drain begins is closed at once, as net/http closes
// connections it has read no request from.
func TestFastLoopTLSDrainClosesHandshakes(t *testing.T) {
	t.Parallel()
	spec := oneBackend(echoBackend(t))
	spec.Certificates = []model.Certificate{{Cert: selfSigned(t, "app.test")}}
	srv := NewServer(Options{Logger: quietLogger(), GracePeriod: 8 * time.Second,
		Listeners: []model.ListenerSpec{{Name: "public", Address: "127.0.0.1:0", TLS: true}}})
	if err := srv.Apply(spec); err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	c := tcpDialer(srv.Addr("public").String())(t)
	defer c.Close()
	// The server has the connection once it answers a ClientHello; a
	// byte of one keeps it waiting for the rest.
	if _, err := c.Write([]byte{0x16}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	cancel()
	_ = c.SetReadDeadline(time.Now().Add(4 * time.Second))
	if _, err := c.Read(make([]byte, 1)); isTimeout(err) {
		t.Error("a connection in its handshake still open 4 s after the drain began")
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(8 * time.Second):
		t.Fatal("Serve did not return")
	}
}

// TestFastLoopPipelinedRequestNotLost: a request the client sends before
// the previous response (pipelining), while the loop waits on the backend,
// is answered: the response's last write, which waits for the next
// request (awaitConn), cannot miss it for longer than awaitBound. Each
// connection pipelines twice, the second time after the loop has learnt
// that it does. In the clear and over TLS.
func TestFastLoopPipelinedRequestNotLost(t *testing.T) {
	t.Parallel()
	sb := startScriptBackend(t, func(c net.Conn, _ *bufio.Reader, r *http.Request, _ []byte) {
		if r.URL.Path == "/slow" {
			// Slow, but not so slow that the loop starts to watch the
			// client (headWatchAfter), which would read the next request.
			time.Sleep(headWatchAfter * 3 / 4)
		}
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(r.URL.Path), r.URL.Path)
	})
	for _, pair := range fastStdPairs(t, sb.addr) {
		t.Run(pair.name, func(t *testing.T) {
			c := pair.fast(t)
			defer c.Close()
			// Far below the idle timeout that a lost request would wait for.
			_ = c.SetDeadline(time.Now().Add(5 * time.Second))
			br := bufio.NewReader(c)
			for round := range 2 {
				io.WriteString(c, "GET /slow HTTP/1.1\r\nHost: app.test\r\n\r\n")
				// Sent while the loop waits for the backend: the poller sees
				// it before the response is written.
				time.Sleep(headWatchAfter / 4)
				io.WriteString(c, "GET /next HTTP/1.1\r\nHost: app.test\r\n\r\n")
				for _, want := range []string{"/slow", "/next"} {
					resp, err := http.ReadResponse(br, nil)
					if err != nil {
						t.Fatalf("round %d: waiting for %s: %v", round, want, err)
					}
					body, _ := io.ReadAll(resp.Body)
					if string(body) != want {
						t.Fatalf("round %d: got %q, want %q", round, body, want)
					}
				}
			}
		})
	}
}
