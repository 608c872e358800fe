package listen

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var localPeer = netip.MustParseAddrPort("127.0.0.1:40000")

// TestConnMethodSet: the connections Wrap hands out are net.Conn and
// nothing more, so io.Copy cannot bypass Read (go-proxyproto's WriteTo
// is not exposed).
func TestConnMethodSet(t *testing.T) {
	t.Parallel()
	for _, mode := range []Mode{ModeOff, ModeOptional, ModeRequired} {
		_, server := acceptOne(t, Policy{Mode: mode, TrustedCIDRs: loopbackTrust}, localPeer)
		if _, ok := server.(io.WriterTo); ok {
			t.Errorf("%v: connection implements io.WriterTo", mode)
		}
		if _, ok := server.(io.ReaderFrom); ok {
			t.Errorf("%v: connection implements io.ReaderFrom", mode)
		}
		if _, ok := server.(*conn); !ok {
			t.Errorf("%v: got %T, want *conn", mode, server)
		}
	}
}

// TestCopyAfterHeader: io.Copy from a wrapped connection yields exactly
// the bytes after the header, including those read along with it.
func TestCopyAfterHeader(t *testing.T) {
	t.Parallel()
	payload := bytes.Repeat([]byte("0123456789"), 1000)
	for _, header := range [][]byte{[]byte("PROXY TCP4 203.0.113.7 192.0.2.1 51000 80\r\n"), v2TCP4(clientV4, lbV4, nil), nil} {
		client, server := acceptOne(t, Policy{Mode: ModeOptional, TrustedCIDRs: loopbackTrust}, localPeer)
		go func() {
			_, _ = client.Write(append(bytes.Clone(header), payload...))
			client.Close()
		}()
		var got bytes.Buffer
		if _, err := io.Copy(&got, server); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), payload) {
			t.Errorf("header %q: copied %d bytes, want the %d-byte payload", header, got.Len(), len(payload))
		}
		info, err := InfoOf(server)
		if err != nil {
			t.Fatal(err)
		}
		if info.ViaProxy != (header != nil) {
			t.Errorf("header %q: ViaProxy = %v", header, info.ViaProxy)
		}
	}
}

// TestRefusedConnWritesNothing: after a refusal Write fails and sends
// nothing, and Read keeps failing with the same *HeaderError.
func TestRefusedConnWritesNothing(t *testing.T) {
	t.Parallel()
	client, server := acceptOne(t, Policy{Mode: ModeRequired, TrustedCIDRs: loopbackTrust}, localPeer)
	done := writeAsync(client, []byte("GET / HTTP/1.1\r\n\r\n"))
	_, err := server.Write([]byte("HTTP/1.1 400 Bad Request\r\n\r\n"))
	if got := headerErr(t, err); got != OutcomeMissing {
		t.Errorf("Write: got %v, want %v", got, OutcomeMissing)
	}
	for range 2 {
		_, err := server.Read(make([]byte, 10))
		if got := headerErr(t, err); got != OutcomeMissing {
			t.Errorf("Read: got %v, want %v", got, OutcomeMissing)
		}
	}
	var he *HeaderError
	_, err = InfoOf(server)
	if !errors.As(err, &he) || he.Peer != localPeer {
		t.Errorf("InfoOf: got %v, want a *HeaderError for peer %v", err, localPeer)
	}
	<-done
	// The server end was closed: the client sees that, not a response.
	if n, err := client.Read(make([]byte, 10)); n != 0 || !errors.Is(err, io.EOF) {
		t.Errorf("client read: got %d, %v; want 0, EOF", n, err)
	}
}

