package proxy

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/listen"
)

// Class 3 of the hostile catalogue: request smuggling and framing. The
// client writes requests whose length two HTTP parsers could read
// differently. Whatever firsthop makes of them, the backend connection
// must carry exactly the requests firsthop parsed and answered, each
// framed unambiguously, and not one byte of anything else: the raw
// backend parses every upstream byte, and a connection whose bytes do not
// split into whole requests fails the test.
//
// The tests are black-box: raw bytes in at the client side, raw bytes out
// at the backend; they hold whatever upstream client firsthop uses.

const host = "Host: app.test\r\n"

// wantFramedAsParsed fails t unless the backend received exactly the
// requests whose paths are in want, in order, each parsed whole, with no
// byte left over on any upstream connection, and unless every request the
// backend saw whole was answered to the client (the default rawBackend
// answer is "seen PATH").
//
// cut, when not empty, is the path of a request whose body turned out
// malformed after firsthop began forwarding it: its upstream connection
// may carry the start of that request (or nothing), must then end, and
// must carry nothing else. It is not in want and must not be answered.
func wantFramedAsParsed(t testing.TB, r hostileResult, cut string, want ...string) []seenRequest {
	t.Helper()
	var reqs []seenRequest
	for _, c := range r.conns {
		raw := c.raw.String()
		if c.parseErr != nil {
			if cut == "" {
				t.Fatalf("an upstream connection carried bytes that are not whole requests: %v\n%q", c.parseErr, raw)
			}
			// Only the cut request may be cut, and only as the last
			// thing its connection carried.
			n := len(c.requests)
			if n > 0 && c.requests[n-1].URI == cut {
				reqs = append(reqs, c.requests[:n-1]...)
			} else {
				reqs = append(reqs, c.requests...)
			}
			if line, _, _ := strings.Cut(raw, "\r\n"); n == 0 && raw != "" && !strings.HasSuffix(line, " "+cut+" HTTP/1.1") {
				t.Fatalf("an upstream connection ended inside something other than the cut request %s: %v\n%q", cut, c.parseErr, raw)
			}
			continue
		}
		if len(c.requests) == 0 && c.raw.Len() > 0 {
			t.Fatalf("an upstream connection carried bytes but no request: %q", raw)
		}
		reqs = append(reqs, c.requests...)
	}
	var got []string
	for _, q := range reqs {
		got = append(got, q.URI)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("the backend received requests for %q, want %q", got, want)
	}
	var answered []string
	for _, e := range r.got {
		if p, ok := strings.CutPrefix(e.body, "seen "); ok && e.status == http.StatusOK {
			answered = append(answered, p)
		}
	}
	if !slices.Equal(answered, want) {
		t.Errorf("the client was answered for %q, the backend received whole %q", answered, want)
	}
	return reqs
}

type framingCase struct {
	name string
	raw  string
	// statuses the client must read, in order; backend the paths the
	// backend must receive whole, in order; bodies, when not nil, the
	// body of each of those requests; cut the path of a request that may
	// be cut short (see wantFramedAsParsed).
	statuses []int
	backend  []string
	bodies   []string
	cut      string
}

func runFramingCases(t *testing.T, cases []framingCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := hostileSetup{}.run(t, c.raw)
			r.wantStatuses(t, c.statuses...)
			reqs := wantFramedAsParsed(t, r, c.cut, c.backend...)
			for i, want := range c.bodies {
				if got := string(reqs[i].Body); got != want {
					t.Errorf("request %d body at the backend = %q, want %q", i, got, want)
				}
			}
		})
	}
}

