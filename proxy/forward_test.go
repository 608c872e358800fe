package proxy

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/listen"
)

// scriptBackend is an HTTP/1.1 upstream driven by a test: every request it
// reads (with net/http's server parser, so a framing mistake by firsthop
// shows as a parse error or a wrong body) is handed to answer, which
// writes raw bytes back on the connection.
type scriptBackend struct {
	addr   netip.AddrPort
	conns  atomic.Int32 // connections accepted
	mu     sync.Mutex
	reqs   []*http.Request
	bodies []string
	errs   []error
}

func startScriptBackend(t *testing.T, answer func(c net.Conn, br *bufio.Reader, r *http.Request, body []byte)) *scriptBackend {
	t.Helper()
	sb := &scriptBackend{}
	sb.addr, _ = serveTCPBackend(t, func(c net.Conn) {
		sb.conns.Add(1)
		defer c.Close()
		br := bufio.NewReader(c)
		for {
			r, err := http.ReadRequest(br)
			if err != nil {
				if err != io.EOF && !strings.Contains(err.Error(), "closed") && !strings.Contains(err.Error(), "reset") {
					sb.mu.Lock()
					sb.errs = append(sb.errs, err)
					sb.mu.Unlock()
				}
				return
			}
			var body []byte
			if r.Header.Get("Expect") == "" {
				body, err = io.ReadAll(r.Body)
				if err != nil {
					sb.mu.Lock()
					sb.errs = append(sb.errs, err)
					sb.mu.Unlock()
					return
				}
			}
			sb.mu.Lock()
			sb.reqs = append(sb.reqs, r)
			sb.bodies = append(sb.bodies, string(body))
			sb.mu.Unlock()
			answer(c, br, r, body)
		}
	})
	return sb
}

// seen returns the requests the backend parsed and their bodies, failing
// the test if it could not parse something firsthop sent.
func (sb *scriptBackend) seen(t *testing.T) ([]*http.Request, []string) {
	t.Helper()
	reqs, bodies, errs := sb.record()
	for _, err := range errs {
		t.Errorf("backend could not parse what firsthop sent: %v", err)
	}
	return reqs, bodies
}

// record returns what the backend parsed and the errors it met.
func (sb *scriptBackend) record() ([]*http.Request, []string, []error) {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	return append([]*http.Request(nil), sb.reqs...), append([]string(nil), sb.bodies...), append([]error(nil), sb.errs...)
}

// okAnswer answers every request with a 200 naming its path.
func okAnswer(c net.Conn, _ *bufio.Reader, r *http.Request, _ []byte) {
	body := "path=" + r.URL.Path
	fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
}

// leanProxy starts a proxy in front of the backend at addr.
func leanProxy(t *testing.T, addr netip.AddrPort) *testProxy {
	t.Helper()
	return startProxy(t, oneBackend(addr), listen.Policy{})
}

// do sends raw on a new connection and returns the response with its body
// read.
func do(t *testing.T, p *testProxy, raw string) (*http.Response, string) {
	t.Helper()
	resp, err := rawRequest(t, p.addr, nil, raw)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the body: %v", err)
	}
	return resp, string(body)
}

func TestLeanPathReusesOneUpstreamConnection(t *testing.T) {
	t.Parallel()
	sb := startScriptBackend(t, okAnswer)
	p := leanProxy(t, sb.addr)
	c, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	for i := range 20 {
		fmt.Fprintf(c, "GET /r%d HTTP/1.1\r\nHost: app.test\r\n\r\n", i)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		if want := fmt.Sprintf("path=/r%d", i); string(body) != want {
			t.Fatalf("request %d got %q, want %q", i, body, want)
		}
	}
	if n := sb.conns.Load(); n != 1 {
		t.Errorf("20 sequential requests used %d upstream connections, want 1", n)
	}
	sb.seen(t)
}