// TestConcurrentFirstUse: InfoOf, Read and Write racing on a fresh
// connection all see the one header outcome (run with -race).
func TestConcurrentFirstUse(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	client, server := acceptOne(t, Policy{Mode: ModeRequired, TrustedCIDRs: loopbackTrust, Observe: rec.observe}, localPeer)
	var wg sync.WaitGroup
	infos := make([]Info, 4)
	for i := range infos {
		wg.Go(func() {
			info, err := InfoOf(server)
			if err != nil {
				t.Error(err)
			}
			infos[i] = info
		})
	}
	var readOK atomic.Bool
	wg.Go(func() {
		b := make([]byte, 4)
		n, err := io.ReadFull(server, b)
		readOK.Store(err == nil && string(b[:n]) == "ping")
	})
	go func() {
		_, _ = client.Write(append(v2TCP4(clientV4, lbV4, nil), "ping"...))
	}()
	wg.Wait()
	want := Info{Peer: localPeer, Source: clientV4, Destination: lbV4, ViaProxy: true}
	for i, info := range infos {
		if info != want {
			t.Errorf("InfoOf #%d: got %+v, want %+v", i, info, want)
		}
	}
	if !readOK.Load() {
		t.Error(`Read did not return "ping"`)
	}
	rec.waitFor(t, OutcomeAccepted)
}

// readCountConn counts Read calls.
type readCountConn struct {
	net.Conn
	reads atomic.Int32
}

func (c *readCountConn) Read(b []byte) (int, error) {
	c.reads.Add(1)
	return c.Conn.Read(b)
}

// oneListener accepts c once, then reports net.ErrClosed.
type oneListener struct {
	c    chan net.Conn
	addr net.Addr
}

func newOneListener(c net.Conn) *oneListener {
	l := &oneListener{c: make(chan net.Conn, 1), addr: c.LocalAddr()}
	l.c <- c
	return l
}

func (l *oneListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.c:
		return c, nil
	default:
		return nil, net.ErrClosed
	}
}
func (l *oneListener) Close() error   { return nil }
func (l *oneListener) Addr() net.Addr { return l.addr }

// TestConnContextDoesNotRead: ConnContext stores the connection without
// touching it; ConnFromContext gives it back.
func TestConnContextDoesNotRead(t *testing.T) {
	t.Parallel()
	server, client := net.Pipe()
	defer client.Close()
	rc := &readCountConn{Conn: addrConn{Conn: server, remote: net.TCPAddrFromAddrPort(localPeer)}}
	l := Wrap(newOneListener(rc), Policy{Mode: ModeRequired, TrustedCIDRs: loopbackTrust})
	c, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := ConnContext(context.Background(), c)
	if n := rc.reads.Load(); n != 0 {
		t.Errorf("Accept and ConnContext read %d times, want 0", n)
	}
	got, ok := ConnFromContext(ctx)
	if !ok || got != c {
		t.Errorf("ConnFromContext: got %v, %v; want the connection, true", got, ok)
	}
	if _, ok := ConnFromContext(context.Background()); ok {
		t.Error("ConnFromContext on an empty context reported a connection")
	}
	if _, ok := ConnFromContext(ConnContext(context.Background(), nil)); ok {
		t.Error("ConnFromContext reported a nil connection")
	}
}