// TestHostileFramingLength: conflicting and malformed Content-Length and
// Transfer-Encoding combinations.
func TestHostileFramingLength(t *testing.T) {
	t.Parallel()
	smuggled := "GET /smuggled HTTP/1.1\r\n" + host + "\r\n"
	last := "GET /last HTTP/1.1\r\n" + host + "Connection: close\r\n\r\n"
	runFramingCases(t, []framingCase{
		{
			name: "CL.TE: Transfer-Encoding wins over Content-Length and the rest is parsed as a request of its own",
			raw: "POST /a HTTP/1.1\r\n" + host + "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n" +
				"0\r\n\r\n" + smuggled + last,
			statuses: []int{200, 200, 200}, backend: []string{"/a", "/smuggled", "/last"}, bodies: []string{""},
		},
		{
			name: "TE.CL: a chunked body longer than Content-Length is read as chunked",
			raw: "POST /a HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n" +
				"8\r\nSMUGGLED\r\n0\r\n\r\n" + last,
			statuses: []int{200, 200}, backend: []string{"/a", "/last"}, bodies: []string{"SMUGGLED"},
		},
		{
			name:     "two different Content-Length lines are refused",
			raw:      "POST /a HTTP/1.1\r\n" + host + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!" + last,
			statuses: []int{400},
		},
		{
			name:     "a Content-Length list in one line is refused",
			raw:      "POST /a HTTP/1.1\r\n" + host + "Content-Length: 5, 6\r\n\r\nhello!" + last,
			statuses: []int{400},
		},
		{
			name:     "a signed Content-Length is refused",
			raw:      "POST /a HTTP/1.1\r\n" + host + "Content-Length: +5\r\n\r\nhello" + last,
			statuses: []int{400},
		},
		{
			name:     "a negative Content-Length is refused",
			raw:      "POST /a HTTP/1.1\r\n" + host + "Content-Length: -1\r\n\r\n" + last,
			statuses: []int{400},
		},
		{
			name:     "a hexadecimal Content-Length is refused",
			raw:      "POST /a HTTP/1.1\r\n" + host + "Content-Length: 0x5\r\n\r\nhello" + last,
			statuses: []int{400},
		},
		{
			name:     "a Content-Length that overflows 64 bits is refused",
			raw:      "POST /a HTTP/1.1\r\n" + host + "Content-Length: 18446744073709551621\r\n\r\nhello" + last,
			statuses: []int{400},
		},
		{
			name:     "a Transfer-Encoding other than chunked is refused",
			raw:      "POST /a HTTP/1.1\r\n" + host + "Transfer-Encoding: gzip\r\n\r\n" + last,
			statuses: []int{501},
		},
		{
			name:     "Transfer-Encoding chunked, identity is refused",
			raw:      "POST /a HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked, identity\r\nContent-Length: 5\r\n\r\nhello" + last,
			statuses: []int{501},
		},
		{
			name:     "Transfer-Encoding xchunked is refused",
			raw:      "POST /a HTTP/1.1\r\n" + host + "Transfer-Encoding: xchunked\r\nContent-Length: 5\r\n\r\nhello" + last,
			statuses: []int{501},
		},
		{
			name:     "two Transfer-Encoding lines are refused",
			raw:      "POST /a HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + last,
			statuses: []int{501},
		},
		{
			name:     "Transfer-Encoding with a space before the colon is refused",
			raw:      "POST /a HTTP/1.1\r\n" + host + "Transfer-Encoding : chunked\r\nContent-Length: 5\r\n\r\nhello" + last,
			statuses: []int{400},
		},
		{
			name: "an obs-folded Transfer-Encoding is unfolded and read as chunked",
			raw: "POST /a HTTP/1.1\r\n" + host + "Transfer-Encoding:\r\n chunked\r\nContent-Length: 3\r\n\r\n" +
				"5\r\nhello\r\n0\r\n\r\n" + last,
			statuses: []int{200, 200}, backend: []string{"/a", "/last"}, bodies: []string{"hello"},
		},
		{
			name: "chunked on HTTP/1.0 is not a body: the chunk is parsed as the next request and refused",
			raw: "POST /a HTTP/1.0\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n" +
				"5\r\nhello\r\n0\r\n\r\n" + last,
			statuses: []int{200}, backend: []string{"/a"}, bodies: []string{""},
		},
		{
			name:     "a chunk size with a bare LF is refused",
			raw:      "POST /a HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n" + last,
			statuses: []int{400}, cut: "/a",
		},
		{
			name:     "a chunk size that overflows is refused",
			raw:      "POST /a HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\nfffffffffffffffff1\r\nhello\r\n0\r\n\r\n" + last,
			statuses: []int{400}, cut: "/a",
		},
		{
			name:     "a chunk longer than its size is refused",
			raw:      "POST /a HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n" + last,
			statuses: []int{400}, cut: "/a",
		},
		{
			name: "a chunk extension is dropped, not forwarded",
			raw: "POST /a HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n5;ext=\"GET /smuggled\"\r\nhello\r\n0\r\n\r\n" +
				last,
			statuses: []int{200, 200}, backend: []string{"/a", "/last"}, bodies: []string{"hello"},
		},
		{
			name: "a GET body that looks like a request is forwarded as the body, framed by Content-Length",
			raw: "GET /a HTTP/1.1\r\n" + host + fmt.Sprintf("Content-Length: %d\r\n\r\n", len(smuggled)) + smuggled +
				last,
			statuses: []int{200, 200}, backend: []string{"/a", "/last"}, bodies: []string{smuggled},
		},
		{
			name: "Connection naming Content-Length does not unframe the body",
			raw: "POST /a HTTP/1.1\r\n" + host + "Connection: Content-Length\r\nContent-Length: 5\r\n\r\nhello" +
				last,
			statuses: []int{200, 200}, backend: []string{"/a", "/last"}, bodies: []string{"hello"},
		},
		{
			name: "Connection naming Transfer-Encoding does not unframe the body",
			raw: "POST /a HTTP/1.1\r\n" + host + "Connection: Transfer-Encoding\r\nTransfer-Encoding: chunked\r\n\r\n" +
				"5\r\nhello\r\n0\r\n\r\n" + last,
			statuses: []int{200, 200}, backend: []string{"/a", "/last"}, bodies: []string{"hello"},
		},
		{
			name: "a trailer named Content-Length is not forwarded as a header",
			raw: "POST /a HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\nTrailer: Content-Length\r\n\r\n" +
				"5\r\nhello\r\n0\r\nContent-Length: 50\r\n\r\n" + last,
			statuses: []int{400},
		},
		{
			name: "an undeclared trailer is dropped",
			raw: "POST /a HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n" +
				"5\r\nhello\r\n0\r\nX-Forwarded-For: 6.6.6.6\r\nTransfer-Encoding: chunked\r\n\r\n" + last,
			statuses: []int{200, 200}, backend: []string{"/a", "/last"}, bodies: []string{"hello"},
		},
	})
}

