package listen

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"
)

// memConn is an in-memory net.Conn reading from a fixed byte slice.
type memConn struct {
	r bytes.Reader
}

func (c *memConn) Read(b []byte) (int, error)       { return c.r.Read(b) }
func (c *memConn) Write(b []byte) (int, error)      { return len(b), nil }
func (c *memConn) Close() error                     { return nil }
func (c *memConn) LocalAddr() net.Addr              { return net.TCPAddrFromAddrPort(lbV4) }
func (c *memConn) RemoteAddr() net.Addr             { return net.TCPAddrFromAddrPort(localPeer) }
func (c *memConn) SetDeadline(time.Time) error      { return nil }
func (c *memConn) SetReadDeadline(time.Time) error  { return nil }
func (c *memConn) SetWriteDeadline(time.Time) error { return nil }

// memListener accepts the same memConn again and again, rewound.
type memListener struct {
	c    memConn
	data []byte
}

func (l *memListener) Accept() (net.Conn, error) {
	l.c.r.Reset(l.data)
	return &l.c, nil
}
func (l *memListener) Close() error   { return nil }
func (l *memListener) Addr() net.Addr { return l.c.LocalAddr() }

// BenchmarkAcceptHeader measures the per-connection cost of the PROXY
// layer: Accept, InfoOf, and reading the request that followed the header.
func BenchmarkAcceptHeader(b *testing.B) {
	cases := []struct {
		name string
		mode Mode
		data []byte
	}{
		{"off", ModeOff, []byte(request)},
		{"optional no header", ModeOptional, []byte(request)},
		{"required v1", ModeRequired, append([]byte("PROXY TCP4 203.0.113.7 192.0.2.1 51000 80\r\n"), request...)},
		{"required v2", ModeRequired, append(v2TCP4(clientV4, lbV4, nil), request...)},
		{"required v2 TCP6", ModeRequired, append(v2TCP6(clientV6, lbV6), request...)},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			l := Wrap(&memListener{data: c.data}, Policy{Mode: c.mode, TrustedCIDRs: loopbackTrust})
			buf := make([]byte, 512)
			b.ReportAllocs()
			for b.Loop() {
				conn, err := l.Accept()
				if err != nil {
					b.Fatal(err)
				}
				if _, err := InfoOf(conn); err != nil {
					b.Fatal(err)
				}
				n := 0
				for {
					m, err := conn.Read(buf)
					n += m
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
				}
				if n != len(request) {
					b.Fatalf("read %d bytes, want %d", n, len(request))
				}
			}
		})
	}
}
