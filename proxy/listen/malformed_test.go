package listen

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"
	"testing"
)

// TestMalformedHeaders sends broken headers from a trusted peer: each
// connection is closed without a response and reported as malformed.
// Truncated headers are followed by a half-close, so the server sees end of
// file rather than waiting for its header timeout.
func TestMalformedHeaders(t *testing.T) {
	t.Parallel()
	addr4 := v2TCP4(clientV4, lbV4, nil)[16:]
	cases := []struct {
		name   string
		header []byte
		// halfClose ends the stream after header (and no request).
		halfClose bool
	}{
		// v1
		{name: "v1 truncated", header: []byte("PROXY TCP4 203.0.113.7 192.0.2.1 51000"), halfClose: true},
		{name: "v1 signature only", header: []byte("PROXY"), halfClose: true},
		{name: "v1 without CR", header: []byte("PROXY TCP4 203.0.113.7 192.0.2.1 51000 80\n")},
		{name: "v1 CR without LF then request", header: []byte("PROXY TCP4 203.0.113.7 192.0.2.1 51000 80\r")},
		{name: "v1 over 107 bytes", header: []byte("PROXY UNKNOWN " + strings.Repeat("f", 100) + "\r\n")},
		{name: "v1 108 bytes with CRLF last", header: []byte("PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 655355\r\n")},
		{name: "v1 no space after PROXY", header: []byte("PROXYTCP4 203.0.113.7 192.0.2.1 51000 80\r\n")},
		{name: "v1 bad family", header: []byte("PROXY TCP5 203.0.113.7 192.0.2.1 51000 80\r\n")},
		{name: "v1 UDP4", header: []byte("PROXY UDP4 203.0.113.7 192.0.2.1 51000 80\r\n")},
		{name: "v1 bad address", header: []byte("PROXY TCP4 203.0.113 192.0.2.1 51000 80\r\n")},
		{name: "v1 IPv6 address in TCP4", header: []byte("PROXY TCP4 2001:db8::7 192.0.2.1 51000 80\r\n")},
		{name: "v1 IPv4 address in TCP6", header: []byte("PROXY TCP6 203.0.113.7 2001:db8::1 51000 80\r\n")},
		{name: "v1 zoned address", header: []byte("PROXY TCP6 fe80::1%eth0 2001:db8::1 51000 80\r\n")},
		{name: "v1 port over 65535", header: []byte("PROXY TCP4 203.0.113.7 192.0.2.1 65536 80\r\n")},
		{name: "v1 port with leading zero", header: []byte("PROXY TCP4 203.0.113.7 192.0.2.1 051000 80\r\n")},
		{name: "v1 missing port", header: []byte("PROXY TCP4 203.0.113.7 192.0.2.1 51000\r\n")},
		{name: "v1 extra field", header: []byte("PROXY TCP4 203.0.113.7 192.0.2.1 51000 80 x\r\n")},
		{name: "v1 double space", header: []byte("PROXY  TCP4 203.0.113.7 192.0.2.1 51000 80\r\n")},
		// v2
		{name: "v2 truncated before length", header: v2TCP4(clientV4, lbV4, nil)[:14], halfClose: true},
		{name: "v2 truncated in addresses", header: v2TCP4(clientV4, lbV4, nil)[:20], halfClose: true},
		{name: "v2 length longer than the data", header: v2(0x21, 0x11, 12+200, addr4), halfClose: true},
		{name: "v2 length shorter than the address block", header: v2(0x21, 0x11, 4, addr4[:4])},
		{name: "v2 length swallowing the request", header: v2(0x21, 0x11, uint16(12+len(request)), addr4)},
		{name: "v2 length over the maximum", header: v2(0x21, 0x11, 4097, addr4)},
		{name: "v2 truncated TLV", header: v2TCP4(clientV4, lbV4, []byte{0x04, 0x00, 0x09, 1})},
		{name: "v2 version 1", header: v2(0x11, 0x11, 12, addr4)},
		{name: "v2 version 3", header: v2(0x31, 0x11, 12, addr4)},
		{name: "v2 command 2", header: v2(0x22, 0x11, 12, addr4)},
		{name: "v2 command 15", header: v2(0x2f, 0x11, 12, addr4)},
		{name: "v2 family 4", header: v2(0x21, 0x41, 12, addr4)},
		{name: "v2 transport 3", header: v2(0x21, 0x13, 12, addr4)},
		{name: "v2 PROXY UNSPEC", header: v2(0x21, 0x00, 0, nil)},
		{name: "v2 PROXY UDP4", header: v2(0x21, 0x12, 12, addr4)},
		{name: "v2 PROXY UDP6", header: v2(0x21, 0x22, 36, make([]byte, 36))},
		{name: "v2 PROXY unix stream", header: v2(0x21, 0x31, 216, bytes.Repeat([]byte{'a'}, 216))},
		{name: "v2 LOCAL with a bad family", header: v2(0x20, 0x41, 0, nil)},
	}
	for _, mode := range []Mode{ModeOptional, ModeRequired} {
		for _, c := range cases {
			t.Run(mode.String()+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				srv := startServer(t, "tcp4", Policy{Mode: mode, TrustedCIDRs: loopbackTrust})
				conn := dial(t, "tcp4", srv.addr, netip.Addr{})
				msg := c.header
				if !c.halfClose {
					msg = append(bytes.Clone(msg), request...)
				}
				if _, err := conn.Write(msg); err != nil {
					t.Fatal(err)
				}
				if c.halfClose {
					if err := conn.CloseWrite(); err != nil {
						t.Fatal(err)
					}
				}
				expectClosed(t, conn)
				srv.rec.waitFor(t, OutcomeMalformed)
			})
		}
	}
}

// TestPartialSignature: bytes that stop inside a signature are not a
// header. Under optional they reach the HTTP server (which answers 400 to
// them); under required the header is missing.
func TestPartialSignature(t *testing.T) {
	t.Parallel()
	for _, prefix := range [][]byte{[]byte("PROX"), sigV2[:7], sigV2[:11]} {
		for _, mode := range []Mode{ModeOptional, ModeRequired} {
			t.Run(fmt.Sprintf("%s/%q", mode, prefix), func(t *testing.T) {
				t.Parallel()
				srv := startServer(t, "tcp4", Policy{Mode: mode, TrustedCIDRs: loopbackTrust})
				conn := dial(t, "tcp4", srv.addr, netip.Addr{})
				if _, err := conn.Write(prefix); err != nil {
					t.Fatal(err)
				}
				if err := conn.CloseWrite(); err != nil {
					t.Fatal(err)
				}
				if mode == ModeRequired {
					expectClosed(t, conn)
					srv.rec.waitFor(t, OutcomeMissing)
					return
				}
				if got := readReply(t, conn); got.status != 400 {
					t.Errorf("got %+v, want status 400", got)
				}
				srv.rec.waitFor(t, OutcomeNone)
			})
		}
	}
}