// TestHostileFramingLines: line endings, request lines and header sizes
// that parsers disagree about.
func TestHostileFramingLines(t *testing.T) {
	t.Parallel()
	last := "GET /last HTTP/1.1\r\n" + host + "Connection: close\r\n\r\n"
	runFramingCases(t, []framingCase{
		{
			name:     "bare LF line endings are read as lines and forwarded with CRLF",
			raw:      "GET /a HTTP/1.1\n" + host[:len(host)-2] + "\nX-A: 1\n\n" + last,
			statuses: []int{200, 200}, backend: []string{"/a", "/last"},
		},
		{
			name:     "a bare CR in the request line is refused",
			raw:      "GET /a\rGET /smuggled HTTP/1.1\r\n" + host + "\r\n" + last,
			statuses: []int{400},
		},
		{
			name:     "a bare CR ending a header line is refused",
			raw:      "GET /a HTTP/1.1\r\n" + host + "X-A: 1\rContent-Length: 5\r\n\r\nhello" + last,
			statuses: []int{400},
		},
		{
			name:     "an obs-fold line hiding Content-Length is part of the previous value",
			raw:      "GET /a HTTP/1.1\r\n" + host + "X-A: 1\r\n Content-Length: 5\r\n\r\n" + last,
			statuses: []int{200, 200}, backend: []string{"/a", "/last"}, bodies: []string{""},
		},
		{
			name:     "a header line without a colon is refused",
			raw:      "GET /a HTTP/1.1\r\n" + host + "Content-Length 5\r\n\r\nhello" + last,
			statuses: []int{400},
		},
		{
			name:     "whitespace before the first header line is refused",
			raw:      "GET /a HTTP/1.1\r\n Content-Length: 5\r\n" + host + "\r\nhello" + last,
			statuses: []int{400},
		},
		{
			name:     "two spaces in the request line are refused",
			raw:      "GET  /a HTTP/1.1\r\n" + host + "\r\n" + last,
			statuses: []int{400},
		},
		{
			name:     "a request line with a fourth field is refused",
			raw:      "GET /a HTTP/1.1 GET\r\n" + host + "\r\n" + last,
			statuses: []int{400},
		},
		{
			name:     "an HTTP/0.9 request line is refused",
			raw:      "GET /a\r\n\r\n" + last,
			statuses: []int{400},
		},
		{
			name:     "HTTP/1.2 is served as HTTP/1.1",
			raw:      "GET /a HTTP/1.2\r\n" + host + "\r\n" + last,
			statuses: []int{200, 200}, backend: []string{"/a", "/last"},
		},
		{
			name:     "HTTP/2.0 in an HTTP/1 request line is refused",
			raw:      "GET /a HTTP/2.0\r\n" + host + "\r\n" + last,
			statuses: []int{505},
		},
		{
			name:     "two Host headers are refused",
			raw:      "GET /a HTTP/1.1\r\n" + host + "Host: other.test\r\n\r\n" + last,
			statuses: []int{400},
		},
		{
			name:     "a missing Host on HTTP/1.1 is refused",
			raw:      "GET /a HTTP/1.1\r\nX-A: 1\r\n\r\n" + last,
			statuses: []int{400},
		},
		{
			name:     "a NUL in a header value is refused",
			raw:      "GET /a HTTP/1.1\r\n" + host + "X-A: 1\x00\r\n\r\n" + last,
			statuses: []int{400},
		},
		{
			name:     "headers over the size limit are refused",
			raw:      "GET /a HTTP/1.1\r\n" + host + "X-Big: " + strings.Repeat("a", model.DefaultMaxHeaderBytes+4096) + "\r\n\r\n" + last,
			statuses: []int{431},
		},
		{
			name:     "twenty thousand header lines are refused by the size limit",
			raw:      "GET /a HTTP/1.1\r\n" + host + strings.Repeat("X: 1\r\n", 20000) + "\r\n" + last,
			statuses: []int{431},
		},
		{
			name:     "a thousand header lines within the size limit are forwarded whole",
			raw:      "GET /a HTTP/1.1\r\n" + host + strings.Repeat("X-Many: 1\r\n", 1000) + "\r\n" + last,
			statuses: []int{200, 200}, backend: []string{"/a", "/last"},
		},
		{
			name: "pipelined requests are answered in order and forwarded one by one",
			raw: "GET /one HTTP/1.1\r\n" + host + "\r\nPOST /two HTTP/1.1\r\n" + host + "Content-Length: 3\r\n\r\nabc" +
				"GET /three HTTP/1.1\r\n" + host + "\r\n" + last,
			statuses: []int{200, 200, 200, 200}, backend: []string{"/one", "/two", "/three", "/last"},
			bodies: []string{"", "abc", ""},
		},
	})
}

