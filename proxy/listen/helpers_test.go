package listen

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"
)

// ioDeadline bounds every blocking step a test takes; it is a safety net
// against hangs, never something a test waits out on success.
const ioDeadline = 10 * time.Second

var (
	loopbackTrust = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	// elsewhereTrust excludes loopback: every test client is untrusted.
	elsewhereTrust = []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}
)

// recorder collects the outcomes a Policy's Observe reports.
type recorder struct {
	mu  sync.Mutex
	got []Outcome
}

func (r *recorder) observe(o Outcome) {
	r.mu.Lock()
	r.got = append(r.got, o)
	r.mu.Unlock()
}

func (r *recorder) snapshot() []Outcome {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

// waitFor polls until exactly the outcomes in want (in any order) have been
// reported; it fails the test as soon as as many (or more) but different
// outcomes have arrived, or when the deadline passes.
func (r *recorder) waitFor(t testing.TB, want ...Outcome) {
	t.Helper()
	w := slices.Clone(want)
	slices.Sort(w)
	deadline := time.Now().Add(ioDeadline)
	for {
		got := r.snapshot()
		slices.Sort(got)
		if slices.Equal(got, w) {
			return
		}
		if len(got) >= len(w) || time.Now().After(deadline) {
			t.Fatalf("outcomes: got %v, want %v", got, w)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// testServer is an http.Server over a wrapped loopback listener whose
// handler reports the connection's Info.
type testServer struct {
	addr string
	rec  *recorder
}

// startServer serves on a fresh listener on network ("tcp4" on 127.0.0.1,
// "tcp6" on ::1) with policy p, its Observe replaced by a recorder. The
// server is shut down when the test ends.
func startServer(t *testing.T, network string, p Policy) *testServer {
	t.Helper()
	host := "127.0.0.1:0"
	if network == "tcp6" {
		host = "[::1]:0"
	}
	l, err := net.Listen(network, host)
	if err != nil {
		if network == "tcp6" {
			t.Skipf("no IPv6 loopback: %v", err)
		}
		t.Fatal(err)
	}
	rec := &recorder{}
	p.Observe = rec.observe
	srv := &http.Server{
		Handler:     http.HandlerFunc(infoHandler),
		ConnContext: ConnContext,
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(Wrap(l, p))
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		<-done
	})
	return &testServer{addr: l.Addr().String(), rec: rec}
}

// infoHandler answers with the connection's Info, one field per line.
func infoHandler(w http.ResponseWriter, r *http.Request) {
	c, ok := ConnFromContext(r.Context())
	if !ok {
		http.Error(w, "no conn in context", http.StatusInternalServerError)
		return
	}
	info, err := InfoOf(c)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	fmt.Fprintf(w, "peer=%v\nsource=%v\nvia=%t\n", info.Peer, info.Source, info.ViaProxy)
}

// dial connects to addr, optionally from a given local address, and closes
// the connection when the test ends.
func dial(t *testing.T, network, addr string, from netip.Addr) *net.TCPConn {
	t.Helper()
	d := net.Dialer{Timeout: ioDeadline}
	if from.IsValid() {
		d.LocalAddr = &net.TCPAddr{IP: from.AsSlice()}
	}
	c, err := d.Dial(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	_ = c.SetDeadline(time.Now().Add(ioDeadline))
	return c.(*net.TCPConn)
}

const request = "GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"

// reply is what infoHandler said, or the status of an error response.
type reply struct {
	status int
	body   string
}

// exchange writes prefix followed by a request and reads the response.
func exchange(t *testing.T, c net.Conn, prefix []byte) reply {
	t.Helper()
	if _, err := c.Write(append(slices.Clip(prefix), request...)); err != nil {
		t.Fatalf("write: %v", err)
	}
	return readReply(t, c)
}

func readReply(t *testing.T, c net.Conn) reply {
	t.Helper()
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("reading response: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	return reply{status: resp.StatusCode, body: string(body)}
}

// infoBody is infoHandler's answer for info.
func infoBody(peer, source netip.AddrPort, via bool) string {
	return fmt.Sprintf("peer=%v\nsource=%v\nvia=%t\n", peer, source, via)
}

// localAP is c's local address as the server sees its peer.
func localAP(c net.Conn) netip.AddrPort {
	return normalizeAddrPort(c.LocalAddr().(*net.TCPAddr).AddrPort())
}

// expectClosed asserts that the server closed c without sending anything:
// a read returns end of file or a reset, not data and not a timeout.
func expectClosed(t *testing.T, c net.Conn) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(ioDeadline))
	b := make([]byte, 512)
	n, err := c.Read(b)
	if n > 0 {
		t.Fatalf("got %q from a connection that should have been closed", b[:n])
	}
	if !errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("read: got %v, want EOF or connection reset", err)
	}
}

// v2 builds a PROXY v2 header by hand: verCmd, fam, then the length
// field (which may lie) and payload.
func v2(verCmd, fam byte, length uint16, payload []byte) []byte {
	b := append([]byte(nil), sigV2...)
	b = append(b, verCmd, fam)
	b = binary.BigEndian.AppendUint16(b, length)
	return append(b, payload...)
}

// v2TCP4 is a v2 PROXY TCP4 header from src to dst.
func v2TCP4(src, dst netip.AddrPort, tlvs []byte) []byte {
	var p []byte
	p = append(p, src.Addr().AsSlice()...)
	p = append(p, dst.Addr().AsSlice()...)
	p = binary.BigEndian.AppendUint16(p, src.Port())
	p = binary.BigEndian.AppendUint16(p, dst.Port())
	p = append(p, tlvs...)
	return v2(0x21, 0x11, uint16(len(p)), p)
}

// v2TCP6 is a v2 PROXY TCP6 header from src to dst.
func v2TCP6(src, dst netip.AddrPort) []byte {
	var p []byte
	s, d := src.Addr().As16(), dst.Addr().As16()
	p = append(p, s[:]...)
	p = append(p, d[:]...)
	p = binary.BigEndian.AppendUint16(p, src.Port())
	p = binary.BigEndian.AppendUint16(p, dst.Port())
	return v2(0x21, 0x21, uint16(len(p)), p)
}

var (
	clientV4 = netip.MustParseAddrPort("203.0.113.7:51000")
	lbV4     = netip.MustParseAddrPort("192.0.2.1:80")
	clientV6 = netip.MustParseAddrPort("[2001:db8::7]:51000")
	lbV6     = netip.MustParseAddrPort("[2001:db8::1]:443")
)

// pipeListener hands out net.Pipe connections whose server end reports a
// chosen remote address, for tests that need exact control over how bytes
// arrive (each Write on a pipe is seen by separate Reads).
type pipeListener struct {
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), closed: make(chan struct{})}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

// dial returns the client end of a new pipe whose server end, from
// remote, is queued for Accept. It blocks until Accept takes it.
func (l *pipeListener) dial(ctx context.Context, remote netip.AddrPort) (net.Conn, error) {
	server, client := net.Pipe()
	select {
	case l.conns <- addrConn{Conn: server, remote: net.TCPAddrFromAddrPort(remote)}:
		return client, nil
	case <-ctx.Done():
		server.Close()
		client.Close()
		return nil, ctx.Err()
	}
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }

// addrConn is a net.Conn with a chosen RemoteAddr.
type addrConn struct {
	net.Conn
	remote net.Addr
}

func (c addrConn) RemoteAddr() net.Addr { return c.remote }

// acceptOne wraps a pipe listener with p, dials it from remote and returns
// the client end and the accepted, wrapped server end. Both are closed when
// the test ends; the client end has a deadline of ioDeadline.
func acceptOne(t testing.TB, p Policy, remote netip.AddrPort) (client, server net.Conn) {
	t.Helper()
	pl := newPipeListener()
	l := Wrap(pl, p)
	t.Cleanup(func() { l.Close() })
	type res struct {
		c   net.Conn
		err error
	}
	ch := make(chan res, 1)
	go func() {
		c, err := l.Accept()
		ch <- res{c, err}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), ioDeadline)
	defer cancel()
	client, err := pl.dial(ctx, remote)
	if err != nil {
		t.Fatal(err)
	}
	r := <-ch
	if r.err != nil {
		t.Fatal(r.err)
	}
	t.Cleanup(func() { client.Close(); r.c.Close() })
	// Bound every write and read the test makes on the client end.
	_ = client.SetDeadline(time.Now().Add(ioDeadline))
	return client, r.c
}

// writeAsync writes b to c on another goroutine and returns a channel
// that reports the write's error.
func writeAsync(c net.Conn, b []byte) <-chan error {
	ch := make(chan error, 1)
	go func() {
		_, err := c.Write(b)
		ch <- err
	}()
	return ch
}

// headerErr returns the Outcome in err, which must be a *HeaderError.
func headerErr(t testing.TB, err error) Outcome {
	t.Helper()
	var he *HeaderError
	if !errors.As(err, &he) {
		t.Fatalf("got error %v, want a *HeaderError", err)
	}
	return he.Outcome
}
