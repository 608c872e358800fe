package proxy

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/firsthop/firsthop/model"
)

// fastAndStd starts one proxy with two listeners in front of backend:
// "fast" (plain HTTP/1.1: the fast loop) and "std" (h2c enabled, so
// net/http's server serves every request), and returns their addresses.
func fastAndStd(t *testing.T, backend netip.AddrPort) (fast, std string) {
	t.Helper()
	p := startProxyWith(t, oneBackend(backend), Options{Listeners: []model.ListenerSpec{
		{Name: "fast", Address: "127.0.0.1:0"},
		{Name: "std", Address: "127.0.0.1:0", H2C: true},
	}})
	if p.srv.listeners["fast"].fast == nil || p.srv.listeners["std"].fast != nil {
		t.Fatal("listener setup: want the fast loop on fast only")
	}
	return p.addr, p.srv.Addr("std").String()
}

// fastStdPair is a listener the fast loop serves and one net/http's server
// serves alone, alike in all else, as ways to open a connection to each.
type fastStdPair struct {
	name      string
	fast, std func(t *testing.T) net.Conn
}

// fastStdPairs starts, in front of backend, the pair of fastAndStd (in the
// clear) and the same over TLS (both with a certificate for app.test).
func fastStdPairs(t *testing.T, backend netip.AddrPort) []fastStdPair {
	t.Helper()
	fast, std := fastAndStd(t, backend)
	fastTLS, stdTLS := tlsFastAndStd(t, backend)
	return []fastStdPair{
		{"clear", tcpDialer(fast), tcpDialer(std)},
		{"TLS", tlsDialer(fastTLS, "http/1.1"), tlsDialer(stdTLS, "http/1.1")},
	}
}

// tlsFastAndStd is fastAndStd over TLS: "fast" is a TLS listener, "std"
// one with h2c enabled too (which keeps the fast loop off it).
func tlsFastAndStd(t *testing.T, backend netip.AddrPort) (fast, std string) {
	t.Helper()
	spec := oneBackend(backend)
	spec.Certificates = []model.Certificate{{Cert: selfSigned(t, "app.test")}}
	p := startProxyWith(t, spec, Options{Listeners: []model.ListenerSpec{
		{Name: "fast", Address: "127.0.0.1:0", TLS: true},
		{Name: "std", Address: "127.0.0.1:0", TLS: true, H2C: true},
	}})
	if p.srv.listeners["fast"].fast == nil || p.srv.listeners["std"].fast != nil {
		t.Fatal("listener setup: want the fast loop on fast only")
	}
	return p.addr, p.srv.Addr("std").String()
}

func tcpDialer(addr string) func(t *testing.T) net.Conn {
	return func(t *testing.T) net.Conn {
		t.Helper()
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
}

// tlsDialer opens TLS connections to addr for app.test, offering the
// protocols by ALPN.
func tlsDialer(addr string, protocols ...string) func(t *testing.T) net.Conn {
	return func(t *testing.T) net.Conn {
		t.Helper()
		d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: 5 * time.Second}, Config: &tls.Config{
			ServerName: "app.test", InsecureSkipVerify: true, //nolint:gosec // test certificates are self-signed
			NextProtos: protocols,
		}}
		c, err := d.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
}

// exchangeRaw sends raw on a new connection and returns the response with
// its body and trailers read, the Date field dropped (it differs).
type rawResult struct {
	Status  int
	Proto   string
	Header  http.Header
	Body    string
	Trailer http.Header
	Err     string // no (final) response
}

func exchangeRaw(t *testing.T, addr, raw, method string) rawResult {
	t.Helper()
	return exchangeOn(t, tcpDialer(addr)(t), raw, method)
}

// exchangeOn is exchangeRaw on c, which it closes.
func exchangeOn(t *testing.T, c net.Conn, raw, method string) rawResult {
	t.Helper()
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(method, "http://x/", nil)
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		return rawResult{Err: "no response"}
	}
	for resp.StatusCode < 200 {
		if resp, err = http.ReadResponse(br, req); err != nil {
			return rawResult{Err: "no final response"}
		}
	}
	// A body cut by a reset rather than a close is the same answer: which
	// one a client sees after an error response depends on whether
	// unread request bytes were left in the socket.
	body, _ := io.ReadAll(resp.Body)
	res := rawResult{Status: resp.StatusCode, Proto: resp.Proto, Header: resp.Header, Body: string(body), Trailer: resp.Trailer}
	res.Header.Del("Date")
	return res
}

