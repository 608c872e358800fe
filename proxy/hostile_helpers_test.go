package proxy

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/listen"
)

// This file holds what the hostile_*_test.go files share: a raw TCP backend
// that records every byte the proxy sends it, and helpers to speak raw bytes
// to the proxy.

// hostileDeadline bounds every blocking step of a hostile test. It is a
// safety net against hangs; no test waits it out when firsthop behaves.
const hostileDeadline = 10 * time.Second

// seenRequest is one request a rawBackend parsed on an upstream connection.
type seenRequest struct {
	Method, URI, Proto string
	Host               string
	Header             http.Header
	Body               []byte
	Trailer            http.Header
}

// rawConn is what one upstream connection carried.
type rawConn struct {
	raw      bytes.Buffer  // every byte received, in order
	requests []seenRequest // as parsed, in order
	parseErr error         // the first error other than a clean end of stream
	cutBody  bool          // parseErr is the last request's body ending early
	tunneled []byte        // bytes received after a 101 answer
	closed   bool          // the proxy closed (or reset) the connection
}

// rawBackend is a TCP listener standing in for a backend. It parses each
// upstream connection with http.ReadRequest, records every byte and every
// request, and answers each request with respond (by default a 200 whose
// body names the request's path). It exists so that a test can assert that
// the backend received exactly the requests firsthop parsed, framed as
// firsthop parsed them, and not one byte more.
type rawBackend struct {
	addr netip.AddrPort
	// respond returns the raw bytes answering req; nil means the default.
	// An answer starting "HTTP/1.1 101" switches the connection to a tunnel
	// whose later bytes are recorded in rawConn.tunneled.
	respond func(req *http.Request) string

	// stop closes the listener and every connection and waits until
	// they are served (see serveTCPBackend).
	stop  func()
	mu    sync.Mutex
	conns []*rawConn
}

// startRawBackend starts a rawBackend on 127.0.0.1 and stops it, closing
// every connection, when the test ends.
func startRawBackend(t testing.TB, respond func(req *http.Request) string) *rawBackend {
	t.Helper()
	b := &rawBackend{respond: respond}
	b.addr, b.stop = serveTCPBackend(t, func(c net.Conn) {
		rc := &rawConn{}
		b.mu.Lock()
		b.conns = append(b.conns, rc)
		b.mu.Unlock()
		b.serve(c, rc)
	})
	return b
}

// recordingReader copies what is read into the rawConn under the
// backend's lock.
type recordingReader struct {
	b  *rawBackend
	rc *rawConn
	r  io.Reader
}

func (r recordingReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.b.mu.Lock()
	r.rc.raw.Write(p[:n])
	r.b.mu.Unlock()
	return n, err
}

func (b *rawBackend) serve(c net.Conn, rc *rawConn) {
	defer func() {
		c.Close()
		b.mu.Lock()
		rc.closed = true
		b.mu.Unlock()
	}()
	// Longer than settle waits: an upstream connection firsthop leaves
	// open must fail the test, not end by this deadline.
	_ = c.SetDeadline(time.Now().Add(3 * hostileDeadline))
	br := bufio.NewReader(recordingReader{b: b, rc: rc, r: c})
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			if !errors.Is(err, io.EOF) && !isConnClosed(err) {
				b.setErr(rc, err)
			}
			return
		}
		body, err := io.ReadAll(req.Body)
		seen := seenRequest{
			Method: req.Method, URI: req.RequestURI, Proto: req.Proto, Host: req.Host,
			Header: req.Header, Body: body, Trailer: req.Trailer,
		}
		b.mu.Lock()
		rc.requests = append(rc.requests, seen)
		b.mu.Unlock()
		if err != nil {
			b.setErr(rc, fmt.Errorf("reading the body of %s %s: %w", req.Method, req.RequestURI, err))
			b.mu.Lock()
			rc.cutBody = true
			b.mu.Unlock()
			return
		}
		answer := fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s",
			len("seen "+req.URL.Path), "seen "+req.URL.Path)
		if b.respond != nil {
			answer = b.respond(req)
		}
		if _, err := io.WriteString(c, answer); err != nil {
			return
		}
		if strings.HasPrefix(answer, "HTTP/1.1 101") {
			rest, _ := io.ReadAll(br)
			b.mu.Lock()
			rc.tunneled = rest
			b.mu.Unlock()
			return
		}
	}
}