// TestHostileFramingBlame: a request body that turns out malformed or
// stalls after firsthop began forwarding it is the client's doing. The
// client is told so (4xx), and the endpoint is not held responsible:
// otherwise any client could eject every endpoint of a backend by sending
// a few broken bodies, moving traffic off a node or a zone at will.
func TestHostileFramingBlame(t *testing.T) {
	t.Parallel()
	const failures = 3
	cases := []struct {
		name   string
		body   string // after the headers of a chunked POST
		status int
		listen model.ListenerSpec
	}{
		{"a chunk longer than its size is a 400 and does not count against the endpoint",
			"3\r\nhello\r\n0\r\n\r\n", http.StatusBadRequest, model.ListenerSpec{}},
		{"a chunk with a bad size line is a 400 and does not count against the endpoint",
			"5\nhello\r\n0\r\n\r\n", http.StatusBadRequest, model.ListenerSpec{}},
		{"a body that stalls past the body timeout is a 408 and does not count against the endpoint",
			"5\r\nhe", http.StatusRequestTimeout, model.ListenerSpec{RequestBodyTimeout: 200 * time.Millisecond}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := startRawBackend(t, nil)
			spec := oneBackend(b.addr)
			spec.Backends[0].PassiveHealth = model.PassiveHealth{Failures: failures, Ejection: time.Hour}
			logs := &lockedBuffer{}
			ls := c.listen
			ls.Name, ls.Address = "public", "127.0.0.1:0"
			p := startProxyWith(t, spec, Options{
				Listeners: []model.ListenerSpec{ls},
				Logger:    slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})),
			})
			for range failures {
				conn := dialProxy(t, p.addr)
				fmt.Fprintf(conn, "POST /a HTTP/1.1\r\n%sTransfer-Encoding: chunked\r\n\r\n%s", host, c.body)
				got, _ := readAll(conn)
				conn.Close()
				if s := statuses(got); !slices.Equal(s, []int{c.status}) {
					t.Errorf("client got statuses %v, want [%d]", s, c.status)
				}
			}
			b.settle(t, p)
			if l := logs.String(); strings.Contains(l, "endpoint ejected") || strings.Contains(l, "upstream request failed") {
				t.Errorf("the client's body was held against the endpoint:\n%s", l)
			}
		})
	}
}

