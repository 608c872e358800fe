package listen

import (
	"bytes"
	"net"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// Class 2 of the hostile catalogue: malformed PROXY protocol, beyond the
// cases of malformed_test.go, trickle_test.go, timeout_test.go and
// trust_test.go. A trusted load balancer's header is believed only when it
// is exactly well formed; anything else closes the connection without a
// byte of answer, reported as malformed. No header, however broken or
// slow, may panic, leak a goroutine (TestMain checks) or hold up other
// connections.

// TestHostileMalformedV1: v1 lines that a lenient parser might read as
// an address it should not believe.
func TestHostileMalformedV1(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, line string }{
		{"lower-case family", "PROXY tcp4 203.0.113.7 192.0.2.1 51000 80\r\n"},
		{"tab separators", "PROXY\tTCP4\t203.0.113.7\t192.0.2.1\t51000\t80\r\n"},
		{"trailing space before CRLF", "PROXY TCP4 203.0.113.7 192.0.2.1 51000 80 \r\n"},
		{"CR CR LF", "PROXY TCP4 203.0.113.7 192.0.2.1 51000 80\r\r\n"},
		{"NUL inside the line", "PROXY TCP4 203.0.113.7\x00 192.0.2.1 51000 80\r\n"},
		{"IPv4 octets with leading zeros (octal to inet_aton)", "PROXY TCP4 010.000.113.007 192.0.2.1 51000 80\r\n"},
		{"IPv4 shorthand (127.1)", "PROXY TCP4 127.1 192.0.2.1 51000 80\r\n"},
		{"IPv4 as one decimal number", "PROXY TCP4 3405803783 192.0.2.1 51000 80\r\n"},
		{"IPv4 in hexadecimal", "PROXY TCP4 0xcb.0.0x71.7 192.0.2.1 51000 80\r\n"},
		{"IPv6 in brackets", "PROXY TCP6 [2001:db8::7] [2001:db8::1] 51000 443\r\n"},
		{"IPv6 with a port glued on", "PROXY TCP6 2001:db8::7:51000 2001:db8::1 51000 443\r\n"},
		{"negative port", "PROXY TCP4 203.0.113.7 192.0.2.1 -1 80\r\n"},
		{"port with a plus sign", "PROXY TCP4 203.0.113.7 192.0.2.1 +51000 80\r\n"},
		{"port in hexadecimal", "PROXY TCP4 203.0.113.7 192.0.2.1 0xc738 80\r\n"},
		{"port that overflows 32 bits", "PROXY TCP4 203.0.113.7 192.0.2.1 4294967297 80\r\n"},
		{"destination port over 65535", "PROXY TCP4 203.0.113.7 192.0.2.1 51000 65536\r\n"},
		{"empty fields", "PROXY TCP4    \r\n"},
		{"family only", "PROXY TCP4\r\n"},
		{"UNIX family", "PROXY UNIX /tmp/a /tmp/b 0 0\r\n"},
	}
	msgs := map[string][]byte{}
	for _, c := range cases {
		msgs[c.name] = []byte(c.line + request)
	}
	wantEachRefused(t, OutcomeMalformed, msgs)
}

// TestHostileSignatureLookAlikes: bytes that look like a signature but are
// not one are request bytes: under optional the HTTP server refuses them
// (400), under required the header is missing. Either way no address in
// them is believed.
func TestHostileSignatureLookAlikes(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, start string }{
		{"lower-case proxy signature", "proxy TCP4 10.0.0.1 192.0.2.1 1 80\r\n"},
		{"a space before PROXY", " PROXY TCP4 10.0.0.1 192.0.2.1 1 80\r\n"},
		{"a v2 signature with one byte changed", string(append(bytes.Clone(sigV2[:11]), 'X'))},
	}
	for _, mode := range []Mode{ModeOptional, ModeRequired} {
		for _, c := range cases {
			t.Run(mode.String()+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				srv := startServer(t, "tcp4", Policy{Mode: mode, TrustedCIDRs: loopbackTrust})
				conn := dial(t, "tcp4", srv.addr, netip.Addr{})
				if _, err := conn.Write([]byte(c.start + request)); err != nil {
					t.Fatal(err)
				}
				if mode == ModeRequired {
					expectClosed(t, conn)
					srv.rec.waitFor(t, OutcomeMissing)
					return
				}
				if got := readReply(t, conn); got.status != 400 {
					t.Errorf("got %+v, want 400", got)
				}
				srv.rec.waitFor(t, OutcomeNone)
			})
		}
	}
}