func TestLeanPathRequestBodies(t *testing.T) {
	t.Parallel()
	sb := startScriptBackend(t, func(c net.Conn, _ *bufio.Reader, r *http.Request, body []byte) {
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	})
	p := leanProxy(t, sb.addr)
	tests := []struct {
		name, raw, body string
		wantTE          []string
		wantCL          int64
		wantTrailer     http.Header
	}{
		{name: "content-length", raw: "POST /cl HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world",
			body: "hello world", wantCL: 11},
		{name: "empty POST", raw: "POST /empty HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", wantCL: 0},
		{name: "chunked", raw: "POST /chunked HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" +
			"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", body: "hello world", wantTE: []string{"chunked"}, wantCL: -1},
		{name: "chunked with trailers", raw: "POST /trailers HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n" +
			"Trailer: X-Sum, X-Forwarded-For\r\n\r\n2\r\nok\r\n0\r\nX-Sum: 42\r\nX-Forwarded-For: 6.6.6.6\r\n\r\n",
			body: "ok", wantTE: []string{"chunked"}, wantCL: -1, wantTrailer: http.Header{"X-Sum": {"42"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := do(t, p, tc.raw)
			if resp.StatusCode != 200 || body != tc.body {
				t.Errorf("got %d %q, want 200 %q", resp.StatusCode, body, tc.body)
			}
		})
	}
	reqs, bodies := sb.seen(t)
	if len(reqs) != len(tests) {
		t.Fatalf("backend saw %d requests, want %d", len(reqs), len(tests))
	}
	for i, tc := range tests {
		r := reqs[i]
		if bodies[i] != tc.body || r.ContentLength != tc.wantCL || strings.Join(r.TransferEncoding, ",") != strings.Join(tc.wantTE, ",") {
			t.Errorf("%s: backend got body %q length %d TE %q, want %q %d %q",
				tc.name, bodies[i], r.ContentLength, r.TransferEncoding, tc.body, tc.wantCL, tc.wantTE)
		}
		if tc.wantTrailer != nil && (r.Trailer.Get("X-Sum") != "42" || r.Trailer.Get("X-Forwarded-For") != "") {
			t.Errorf("%s: backend got trailer %v, want X-Sum only (no identity header in a trailer)", tc.name, r.Trailer)
		}
	}
}

func TestLeanPathExpectContinue(t *testing.T) {
	t.Parallel()
	sb := startScriptBackend(t, func(c net.Conn, br *bufio.Reader, r *http.Request, _ []byte) {
		if r.URL.Path == "/reject" {
			io.WriteString(c, "HTTP/1.1 417 Expectation Failed\r\nContent-Length: 2\r\nConnection: close\r\n\r\nno")
			c.Close()
			return
		}
		io.WriteString(c, "HTTP/1.1 100 Continue\r\n\r\n")
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	})
	p := leanProxy(t, sb.addr)

	c, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	io.WriteString(c, "PUT /accept HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 100 {
		t.Fatalf("before sending the body: %v %v, want 100 Continue", resp, err)
	}
	io.WriteString(c, "data")
	resp, err = http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if body, _ := io.ReadAll(resp.Body); resp.StatusCode != 200 || string(body) != "data" {
		t.Errorf("got %d %q, want 200 data", resp.StatusCode, body)
	}

	resp, body := do(t, p, "PUT /reject HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
	if resp.StatusCode != 417 || body != "no" {
		t.Errorf("rejected expectation: got %d %q, want 417 no", resp.StatusCode, body)
	}
}

func TestLeanPathCutOffUploadNeverReachesTheBackendWhole(t *testing.T) {
	t.Parallel()
	sb := startScriptBackend(t, okAnswer)
	p := leanProxy(t, sb.addr)
	c, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// A body the client announces but does not finish.
	io.WriteString(c, "POST /partial HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nonly-this")
	time.Sleep(100 * time.Millisecond)
	c.Close()
	// A later request gets its own, correct answer.
	resp, body := do(t, p, "GET /after HTTP/1.1\r\nHost: a\r\n\r\n")
	if resp.StatusCode != 200 || body != "path=/after" {
		t.Errorf("after an aborted upload: got %d %q", resp.StatusCode, body)
	}
	// The backend got the start of the body and then the close: a request
	// it cannot complete, never a whole one.
	reqs, _, errs := sb.record()
	for _, r := range reqs {
		if r.URL.Path == "/partial" {
			t.Error("the backend received the cut-off request as a complete one")
		}
	}
	for _, err := range errs {
		if err != io.ErrUnexpectedEOF {
			t.Errorf("backend error %v, want only the cut-off body's unexpected EOF", err)
		}
	}
}

func TestLeanPathEarlyAnswerBeforeTheBody(t *testing.T) {
	t.Parallel()
	// A backend that answers 413 as soon as it has the head, reads no
	// body, and keeps the connection open.
	// The backend's goroutines end before the test does (goleak).
	done := make(chan struct{})
	var accepted atomic.Int32
	addr, stop := serveTCPBackend(t, func(c net.Conn) {
		accepted.Add(1)
		defer c.Close()
		br := bufio.NewReader(c)
		r, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		if r.URL.Path == "/upload" {
			io.WriteString(c, "HTTP/1.1 413 Content Too Large\r\nContent-Length: 3\r\n\r\nbig")
			select {
			case <-done:
			case <-time.After(2 * time.Second):
			}
			return
		}
		okAnswer(c, br, r, nil)
	})
	t.Cleanup(func() { close(done); stop() })
	p := leanProxy(t, addr)
	c, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(c, "POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n", 1<<20)
	go func() { c.Write(make([]byte, 64<<10)) }() // part of the body; the rest never comes
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	if body, _ := io.ReadAll(resp.Body); resp.StatusCode != 413 || string(body) != "big" {
		t.Errorf("early answer: got %d %q, want 413 big", resp.StatusCode, body)
	}
	if resp, body := do(t, p, "GET /next HTTP/1.1\r\nHost: a\r\n\r\n"); resp.StatusCode != 200 || body != "path=/next" {
		t.Errorf("next request: %d %q", resp.StatusCode, body)
	}
	if n := accepted.Load(); n != 2 {
		t.Errorf("%d upstream connections, want 2: one answering early is never reused", n)
	}
}

func TestLeanPathResponseFraming(t *testing.T) {
	t.Parallel()
	responses := map[string]string{
		"/chunked":  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
		"/trailers": "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n2\r\nok\r\n0\r\nX-Sum: 42\r\nX-Extra: 1\r\n\r\n",
		"/declared": "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n2\r\nok\r\n0\r\nX-Sum: 42\r\n\r\n",
		"/204":      "HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n",
		"/304":      "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n",
		"/head":     "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n",
		"/hints":    "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
		"/hop":      "HTTP/1.1 200 OK\r\nConnection: X-Secret\r\nX-Secret: s\r\nKeep-Alive: timeout=5\r\nX-Kept: k\r\nContent-Length: 2\r\n\r\nok",
	}
	sb := startScriptBackend(t, func(c net.Conn, _ *bufio.Reader, r *http.Request, _ []byte) {
		io.WriteString(c, responses[r.URL.Path])
	})
	p := leanProxy(t, sb.addr)
	c, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	get := func(method, path string) (*http.Response, string) {
		fmt.Fprintf(c, "%s %s HTTP/1.1\r\nHost: a\r\nTE: trailers\r\n\r\n", method, path)
		req, _ := http.NewRequest(method, "http://a"+path, nil)
		for {
			resp, err := http.ReadResponse(br, req)
			if err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode == 103 {
				if resp.Header.Get("Link") == "" {
					t.Error("103 without its Link field")
				}
				continue
			}
			return resp, string(body)
		}
	}
	if resp, body := get("GET", "/chunked"); body != "hello" || resp.ContentLength != -1 {
		t.Errorf("chunked: %q length %d", body, resp.ContentLength)
	}
	if resp, body := get("GET", "/trailers"); body != "ok" || resp.Trailer.Get("X-Sum") != "42" || resp.Trailer.Get("X-Extra") != "1" {
		t.Errorf("trailers: %q %v", body, resp.Trailer)
	}
	if resp, body := get("GET", "/declared"); body != "ok" || resp.Trailer.Get("X-Sum") != "42" {
		t.Errorf("declared trailers: %q %v", body, resp.Trailer)
	}
	if resp, body := get("GET", "/204"); resp.StatusCode != 204 || body != "" || resp.Header.Get("X-A") != "1" {
		t.Errorf("204: %d %q %v", resp.StatusCode, body, resp.Header)
	}
	if resp, body := get("GET", "/304"); resp.StatusCode != 304 || body != "" {
		t.Errorf("304: %d %q", resp.StatusCode, body)
	}
	if resp, body := get("HEAD", "/head"); resp.StatusCode != 200 || body != "" || resp.ContentLength != 10 {
		t.Errorf("HEAD: %d %q length %d", resp.StatusCode, body, resp.ContentLength)
	}
	if resp, body := get("GET", "/hints"); resp.StatusCode != 200 || body != "ok" {
		t.Errorf("after 103: %d %q", resp.StatusCode, body)
	}
	if resp, _ := get("GET", "/hop"); resp.Header.Get("X-Secret") != "" || resp.Header.Get("Keep-Alive") != "" || resp.Header.Get("X-Kept") != "k" {
		t.Errorf("hop-by-hop fields passed on: %v", resp.Header)
	}
	if n := sb.conns.Load(); n != 1 {
		t.Errorf("well-framed responses used %d upstream connections, want 1", n)
	}
	sb.seen(t)
}

func TestLeanPathStreamsAChunkedResponse(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	sb := startScriptBackend(t, func(c net.Conn, _ *bufio.Reader, r *http.Request, _ []byte) {
		io.WriteString(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nfirst\n\r\n")
		<-release
		io.WriteString(c, "5\r\nlast\n\r\n0\r\n\r\n")
	})
	p := leanProxy(t, sb.addr)
	c, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, "GET /stream HTTP/1.1\r\nHost: a\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	close(release)
	if err != nil || line != "first\n" {
		t.Fatalf("first chunk %q, %v: not streamed before the backend finished", line, err)
	}
}

func TestLeanPathRefusesMalformedResponses(t *testing.T) {
	t.Parallel()
	// Content-Length with chunked is read as chunked, the connection then
	// closed (RFC 9112 6.3): see TestHostileFramingResponses.
	bad := map[string]string{
		"/two-cl":    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
		"/bad-chunk": "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
		"/fold":      "HTTP/1.1 200 OK\r\nX: a\r\n b\r\nContent-Length: 2\r\n\r\nok",
		"/101":       "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n",
		"/status":    "HTTP/1.1 99 Odd\r\n\r\n",
		"/te-gzip":   "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
		"/too-long":  "HTTP/1.1 200 OK\r\nX: " + strings.Repeat("a", 2<<20) + "\r\n\r\n",
	}
	sb := startScriptBackend(t, func(c net.Conn, _ *bufio.Reader, r *http.Request, _ []byte) {
		if resp, ok := bad[r.URL.Path]; ok {
			io.WriteString(c, resp)
			return
		}
		okAnswer(c, nil, r, nil)
	})
	p := leanProxy(t, sb.addr)
	for path := range bad {
		t.Run(path, func(t *testing.T) {
			resp, err := rawRequest(t, p.addr, nil, "GET "+path+" HTTP/1.1\r\nHost: a\r\n\r\n")
			if path == "/bad-chunk" {
				// The head was fine and has been accepted: as with
				// httputil.ReverseProxy, the response can only be cut
				// short (here before any of it left).
				if err == nil {
					if b, err := io.ReadAll(resp.Body); err == nil {
						t.Errorf("a response with a malformed chunk ended cleanly with %q", b)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			body := string(b)
			if resp.StatusCode != http.StatusBadGateway {
				t.Errorf("got %d %q, want 502", resp.StatusCode, body)
			}
		})
	}
	// Each bad answer broke its connection: the next request is fine.
	if resp, body := do(t, p, "GET /fine HTTP/1.1\r\nHost: a\r\n\r\n"); resp.StatusCode != 200 || body != "path=/fine" {
		t.Errorf("after malformed answers: got %d %q", resp.StatusCode, body)
	}
}

func TestLeanPathNeverLetsOneResponseBleedIntoAnother(t *testing.T) {
	t.Parallel()
	sb := startScriptBackend(t, func(c net.Conn, _ *bufio.Reader, r *http.Request, _ []byte) {
		switch r.URL.Path {
		case "/long":
			// Five bytes more than announced, in the same write...
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nforged")
		case "/later":
			// ... or after it.
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
			time.Sleep(20 * time.Millisecond)
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nforged")
		default:
			okAnswer(c, nil, r, nil)
		}
	})
	p := leanProxy(t, sb.addr)
	for _, first := range []string{"/long", "/later"} {
		do(t, p, "GET "+first+" HTTP/1.1\r\nHost: a\r\n\r\n")
		time.Sleep(50 * time.Millisecond)
		for i := range 3 {
			if resp, body := do(t, p, fmt.Sprintf("GET /next%d HTTP/1.1\r\nHost: a\r\n\r\n", i)); body != fmt.Sprintf("path=/next%d", i) {
				t.Errorf("after %s: request %d got %d %q", first, i, resp.StatusCode, body)
			}
		}
	}
}

func TestLeanPathReplacesConnectionsTheBackendClosed(t *testing.T) {
	t.Parallel()
	// The backend closes every connection right after its answer, without
	// saying so: the pooled connection is stale by the next request.
	sb := startScriptBackend(t, func(c net.Conn, _ *bufio.Reader, r *http.Request, body []byte) {
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(body)+len(r.URL.Path), r.URL.Path+string(body))
		time.Sleep(10 * time.Millisecond)
		c.Close()
	})
	p := leanProxy(t, sb.addr)
	for i := range 5 {
		time.Sleep(30 * time.Millisecond)
		method, body := "GET", ""
		if i%2 == 1 {
			method, body = "POST", "x"
		}
		raw := fmt.Sprintf("%s /r%d HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n%s", method, i, len(body), body)
		if resp, got := do(t, p, raw); resp.StatusCode != 200 || got != fmt.Sprintf("/r%d%s", i, body) {
			t.Errorf("%s after the backend closed the pooled connection: %d %q", method, resp.StatusCode, got)
		}
	}
}

// TestLeanPathSkipsIdleConnectionsTheBackendHalfClosed: a backend that
// ends an idle connection with a lingering close (FIN, then still reading)
// gets no request on it: the connection is checked as the request is
// written and skipped, as Pool.Get skips it, also for a request that may
// not be sent twice.
func TestLeanPathSkipsIdleConnectionsTheBackendHalfClosed(t *testing.T) {
	t.Parallel()
	sb := startScriptBackend(t, func(c net.Conn, br *bufio.Reader, r *http.Request, body []byte) {
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(r.Method)+len(r.URL.Path), r.Method+r.URL.Path)
		c.(*net.TCPConn).CloseWrite()
		time.Sleep(2 * time.Second) // still reading, never answering again
	})
	p := leanProxy(t, sb.addr)
	for i, method := range []string{"GET", "POST", "DELETE", "PATCH"} {
		time.Sleep(30 * time.Millisecond)
		raw := fmt.Sprintf("%s /r%d HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", method, i)
		start := time.Now()
		resp, got := do(t, p, raw)
		if want := fmt.Sprintf("%s/r%d", method, i); resp.StatusCode != 200 || got != want {
			t.Errorf("%s after the backend half-closed the pooled connection: %d %q after %v, want 200 %q",
				method, resp.StatusCode, got, time.Since(start), want)
		}
	}
}

func TestLeanPathAbandonsTheExchangeWhenTheClientLeaves(t *testing.T) {
	t.Parallel()
	closed := make(chan struct{})
	sb := startScriptBackend(t, func(c net.Conn, br *bufio.Reader, r *http.Request, _ []byte) {
		// Never answer; report when firsthop closes the connection.
		_, _ = br.ReadByte()
		close(closed)
	})
	p := leanProxy(t, sb.addr)
	c, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(c, "GET /slow HTTP/1.1\r\nHost: a\r\n\r\n")
	time.Sleep(200 * time.Millisecond)
	c.Close()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("the upstream connection stayed open after the client left")
	}
}

func TestLeanPathHeaders(t *testing.T) {
	t.Parallel()
	sb := startScriptBackend(t, okAnswer)
	p := leanProxy(t, sb.addr)
	do(t, p, "GET /h?a=1&b=2;c=3 HTTP/1.1\r\nHost: app.test\r\nUser-Agent: ua\r\nConnection: keep-alive, X-Drop\r\n"+
		"X-Drop: d\r\nProxy-Authorization: secret\r\nTE: trailers, deflate\r\nX-Keep: k\r\nX-Keep: k2\r\n\r\n")
	reqs, _ := sb.seen(t)
	if len(reqs) != 1 {
		t.Fatalf("backend saw %d requests", len(reqs))
	}
	r := reqs[0]
	var b bytes.Buffer
	r.Header.Write(&b)
	for _, k := range []string{"X-Drop", "Proxy-Authorization", "Connection"} {
		if r.Header.Get(k) != "" {
			t.Errorf("%s passed on:\n%s", k, b.String())
		}
	}
	if r.Header.Get("Te") != "trailers" || r.UserAgent() != "ua" || strings.Join(r.Header["X-Keep"], ",") != "k,k2" || r.Host != "app.test" {
		t.Errorf("end-to-end fields changed:\n%s", b.String())
	}
	if r.URL.RawQuery != "a=1" {
		t.Errorf("query %q, want the unparsable parameter dropped as httputil.ReverseProxy does", r.URL.RawQuery)
	}
}

// TestLeanPathClientBodyFailures: a body the client botches is its error:
// 400 (or 408 past the body timeout), and no count against the endpoint,
// which stays in use however many times it happens.
func TestLeanPathClientBodyFailures(t *testing.T) {
	t.Parallel()
	sb := startScriptBackend(t, func(c net.Conn, _ *bufio.Reader, r *http.Request, body []byte) {
		okAnswer(c, nil, r, nil)
	})
	spec := oneBackend(sb.addr)
	spec.Backends[0].PassiveHealth = model.PassiveHealth{Failures: 2, Ejection: time.Hour}
	p := startProxyWith(t, spec, Options{Listeners: []model.ListenerSpec{{Name: "public", Address: "127.0.0.1:0",
		RequestBodyTimeout: 200 * time.Millisecond}}})
	tests := map[string]struct {
		raw    string
		status int
	}{
		"chunk longer than its size": {"POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n", 400},
		"bad chunk size line":        {"POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", 400},
		"stalls past the timeout":    {"POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nsome", 408},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			for range 3 {
				resp, err := rawRequest(t, p.addr, nil, tc.raw)
				if err != nil {
					t.Fatal(err)
				}
				if resp.StatusCode != tc.status {
					t.Fatalf("got %d, want %d", resp.StatusCode, tc.status)
				}
			}
		})
	}
	if resp, body := do(t, p, "GET /after HTTP/1.1\r\nHost: a\r\n\r\n"); resp.StatusCode != 200 || body != "path=/after" {
		t.Errorf("after the client's failures the endpoint answered %d %q: it was held against it", resp.StatusCode, body)
	}
}

// TestLeanPathClientGoneGetsNoFabricatedAnswer: a client that half-closes
// inside its body is never told 200 by firsthop itself.
func TestLeanPathClientGoneGetsNoFabricatedAnswer(t *testing.T) {
	t.Parallel()
	sb := startScriptBackend(t, okAnswer)
	p := leanProxy(t, sb.addr)
	c, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, "POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nhello")
	c.(*net.TCPConn).CloseWrite()
	if resp, err := http.ReadResponse(bufio.NewReader(c), nil); err == nil && resp.StatusCode == http.StatusOK {
		t.Errorf("got a 200 the backend never sent")
	}
}

func TestLeanPathAbandonsTheExchangeWhenAPipeliningClientLeaves(t *testing.T) {
	t.Parallel()
	closed := make(chan struct{})
	sb := startScriptBackend(t, func(c net.Conn, br *bufio.Reader, r *http.Request, _ []byte) {
		// One chunk, then quiet; report when firsthop closes.
		io.WriteString(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n")
		_, _ = br.ReadByte()
		close(closed)
	})
	p := leanProxy(t, sb.addr)
	c, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	// The first byte of a next request arrives with this one: it sits in
	// firsthop's buffer, and the client's close must still be seen.
	io.WriteString(c, "GET /stream HTTP/1.1\r\nHost: a\r\n\r\nG")
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := resp.Body.Read(make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
	c.Close()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("the upstream connection stayed open after the client left")
	}
}