// TestHostileFramingHalfClose: a client that half-closes its connection
// is taken by net/http for one that went away. Whatever firsthop then
// does, it must not make up an answer: every response the client reads is
// the backend's or an error firsthop states, never an empty 200.
func TestHostileFramingHalfClose(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, raw string }{
		{"a client that half-closes after a complete request gets the backend's answer or none",
			"GET /a HTTP/1.1\r\n" + host + "\r\n"},
		{"a client that half-closes inside its body gets no fabricated answer",
			"POST /a HTTP/1.1\r\n" + host + "Content-Length: 10\r\n\r\nhello"},
		{"a client that half-closes inside a chunked body gets no fabricated answer",
			"POST /a HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			// The backend answers only once it has the whole request, so
			// that a half-close inside the body can only be answered by
			// firsthop.
			b := startRawBackend(t, nil)
			p := startProxy(t, oneBackend(b.addr), listen.Policy{})
			got := sendRawThenEOF(t, p.addr, c.raw)
			for _, e := range got {
				if e.status == http.StatusOK && e.body != "seen /a" {
					t.Errorf("the client got a 200 the backend never sent: %+v", e)
				}
			}
			b.settle(t, p)
		})
	}
}

// TestHostileFramingResponses: a backend whose answer is framed wrongly
// (or ambiguously) must not have the rest of that answer taken for the
// answer to another request, the same client's or another client's.
func TestHostileFramingResponses(t *testing.T) {
	t.Parallel()
	poison := "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\npoisoned"
	plain := func(body string) string {
		return fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	}
	cases := []struct {
		name string
		bad  string // the answer to /bad
		// status is what the client asking for /bad must get; body, when
		// status is 200, its body.
		status int
		body   string
	}{
		{"bytes after the Content-Length of an answer are not the next answer",
			plain("hello") + poison, http.StatusOK, "hello"},
		{"an answer with Content-Length and chunked is read as chunked",
			"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n" + poison, http.StatusOK, "hello"},
		{"an answer with two Content-Length values is a 502",
			"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 13\r\n\r\nhello" + poison, http.StatusBadGateway, ""},
		{"an answer with a negative Content-Length is a 502",
			"HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\nhello" + poison, http.StatusBadGateway, ""},
		{"an answer with a bare CR in a header is a 502",
			"HTTP/1.1 200 OK\r\nX-A: 1\rContent-Length: 0\r\nContent-Length: 5\r\n\r\nhello" + poison, http.StatusBadGateway, ""},
		{"an unsolicited second answer is not handed to a later request",
			plain("hello") + plain("unsolicited"), http.StatusOK, "hello"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := startRawBackend(t, func(req *http.Request) string {
				if req.URL.Path == "/bad" {
					return c.bad
				}
				return plain("seen " + req.URL.Path)
			})
			p := startProxy(t, oneBackend(b.addr), listen.Policy{})
			got := sendRaw(t, p.addr, "GET /bad HTTP/1.1\r\n"+host+"Connection: close\r\n\r\n")
			switch {
			case len(got) != 1 || got[0].status != c.status:
				t.Fatalf("client got statuses %v for /bad, want [%d]", statuses(got), c.status)
			case c.status == http.StatusOK && got[0].body != c.body:
				t.Errorf("client got body %q for /bad, want %q", got[0].body, c.body)
			}
			// Later requests, from this client and others, may reuse
			// the upstream connection: each must get its own answer.
			for i := range 20 {
				path := fmt.Sprintf("/next-%d", i)
				got := sendRaw(t, p.addr, "GET "+path+" HTTP/1.1\r\n"+host+"Connection: close\r\n\r\n")
				if len(got) != 1 || got[0].status != http.StatusOK || got[0].body != "seen "+path {
					t.Fatalf("request %s after the bad answer got %+v", path, got)
				}
			}
			b.settle(t, p)
		})
	}
}