func TestFastLoopAnswersAsNetHTTP(t *testing.T) {
	t.Parallel()
	responses := map[string]string{
		"/length":   "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello",
		"/no-type":  "HTTP/1.1 200 OK\r\nContent-Length: 15\r\n\r\n<html>hi</html>",
		"/chunked":  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
		"/big":      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000\r\n" + strings.Repeat("b", 4096) + "\r\n0\r\n\r\n",
		"/trailers": "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n2\r\nok\r\n0\r\nX-Sum: 42\r\n\r\n",
		"/extra":    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-Late: 1\r\n\r\n",
		"/204":      "HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n",
		"/304":      "HTTP/1.1 304 Not Modified\r\nContent-Type: text/plain\r\nContent-Length: 10\r\nEtag: \"x\"\r\n\r\n",
		"/head":     "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\n",
		"/hints":    "HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
		"/500":      "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\noops",
		"/odd":      "HTTP/1.1 299 Odd\r\nContent-Length: 0\r\n\r\n",
		"/close":    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
		"/eof":      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close",
		"/empty":    "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
		"/bad":      "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx",
	}
	sb := startScriptBackend(t, func(c net.Conn, _ *bufio.Reader, r *http.Request, _ []byte) {
		io.WriteString(c, responses[r.URL.Path])
		if r.URL.Path == "/eof" {
			c.Close()
		}
	})
	pairs := fastStdPairs(t, sb.addr)
	requests := []struct{ method, path, extra string }{
		{"GET", "/length", ""}, {"GET", "/no-type", ""}, {"GET", "/chunked", ""}, {"GET", "/big", ""},
		{"GET", "/trailers", "TE: trailers\r\n"}, {"GET", "/extra", "TE: trailers\r\n"},
		{"GET", "/204", ""}, {"GET", "/304", ""}, {"HEAD", "/head", ""}, {"GET", "/hints", ""},
		{"GET", "/500", ""}, {"GET", "/odd", ""}, {"GET", "/close", "Connection: close\r\n"},
		{"GET", "/eof", ""}, {"GET", "/empty", ""}, {"GET", "/bad", ""},
		{"DELETE", "/length", ""}, {"OPTIONS", "/length", ""},
	}
	for _, pair := range pairs {
		for _, rq := range requests {
			t.Run(pair.name+"/"+rq.method+rq.path, func(t *testing.T) {
				raw := rq.method + " " + rq.path + " HTTP/1.1\r\nHost: app.test\r\n" + rq.extra + "\r\n"
				got, want := exchangeOn(t, pair.fast(t), raw, rq.method), exchangeOn(t, pair.std(t), raw, rq.method)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("fast loop:\n  %+v\nnet/http:\n  %+v", got, want)
				}
			})
		}
	}
}

func TestFastLoopHandsOverWhatItDoesNotServe(t *testing.T) {
	t.Parallel()
	sb := startScriptBackend(t, func(c net.Conn, _ *bufio.Reader, r *http.Request, body []byte) {
		b := r.Method + " " + r.URL.RequestURI() + " " + string(body)
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(b), b)
	})
	pairs := fastStdPairs(t, sb.addr)
	requests := map[string]string{
		"body":          "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\ndata",
		"chunked body":  "POST /p HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n4\r\ndata\r\n0\r\n\r\n",
		"HTTP/1.0":      "GET /old HTTP/1.0\r\nHost: a\r\n\r\n",
		"expect":        "PUT /e HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\nok",
		"upgrade":       "GET /u HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n",
		"absolute form": "GET http://a/abs HTTP/1.1\r\nHost: a\r\n\r\n",
		"no host":       "GET /nohost HTTP/1.1\r\n\r\n",
		"two hosts":     "GET /h HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
		"bad host":      "GET /h HTTP/1.1\r\nHost: a b\r\n\r\n",
		"bad field":     "GET /f HTTP/1.1\r\nHost: a\r\nX: a\x01b\r\n\r\n",
		"conn option":   "GET /c HTTP/1.1\r\nHost: a\r\nConnection: X-Opt\r\nX-Opt: 1\r\n\r\n",
		"long head":     "GET /long HTTP/1.1\r\nHost: a\r\nX-Long: " + strings.Repeat("v", 5000) + "\r\n\r\n",
		"too long head": "GET /long HTTP/1.1\r\nHost: a\r\nX-Long: " + strings.Repeat("v", 70<<10) + "\r\n\r\n",
		"garbage":       "NOT HTTP AT ALL\r\n\r\n",
		"bad version":   "GET / HTTP/2.0\r\nHost: a\r\n\r\n",
		"leading CRLF":  "\r\nGET /lead HTTP/1.1\r\nHost: a\r\n\r\n",
		"options star":  "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
	}
	for _, pair := range pairs {
		for name, raw := range requests {
			t.Run(pair.name+"/"+name, func(t *testing.T) {
				method := strings.Fields(strings.TrimSpace(raw) + " GET")[0]
				got, want := exchangeOn(t, pair.fast(t), raw, method), exchangeOn(t, pair.std(t), raw, method)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("fast loop:\n  %+v\nnet/http:\n  %+v", got, want)
				}
			})
		}
	}
}