// TestHostileMalformedV2: v2 headers whose lengths lie or whose fields are
// out of range, beyond TestMalformedHeaders.
func TestHostileMalformedV2(t *testing.T) {
	t.Parallel()
	addr6 := make([]byte, 36)
	cases := []struct {
		name   string
		header []byte
	}{
		{"TCP6 with a length that fits TCP4 only", v2(0x21, 0x21, 12, make([]byte, 12))},
		{"TCP4 with a length one short of the address block", v2(0x21, 0x11, 11, make([]byte, 11))},
		{"TCP6 with a length one short of the address block", v2(0x21, 0x21, 35, addr6[:35])},
		{"a TLV whose length runs past the header", v2TCP4(clientV4, lbV4, []byte{0x04, 0xff, 0xff, 0})},
		{"a TLV header cut after its type", v2TCP4(clientV4, lbV4, []byte{0x01})},
		{"a TLV header cut inside its length", v2TCP4(clientV4, lbV4, []byte{0x01, 0x00})},
		{"a second TLV that overruns after a good one", v2TCP4(clientV4, lbV4, []byte{0x04, 0, 1, 0, 0x01, 0, 9, 'h'})},
		{"family 0xF", v2(0x21, 0xf1, 12, make([]byte, 12))},
		{"transport 0xF", v2(0x21, 0x1f, 12, make([]byte, 12))},
		{"version and command 0x00", v2(0x00, 0x11, 12, make([]byte, 12))},
		{"version and command 0xFF", v2(0xff, 0x11, 12, make([]byte, 12))},
	}
	msgs := map[string][]byte{}
	for _, c := range cases {
		msgs[c.name] = append(bytes.Clone(c.header), request...)
	}
	wantEachRefused(t, OutcomeMalformed, msgs)
}

// TestHostileV2LengthNeverOverreads: a v2 header is exactly as long as its
// length field says; the bytes after it are the connection's, never read
// as part of the header even when they arrive in the same segment.
func TestHostileV2LengthNeverOverreads(t *testing.T) {
	t.Parallel()
	// A TLV block of no TLVs but padding that looks like a v1 header and
	// a request: it is inside the header and must be skipped whole.
	pad := []byte("PROXY TCP4 6.6.6.6 6.6.6.6 1 1\r\nGET /evil HTTP/1.1\r\n")
	tlv := append([]byte{0x04, 0, byte(len(pad))}, pad...) // PP2_TYPE_NOOP
	header := v2TCP4(clientV4, lbV4, tlv)
	srv := startServer(t, "tcp4", Policy{Mode: ModeRequired, TrustedCIDRs: loopbackTrust})
	conn := dial(t, "tcp4", srv.addr, netip.Addr{})
	got := exchange(t, conn, header)
	if want := (reply{200, infoBody(localAP(conn), clientV4, true)}); got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	srv.rec.waitFor(t, OutcomeAccepted)
}

// TestHostileTrickleCannotExtendTheTimeout: a header sent a byte at a
// time still has to be complete within HeaderTimeout, counted from the
// first byte, however steady the trickle.
func TestHostileTrickleCannotExtendTheTimeout(t *testing.T) {
	t.Parallel()
	const timeout = 200 * time.Millisecond
	for _, mode := range []Mode{ModeOptional, ModeRequired} {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			srv := startServer(t, "tcp4", Policy{Mode: mode, TrustedCIDRs: loopbackTrust, HeaderTimeout: timeout})
			conn := dial(t, "tcp4", srv.addr, netip.Addr{})
			line := []byte("PROXY UNKNOWN " + strings.Repeat("f", 80) + "\r\n")
			began := time.Now()
			var err error
			for i := 0; i < len(line) && err == nil; i++ {
				_, err = conn.Write(line[i : i+1])
				time.Sleep(10 * time.Millisecond) // the attacker's pace: the line takes ~1s
			}
			srv.rec.waitFor(t, OutcomeTimeout)
			expectClosed(t, conn)
			if d := time.Since(began); d > ioDeadline {
				t.Errorf("the trickled header was refused after %v", d)
			}
		})
	}
}