// startH2CProxy starts a raw backend and a proxy in front of it whose
// listener accepts prior-knowledge h2c.
func startH2CProxy(t *testing.T, server model.HTTP2Server) (*rawBackend, *testProxy) {
	t.Helper()
	b := startRawBackend(t, nil)
	p := startProxyWith(t, oneBackend(b.addr), Options{
		Listeners: []model.ListenerSpec{{Name: "public", Address: "127.0.0.1:0", H2C: true, HTTP2Server: server}},
	})
	return b, p
}

// TestHostileFramingHTTP2: HTTP/2 requests are framed by the protocol,
// but forwarded as HTTP/1.1; fields that mean framing in HTTP/1.1, and
// bytes that would end an HTTP/1.1 line, must not survive the downgrade
// (the H2.TE, H2.CL and CRLF-injection desyncs).
func TestHostileFramingHTTP2(t *testing.T) {
	t.Parallel()
	forH2Servers(t, func(t *testing.T, server model.HTTP2Server) {
		smuggled := "GET /smuggled HTTP/1.1\r\nHost: app.test\r\n\r\n"
		refused := []struct {
			name   string
			fields []string
			data   string // DATA sent after HEADERS, when not empty
			// answered says the request may be forwarded and answered before
			// the violation (in later DATA) is seen; what is forwarded must
			// still not carry it.
			answered bool
		}{
			{"H2.TE: transfer-encoding in an HTTP/2 request is refused",
				h2Request("POST", "/a", "transfer-encoding", "chunked"), "0\r\n\r\n" + smuggled, false},
			{"H2.CL: DATA longer than content-length is refused and never forwarded",
				h2Request("POST", "/a", "content-length", "0"), smuggled, true},
			{"H2.CL: DATA longer than a non-zero content-length is refused and never forwarded",
				h2Request("POST", "/a", "content-length", "4"), "body" + smuggled, true},
			{"H2.CL: DATA shorter than content-length is refused and never forwarded whole",
				h2Request("POST", "/a", "content-length", "10"), "short", true},
			{"a CRLF in a header value is refused",
				h2Request("GET", "/a", "x-a", "1\r\nContent-Length: 40"), "", false},
			{"a bare LF in a header value is refused",
				h2Request("GET", "/a", "x-a", "1\nX-Forwarded-For: 6.6.6.6"), "", false},
			{"a NUL in a header value is refused",
				h2Request("GET", "/a", "x-a", "1\x00"), "", false},
			{"a colon in a header name is refused",
				h2Request("GET", "/a", "x-a:b", "1"), "", false},
			{"an upper-case header name is refused",
				h2Request("GET", "/a", "X-Forwarded-For", "6.6.6.6"), "", false},
			{"a connection header is refused",
				h2Request("GET", "/a", "connection", "x-forwarded-for"), "", false},
			{"a te header other than trailers is refused",
				h2Request("GET", "/a", "te", "chunked"), "", false},
			{"an upgrade header is refused",
				h2Request("GET", "/a", "upgrade", "websocket"), "", false},
			{"a :path with CRLF and a request line is refused",
				h2Request("GET", "/a HTTP/1.1\r\nHost: app.test\r\n\r\n"+smuggled[:len(smuggled)-4]), "", false},
			{"a :method with a space is refused",
				[]string{":method", "GET /smuggled", ":scheme", "http", ":authority", "app.test", ":path", "/a"}, "", false},
			{"a :method with a CRLF is refused",
				[]string{":method", "GET /a HTTP/1.1\r\nHost: app.test\r\n\r\nGET", ":scheme", "http", ":authority", "app.test", ":path", "/smuggled"}, "", false},
			{"an empty :method is refused",
				[]string{":method", "", ":scheme", "http", ":authority", "app.test", ":path", "/a"}, "", false},
			{"an :authority with CRLF is refused",
				[]string{":method", "GET", ":scheme", "http", ":authority", "app.test\r\nX-A: 1", ":path", "/a"}, "", false},
			{"a missing :path is refused",
				[]string{":method", "GET", ":scheme", "http", ":authority", "app.test"}, "", false},
			{"a pseudo-header after a regular header is refused",
				[]string{":method", "GET", ":scheme", "http", "x-a", "1", ":authority", "app.test", ":path", "/a"}, "", false},
		}
		for _, c := range refused {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				b, p := startH2CProxy(t, server)
				h2 := dialH2(t, p.addr)
				h2.headers(1, c.data == "", c.fields...)
				if c.data != "" {
					if err := h2.fr.WriteData(1, true, []byte(c.data)); err != nil {
						t.Fatal(err)
					}
				}
				o := h2.await(1)
				h2.conn.Close()
				if o.status != 0 && (o.status < 400 || o.status >= 500) && !(c.answered && o.status == http.StatusOK) {
					t.Errorf("stream got %v, want it refused as the client's error (RST_STREAM or 4xx)", o)
				}
				// Whatever reached the backend (H2.CL may forward the
				// headers before the excess DATA arrives, and then cut the
				// body) must be requests without the smuggled one.
				for _, rc := range b.settle(t, p) {
					raw := rc.raw.Bytes()
					if rc.parseErr != nil && !(c.answered && rc.cutBody) ||
						bytes.Contains(raw, []byte("/smuggled")) || bytes.Contains(raw, []byte("6.6.6.6")) {
						t.Errorf("the backend received %q (%v)", raw, rc.parseErr)
					}
				}
			})
		}

		t.Run("a space in :path is escaped, not a request-line separator", func(t *testing.T) {
			t.Parallel()
			b, p := startH2CProxy(t, server)
			h2 := dialH2(t, p.addr)
			h2.headers(1, true, h2Request("GET", "/a HTTP/1.1")...)
			o := h2.await(1)
			h2.conn.Close()
			conns := b.settle(t, p)
			if o.status == http.StatusOK {
				if req := onlyRequest(t, conns); req.URI != "/a%20HTTP/1.1" {
					t.Errorf("the backend's request line has URI %q, want the space escaped", req.URI)
				}
			} else {
				wantNothingForwarded(t, conns)
			}
		})
		t.Run("a host header disagreeing with :authority does not choose the Host forwarded", func(t *testing.T) {
			t.Parallel()
			b, p := startH2CProxy(t, server)
			h2 := dialH2(t, p.addr)
			h2.headers(1, true, h2Request("GET", "/a", "host", "evil.test")...)
			o := h2.await(1)
			h2.conn.Close()
			conns := b.settle(t, p)
			if o.status != http.StatusOK {
				wantNothingForwarded(t, conns)
				return
			}
			if req := onlyRequest(t, conns); req.Host != "app.test" || req.Header.Get("X-Forwarded-Host") != "app.test" {
				t.Errorf("the backend got Host %q, X-Forwarded-Host %q; want app.test, the :authority", req.Host, req.Header.Get("X-Forwarded-Host"))
			}
		})
	})
}