func (b *rawBackend) setErr(rc *rawConn, err error) {
	b.mu.Lock()
	if rc.parseErr == nil {
		rc.parseErr = err
	}
	b.mu.Unlock()
}

// close stops the backend: no more connections, and those open closed.
func (b *rawBackend) close() { b.stop() }

// isConnClosed reports whether err says the connection was closed or reset
// under the reader, which ends a connection as cleanly as end of file.
func isConnClosed(err error) bool {
	return errors.Is(err, net.ErrClosed) || errors.Is(err, syscall.ECONNRESET)
}

// snapshot returns a copy of what every upstream connection carried so far.
func (b *rawBackend) snapshot() []rawConn {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]rawConn, len(b.conns))
	for i, c := range b.conns {
		out[i] = rawConn{requests: slices.Clone(c.requests), parseErr: c.parseErr, cutBody: c.cutBody,
			tunneled: slices.Clone(c.tunneled), closed: c.closed}
		out[i].raw.Write(c.raw.Bytes())
	}
	return out
}

// requests returns every request the backend parsed, over all connections.
func (b *rawBackend) requests() []seenRequest {
	var out []seenRequest
	for _, c := range b.snapshot() {
		out = append(out, c.requests...)
	}
	return out
}

// settle stops p (its drain closes the idle upstream connections), waits
// until every connection the backend accepted has ended, so that what the
// backend recorded is complete, and returns it. A connection that does not
// end within the deadline is still in use: the test fails. It touches no
// internals of the upstream client, so it holds whatever client firsthop
// uses.
func (b *rawBackend) settle(t testing.TB, p *testProxy) []rawConn {
	t.Helper()
	p.stop()
	deadline := time.Now().Add(hostileDeadline)
	for {
		conns := b.snapshot()
		done := true
		for _, c := range conns {
			done = done && c.closed
		}
		if done {
			return conns
		}
		if time.Now().After(deadline) {
			t.Fatalf("an upstream connection is still open %v after the proxy stopped", hostileDeadline)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// dialProxy opens a raw connection to addr, bounded by hostileDeadline and
// closed when the test ends.
func dialProxy(t testing.TB, addr string) *net.TCPConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, hostileDeadline)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(hostileDeadline))
	return c.(*net.TCPConn)
}

// exchanged is one response a raw client read.
type exchanged struct {
	status int
	header http.Header
	body   string
}

// readAll reads responses from c until the proxy closes it or a response
// cannot be parsed, and returns them with the error that ended the reading.
func readAll(c net.Conn) ([]exchanged, error) {
	br := bufio.NewReader(c)
	var out []exchanged
	for {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			return out, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		out = append(out, exchanged{status: resp.StatusCode, header: resp.Header, body: string(body)})
		if err != nil {
			return out, err
		}
	}
}

// sendRaw writes raw on a new connection to addr and returns every response
// read until the proxy closes the connection. raw must make the proxy close
// it: its last request says "Connection: close", or it is malformed. The
// client never half-closes: net/http takes a half-close for a client that
// went away and cancels the request in flight.
func sendRaw(t testing.TB, addr string, raw string) []exchanged {
	t.Helper()
	return exchange(t, dialProxy(t, addr), raw, false)
}

// sendRawThenEOF is sendRaw followed by a half-close, for attacks whose
// end of stream is part of the attack (a body cut short).
func sendRawThenEOF(t testing.TB, addr string, raw string) []exchanged {
	t.Helper()
	return exchange(t, dialProxy(t, addr), raw, true)
}

func exchange(t testing.TB, c *net.TCPConn, raw string, halfClose bool) []exchanged {
	t.Helper()
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatalf("writing the attack: %v", err)
	}
	if halfClose {
		_ = c.CloseWrite()
	}
	got, err := readAll(c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the proxy neither answered nor closed within %v (read %d responses)", hostileDeadline, len(got))
	}
	return got
}