// TestInfoOf covers connections Wrap did not make, and ones inside TLS.
func TestInfoOf(t *testing.T) {
	t.Parallel()
	t.Run("plain conn", func(t *testing.T) {
		t.Parallel()
		cases := []struct {
			name   string
			remote net.Addr
			want   netip.AddrPort
		}{
			{"IPv4", &net.TCPAddr{IP: net.ParseIP("10.1.2.3"), Port: 80}, netip.MustParseAddrPort("10.1.2.3:80")},
			{"IPv4-mapped", &net.TCPAddr{IP: net.ParseIP("::ffff:10.1.2.3"), Port: 80}, netip.MustParseAddrPort("10.1.2.3:80")},
			{"zoned IPv6", &net.TCPAddr{IP: net.ParseIP("fe80::1"), Port: 80, Zone: "eth0"}, netip.MustParseAddrPort("[fe80::1]:80")},
			{"UDP", &net.UDPAddr{IP: net.ParseIP("2001:db8::1"), Port: 53}, netip.MustParseAddrPort("[2001:db8::1]:53")},
			{"unix", &net.UnixAddr{Name: "/run/x.sock", Net: "unix"}, netip.AddrPort{}},
			{"nil", nil, netip.AddrPort{}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				a, b := net.Pipe()
				defer a.Close()
				defer b.Close()
				info, err := InfoOf(addrConn{Conn: a, remote: c.remote})
				if want := (Info{Peer: c.want, Source: c.want}); err != nil || info != want {
					t.Errorf("got %+v, %v; want %+v, nil", info, err, want)
				}
			})
		}
	})
	t.Run("nil conn", func(t *testing.T) {
		t.Parallel()
		if info, err := InfoOf(nil); err != nil || info != (Info{}) {
			t.Errorf("got %+v, %v; want zero, nil", info, err)
		}
	})
	t.Run("inside tls.Conn", func(t *testing.T) {
		t.Parallel()
		client, server := acceptOne(t, Policy{Mode: ModeRequired, TrustedCIDRs: loopbackTrust}, localPeer)
		done := writeAsync(client, v2TCP4(clientV4, lbV4, nil))
		info, err := InfoOf(tls.Server(server, &tls.Config{}))
		if want := (Info{Peer: localPeer, Source: clientV4, Destination: lbV4, ViaProxy: true}); err != nil || info != want {
			t.Errorf("got %+v, %v; want %+v, nil", info, err, want)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
}

// TestAcceptKeepsGoing: refusals never surface from Accept; the
// underlying listener's own error does.
func TestAcceptKeepsGoing(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	pl := newPipeListener()
	l := Wrap(pl, Policy{Mode: ModeRequired, TrustedCIDRs: loopbackTrust, Observe: rec.observe})
	ctx, cancel := context.WithTimeout(context.Background(), ioDeadline)
	defer cancel()
	type res struct {
		c   net.Conn
		err error
	}
	accepted := make(chan res, 1)
	go func() {
		c, err := l.Accept()
		accepted <- res{c, err}
	}()
	var want []Outcome
	for range 20 {
		c, err := pl.dial(ctx, netip.MustParseAddrPort("198.51.100.1:1"))
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
		want = append(want, OutcomeUntrustedSender)
	}
	c, err := pl.dial(ctx, localPeer)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := <-accepted
	if r.err != nil {
		t.Fatalf("Accept: %v", r.err)
	}
	defer r.c.Close()
	rec.waitFor(t, want...)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept after Close: got %v, want net.ErrClosed", err)
	}
}

// TestLeakCheckCanFail: the package's leak check notices a goroutine
// blocked on a connection.
func TestLeakCheckCanFail(t *testing.T) {
	t.Parallel()
	a, b := net.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = a.Read(make([]byte, 1))
	}()
	found := false
	for _, g := range leaked() {
		found = found || strings.Contains(g, "TestLeakCheckCanFail")
	}
	a.Close()
	b.Close()
	<-done
	if !found {
		t.Error("leaked() did not list a goroutine blocked in Read")
	}
}

// TestSyscallConnAndHolds: a wrapped TCP connection gives its socket's
// RawConn (a pipe has none), and Holds tells when bytes read along with
// the PROXY header wait in the connection rather than in the socket.
func TestSyscallConnAndHolds(t *testing.T) {
	t.Parallel()
	tl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := Wrap(tl, Policy{Mode: ModeOptional, TrustedCIDRs: loopbackTrust})
	defer l.Close()
	client, err := net.Dial("tcp", tl.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	server, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	_ = server.SetDeadline(time.Now().Add(ioDeadline))
	if _, ok := SyscallConn(server); !ok {
		t.Error("SyscallConn: a wrapped TCP connection has no RawConn")
	}
	if Holds(server) {
		t.Error("Holds before anything was read")
	}
	if _, err := client.Write([]byte("PROXY TCP4 203.0.113.7 192.0.2.1 51000 80\r\nabc")); err != nil {
		t.Fatal(err)
	}
	if _, err := InfoOf(server); err != nil {
		t.Fatal(err)
	}
	if !Holds(server) {
		t.Error("Holds: false with the bytes after the header unread")
	}
	if _, err := io.ReadFull(server, make([]byte, 3)); err != nil {
		t.Fatal(err)
	}
	if Holds(server) {
		t.Error("Holds: true after those bytes were read")
	}

	_, pipe := acceptOne(t, Policy{}, localPeer)
	if _, ok := SyscallConn(pipe); ok {
		t.Error("SyscallConn: a pipe has a RawConn")
	}
}