// TestHostileManyHeaderPhaseConnections: hundreds of peers stuck in their
// header phase at once, silent or half-way through a header, do not stop
// a new peer from being accepted and served; they time out, and their
// goroutines are gone afterwards.
func TestHostileManyHeaderPhaseConnections(t *testing.T) {
	// Not parallel: it counts goroutines.
	base := runtime.NumGoroutine()
	const n = 200
	const timeout = 300 * time.Millisecond
	srv := startServer(t, "tcp4", Policy{Mode: ModeRequired, TrustedCIDRs: loopbackTrust, HeaderTimeout: timeout})
	partial := [][]byte{nil, []byte("PRO"), []byte("PROXY TCP4 203.0.113.7 "), v2TCP4(clientV4, lbV4, nil)[:20], sigV2}
	var stuck []*net.TCPConn
	for i := range n {
		c := dial(t, "tcp4", srv.addr, netip.Addr{})
		if p := partial[i%len(partial)]; p != nil {
			if _, err := c.Write(p); err != nil {
				t.Fatal(err)
			}
		}
		stuck = append(stuck, c)
	}
	conn := dial(t, "tcp4", srv.addr, netip.Addr{})
	if got := exchange(t, conn, []byte("PROXY TCP4 203.0.113.7 192.0.2.1 51000 80\r\n")); got.status != 200 {
		t.Fatalf("a well-formed connection got %+v while %d were stuck, want 200", got, n)
	}
	for _, c := range stuck {
		expectClosed(t, c)
	}
	want := []Outcome{OutcomeAccepted}
	for range n {
		want = append(want, OutcomeTimeout)
	}
	srv.rec.waitFor(t, want...)
	conn.Close()
	deadline := time.Now().Add(ioDeadline)
	for runtime.NumGoroutine() > base+8 {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines run, %d before the %d stuck peers", runtime.NumGoroutine(), base, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestHostileConcurrentHeaderReaders: many goroutines using one
// connection at once while its header trickles in all get the same
// answer, and exactly one outcome is reported.
func TestHostileConcurrentHeaderReaders(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	client, server := acceptOne(t, Policy{Mode: ModeRequired, TrustedCIDRs: loopbackTrust, Observe: rec.observe},
		netip.MustParseAddrPort("127.0.0.1:1"))
	var wg sync.WaitGroup
	infos := make([]Info, 16)
	errs := make([]error, 16)
	for i := range infos {
		wg.Go(func() { infos[i], errs[i] = InfoOf(server) })
	}
	header := []byte("PROXY TCP4 203.0.113.7 192.0.2.1 51000 80\r\n")
	for i := range header {
		if _, err := client.Write(header[i : i+1]); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	for i := range infos {
		if errs[i] != nil || infos[i].Source != clientV4 || !infos[i].ViaProxy {
			t.Errorf("reader %d got %+v, %v", i, infos[i], errs[i])
		}
	}
	rec.waitFor(t, OutcomeAccepted)
}

// TestHostileBigV2DoesNotStall: a v2 header at the size limit, sent in
// one write, is read whole and the request behind it served.
func TestHostileBigV2DoesNotStall(t *testing.T) {
	t.Parallel()
	// The largest TLV block that keeps the header within the limit.
	room := 4096 - 12 - 3
	tlv := append([]byte{0x04, byte(room >> 8), byte(room)}, make([]byte, room)...)
	header := v2TCP4(clientV4, lbV4, tlv)
	srv := startServer(t, "tcp4", Policy{Mode: ModeOptional, TrustedCIDRs: loopbackTrust})
	conn := dial(t, "tcp4", srv.addr, netip.Addr{})
	got := exchange(t, conn, header)
	if want := (reply{200, infoBody(localAP(conn), clientV4, true)}); got != want {
		t.Errorf("header of %d bytes: got %+v, want %+v", len(header), got, want)
	}
	srv.rec.waitFor(t, OutcomeAccepted)
}

// TestHostileRefusedConnectionGetsNoBytes: a refused connection gets
// nothing at all, not even an HTTP error, whatever it sends after the bad
// header: it cannot use the answer to probe the backend.
func TestHostileRefusedConnectionGetsNoBytes(t *testing.T) {
	t.Parallel()
	wantEachRefused(t, OutcomeMalformed, map[string][]byte{
		"pipelined requests after a bad port": []byte("PROXY TCP4 203.0.113.7 192.0.2.1 99999 80\r\n" + request + request),
		"a request before the header ends":    []byte("PROXY TCP4 203.0.113.7 " + request),
	})
}

// wantEachRefused sends each message (a header and what follows it) on a
// new connection from a trusted peer, under optional and under required:
// the connection must be closed without a byte of answer and reported as
// outcome.
func wantEachRefused(t *testing.T, outcome Outcome, messages map[string][]byte) {
	t.Helper()
	for _, mode := range []Mode{ModeOptional, ModeRequired} {
		for name, msg := range messages {
			t.Run(mode.String()+"/"+name, func(t *testing.T) {
				t.Parallel()
				srv := startServer(t, "tcp4", Policy{Mode: mode, TrustedCIDRs: loopbackTrust})
				conn := dial(t, "tcp4", srv.addr, netip.Addr{})
				if _, err := conn.Write(msg); err != nil {
					t.Fatal(err)
				}
				expectClosed(t, conn)
				srv.rec.waitFor(t, outcome)
			})
		}
	}
}