// statuses returns the status codes of rs.
func statuses(rs []exchanged) []int {
	out := make([]int, len(rs))
	for i, r := range rs {
		out[i] = r.status
	}
	return out
}

// identityValues returns every value of every identity header in h (see
// isIdentityHeader), as "Name: value" lines, for assertions and messages.
func identityValues(h http.Header) []string {
	var out []string
	for k, vs := range h {
		if identity, _ := isIdentityHeader(k); identity {
			for _, v := range vs {
				out = append(out, k+": "+v)
			}
		}
	}
	slices.Sort(out)
	return out
}

// wantOnlyClient fails t unless the identity headers in h are exactly
// those firsthop writes for a client at addr reached directly on a
// listener whose port is port: nothing the client claimed survives.
func wantOnlyClient(t testing.TB, h http.Header, client, host, port string) {
	t.Helper()
	want := []string{
		"Forwarded: for=" + client + ";host=" + host + ";proto=http",
		"X-Forwarded-For: " + client,
		"X-Forwarded-Host: " + host,
		"X-Forwarded-Port: " + port,
		"X-Forwarded-Proto: http",
		"X-Real-Ip: " + client,
	}
	if got := identityValues(h); !slices.Equal(got, want) {
		t.Errorf("identity headers at the backend:\n  got  %q\n  want %q", got, want)
	}
}

// portOf returns the port of a host:port address.
func portOf(addr string) string {
	_, port, _ := net.SplitHostPort(addr)
	return port
}

// hostileSetup is the proxy a hostile case runs against: a spec routing
// everything to one raw backend, changed by edit when it is not nil, on a
// listener with PROXY policy pp.
type hostileSetup struct {
	edit    func(*model.TableSpec)
	pp      listen.Policy
	respond func(req *http.Request) string
}

// hostileResult is what one hostile exchange produced.
type hostileResult struct {
	got   []exchanged // the responses the client read
	conns []rawConn   // what every upstream connection carried, complete
	port  string      // the proxy listener's port
}

// run starts a rawBackend and a proxy in front of it, sends raw on one
// connection, and returns what the client read and what the backend
// received, once the proxy has stopped (see settle).
func (s hostileSetup) run(t *testing.T, raw string) hostileResult {
	t.Helper()
	b := startRawBackend(t, s.respond)
	spec := oneBackend(b.addr)
	if s.edit != nil {
		s.edit(&spec)
	}
	p := startProxy(t, spec, s.pp)
	got := sendRaw(t, p.addr, raw)
	return hostileResult{got: got, conns: b.settle(t, p), port: portOf(p.addr)}
}

// wantStatuses fails t unless the client read exactly the statuses want.
func (r hostileResult) wantStatuses(t testing.TB, want ...int) {
	t.Helper()
	if got := statuses(r.got); !slices.Equal(got, want) {
		t.Fatalf("client got statuses %v, want %v", got, want)
	}
}

// allRequests returns every request conns carried, in order.
func allRequests(conns []rawConn) []seenRequest {
	var out []seenRequest
	for _, c := range conns {
		out = append(out, c.requests...)
	}
	return out
}

// onlyRequest returns the one request conns carried, failing t when there
// is not exactly one or when an upstream connection carried anything that
// did not parse as a request.
func onlyRequest(t testing.TB, conns []rawConn) seenRequest {
	t.Helper()
	for _, c := range conns {
		if c.parseErr != nil {
			t.Fatalf("the backend could not parse what the proxy sent: %v\n%q", c.parseErr, c.raw.String())
		}
	}
	reqs := allRequests(conns)
	if len(reqs) != 1 {
		t.Fatalf("the backend received %d requests, want exactly 1: %+v", len(reqs), reqs)
	}
	return reqs[0]
}

// wantNothingForwarded fails t when any byte reached the backend.
func wantNothingForwarded(t testing.TB, conns []rawConn) {
	t.Helper()
	for _, c := range conns {
		if c.raw.Len() > 0 {
			t.Fatalf("the backend received bytes, want none:\n%q", c.raw.String())
		}
	}
}