// TestFastLoopHandOverMidConnection: a connection served by the fast loop
// and then handed over keeps its order and every byte, pipelined ones
// included.
func TestFastLoopHandOverMidConnection(t *testing.T) {
	t.Parallel()
	sb := startScriptBackend(t, func(c net.Conn, _ *bufio.Reader, r *http.Request, body []byte) {
		b := r.Method + " " + r.URL.Path + " " + string(body)
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(b), b)
	})
	fast, _ := fastAndStd(t, sb.addr)
	c, err := net.Dial("tcp", fast)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	// All in one write: two fast requests, a POST the loop hands over,
	// and one more GET that net/http then serves.
	io.WriteString(c, "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n"+
		"POST /3 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"+
		"GET /4 HTTP/1.1\r\nHost: a\r\n\r\n")
	br := bufio.NewReader(c)
	for _, want := range []string{"GET /1 ", "GET /2 ", "POST /3 hello", "GET /4 "} {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("waiting for %q: %v", want, err)
		}
		body, _ := io.ReadAll(resp.Body)
		if string(body) != want {
			t.Errorf("got %q, want %q", body, want)
		}
	}
}

func TestFastLoopTimeouts(t *testing.T) {
	t.Parallel()
	p := startProxyWith(t, oneBackend(echoBackend(t)), Options{Listeners: []model.ListenerSpec{{Name: "public", Address: "127.0.0.1:0",
		ReadHeaderTimeout: 100 * time.Millisecond, IdleTimeout: 200 * time.Millisecond}}})
	closedWithin := func(c net.Conn, d time.Duration) bool {
		_ = c.SetReadDeadline(time.Now().Add(d))
		_, err := io.Copy(io.Discard, c)
		ne, ok := err.(net.Error)
		return err == nil || !(ok && ne.Timeout())
	}
	silent, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	if !closedWithin(silent, 5*time.Second) {
		t.Error("a connection sending nothing outlived the header timeout")
	}
	idle, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	io.WriteString(idle, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	if resp, err := http.ReadResponse(bufio.NewReader(idle), nil); err != nil || resp.StatusCode != 200 {
		t.Fatalf("first request: %v %v", resp, err)
	}
	if !closedWithin(idle, 5*time.Second) {
		t.Error("an idle keep-alive connection outlived the idle timeout")
	}
}

func TestFastLoopDrain(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	slow := serveHTTPBackend(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			<-release
		}
		io.WriteString(w, "done")
	}))
	addr, cancel, done := serveForDrain(t, slow)
	idle, _ := net.Dial("tcp", addr)
	defer idle.Close()
	io.WriteString(idle, "GET /fast HTTP/1.1\r\nHost: a\r\n\r\n")
	idleBR := bufio.NewReader(idle)
	resp, err := http.ReadResponse(idleBR, nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("idle connection's request: %v %v", resp, err)
	}
	io.Copy(io.Discard, resp.Body)
	busy, _ := net.Dial("tcp", addr)
	defer busy.Close()
	io.WriteString(busy, "GET /slow HTTP/1.1\r\nHost: a\r\n\r\n")
	time.Sleep(100 * time.Millisecond)
	cancel()
	// The idle connection is closed at once ...
	_ = idle.SetReadDeadline(time.Now().Add(3 * time.Second))
	if _, err := idleBR.ReadByte(); err == nil {
		t.Error("idle connection still open after shutdown began")
	}
	// ... the busy one gets its answer, marked as the last.
	close(release)
	_ = busy.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err = http.ReadResponse(bufio.NewReader(busy), nil)
	if err != nil {
		t.Fatal(err)
	}
	if body, _ := io.ReadAll(resp.Body); string(body) != "done" || !resp.Close {
		t.Errorf("busy connection's answer %q, close %v; want done, closing", body, resp.Close)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return")
	}
}

// serveForDrain serves one plain listener proxying to backend, with a
// grace period of 5 s; cancel starts the drain, and done receives what
// Serve returns.
func serveForDrain(t *testing.T, backend netip.AddrPort) (addr string, cancel context.CancelFunc, done <-chan error) {
	t.Helper()
	srv := NewServer(Options{Logger: quietLogger(), GracePeriod: 5 * time.Second,
		Listeners: []model.ListenerSpec{{Name: "public", Address: "127.0.0.1:0"}}})
	if err := srv.Apply(oneBackend(backend)); err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx) }()
	return srv.Addr("public").String(), cancel, served
}

