package listen

import (
	"net"
	"net/http"
	"net/netip"
	"testing"
	"time"
)

// readSignalListener reports the size of every non-empty read on its
// connections, so a test can send the next byte only after the server has
// read the previous one.
type readSignalListener struct {
	net.Listener
	reads chan int
}

func (l readSignalListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return readSignalConn{Conn: c, reads: l.reads}, nil
}

type readSignalConn struct {
	net.Conn
	reads chan int
}

func (c readSignalConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 {
		select {
		case c.reads <- n:
		default:
		}
	}
	return n, err
}

// TestTrickledHeader: a header sent one byte at a time, each byte read by
// the server on its own, is accepted when it completes within the timeout.
func TestTrickledHeader(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		header []byte
		source netip.AddrPort
	}{
		{"v1", []byte("PROXY TCP4 203.0.113.7 192.0.2.1 51000 80\r\n"), clientV4},
		{"v2", v2TCP4(clientV4, lbV4, []byte{0x04, 0, 1, 0}), clientV4},
		{"v2 TCP6", v2TCP6(clientV6, lbV6), clientV6},
	}
	for _, mode := range []Mode{ModeOptional, ModeRequired} {
		for _, c := range cases {
			t.Run(mode.String()+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				raw, err := net.Listen("tcp4", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				rec := &recorder{}
				reads := make(chan int, 64)
				l := Wrap(readSignalListener{Listener: raw, reads: reads}, Policy{
					Mode: mode, TrustedCIDRs: loopbackTrust, HeaderTimeout: ioDeadline, Observe: rec.observe,
				})
				srv := &http.Server{Handler: http.HandlerFunc(infoHandler), ConnContext: ConnContext}
				served := make(chan struct{})
				go func() { defer close(served); _ = srv.Serve(l) }()
				t.Cleanup(func() { _ = srv.Close(); <-served })

				conn := dial(t, "tcp4", raw.Addr().String(), netip.Addr{})
				for i, b := range c.header {
					if _, err := conn.Write([]byte{b}); err != nil {
						t.Fatal(err)
					}
					select {
					case n := <-reads:
						if n != 1 {
							t.Fatalf("byte %d: server read %d bytes at once", i, n)
						}
					case <-time.After(ioDeadline):
						t.Fatalf("byte %d: server did not read it", i)
					}
				}
				got := exchange(t, conn, nil)
				if want := (reply{200, infoBody(localAP(conn), c.source, true)}); got != want {
					t.Errorf("got %+v, want %+v", got, want)
				}
				rec.waitFor(t, OutcomeAccepted)
			})
		}
	}
}