func TestFastLoopDrainAnswersWhatItCannotHandOver(t *testing.T) {
	t.Parallel()
	backend := serveHTTPBackend(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "done") }))
	addr, cancel, done := serveForDrain(t, backend)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	time.Sleep(50 * time.Millisecond) // accepted, its first request not yet sent
	cancel()
	time.Sleep(100 * time.Millisecond) // net/http's server has shut down
	// A request with a body is net/http's to serve, which has stopped:
	// the client is told to go elsewhere rather than cut off.
	io.WriteString(c, "POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi")
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer during the drain: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusServiceUnavailable || !resp.Close || string(body) != "firsthop: shutting down, retry\n" {
		t.Errorf("got %d %q (close %v), want 503 and a closing connection", resp.StatusCode, body, resp.Close)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return")
	}
}

// TestFastLoopHandOverKeepsTheHeaderDeadline: a head longer than the fast
// loop's buffer goes to net/http once the buffer is full; the read-header
// timeout still counts from its first byte, not again from the hand-over.
func TestFastLoopHandOverKeepsTheHeaderDeadline(t *testing.T) {
	t.Parallel()
	const timeout = time.Second
	p := startProxyWith(t, oneBackend(echoBackend(t)), Options{Listeners: []model.ListenerSpec{{Name: "public", Address: "127.0.0.1:0",
		ReadHeaderTimeout: timeout}}})
	c, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: a\r\nX-Long: "+strings.Repeat("a", 3950))
	time.Sleep(timeout * 8 / 10)
	// Fill the fast loop's buffer (4 KiB), so net/http reads on, and
	// trickle the rest of a head that never ends.
	io.WriteString(c, strings.Repeat("a", 200))
	for time.Since(start) < 4*timeout {
		if _, err := c.Write([]byte("a")); err != nil {
			break
		}
		_ = c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		if _, err := c.Read(make([]byte, 1)); err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				continue // still open
			}
		}
		break // closed, or answered (a 431 or 408 and then closed)
	}
	if d := time.Since(start); d > timeout*16/10 {
		t.Errorf("a trickled head outlived the read-header timeout of %v: open for %v", timeout, d.Round(10*time.Millisecond))
	}
}

// TestFastLoopDeadlinesLeftArmed: the loop leaves a read deadline armed
// while a request is served when the head needed no read (see
// fastConn.serve). Neither may end a connection or an exchange before its
// own timeout: the first request's header deadline must not bound the
// idle wait that follows, and the idle deadline must not cut off a
// backend slower than it.
func TestFastLoopDeadlinesLeftArmed(t *testing.T) {
	t.Parallel()
	const short = 150 * time.Millisecond
	get := func(t *testing.T, c net.Conn, br *bufio.Reader) {
		t.Helper()
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: a\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("no response: %v", err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
	}
	dial := func(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
		t.Helper()
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c, bufio.NewReader(c)
	}
	t.Run("idle for longer than the header timeout", func(t *testing.T) {
		t.Parallel()
		p := startProxyWith(t, oneBackend(echoBackend(t)), Options{Listeners: []model.ListenerSpec{{Name: "public", Address: "127.0.0.1:0",
			ReadHeaderTimeout: short, IdleTimeout: 10 * time.Second}}})
		c, br := dial(t, p.addr)
		get(t, c, br)
		time.Sleep(3 * short) // idle for longer than the header timeout
		get(t, c, br)
	})
	t.Run("backend slower than the idle timeout", func(t *testing.T) {
		t.Parallel()
		slow := serveHTTPBackend(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(4 * short)
			io.WriteString(w, "late")
		}))
		p := startProxyWith(t, oneBackend(slow), Options{Listeners: []model.ListenerSpec{{Name: "public", Address: "127.0.0.1:0",
			IdleTimeout: short}}})
		c, br := dial(t, p.addr)
		get(t, c, br) // the idle deadline is armed from here on
		get(t, c, br)
	})
}

// TestFastEligibleConnection checks which Connection values the fast loop
// serves itself: a list of nothing but keep-alive and close, split as
// every comma list of the data plane is (h1.NextElement: only spaces and
// tabs around an element), so that the loop and the handler read the
// same list. Anything else goes to net/http.
func TestFastEligibleConnection(t *testing.T) {
	cases := []struct {
		value string
		fast  bool
	}{
		{"keep-alive", true},
		{"close", true},
		{"Keep-Alive , CLOSE", true},
		{" \tclose\t", true},
		{"keep-alive,,", true},
		{"upgrade", false},
		{"keep-alive, X-Drop", false},
		{"keep-alive\u00a0", false}, // no-break space is not whitespace in a list
		{"\u0085close", false},
	}
	for _, c := range cases {
		req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(
			"GET / HTTP/1.1\r\nHost: app.test\r\nConnection: " + c.value + "\r\n\r\n")))
		if err != nil {
			t.Fatalf("%q: %v", c.value, err)
		}
		if got := fastEligible(req); got != c.fast {
			t.Errorf("Connection: %q: fast %v, want %v", c.value, got, c.fast)
		}
	}
}
