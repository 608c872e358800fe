package listen

import (
	"errors"
	"net"
	"net/http"
	"net/netip"
	"os"
	"testing"
	"time"
)

// TestHeaderTimeout: a header that does not arrive within HeaderTimeout
// closes the connection, except under optional when no signature was seen,
// where the connection simply carries no header.
func TestHeaderTimeout(t *testing.T) {
	t.Parallel()
	const timeout = 100 * time.Millisecond
	cases := []struct {
		name    string
		mode    Mode
		trust   []netip.Prefix
		sent    []byte
		outcome Outcome
		// then, when not empty, is sent once the outcome is known; the
		// connection must then be served.
		then string
	}{
		{name: "required silent", mode: ModeRequired, trust: loopbackTrust, outcome: OutcomeTimeout},
		{name: "required partial signature", mode: ModeRequired, trust: loopbackTrust, sent: []byte("PRO"), outcome: OutcomeTimeout},
		{name: "required partial v1", mode: ModeRequired, trust: loopbackTrust, sent: []byte("PROXY TCP4 203.0.113.7 19"), outcome: OutcomeTimeout},
		{name: "required partial v2", mode: ModeRequired, trust: loopbackTrust, sent: v2TCP4(clientV4, lbV4, nil)[:20], outcome: OutcomeTimeout},
		{name: "optional partial v1", mode: ModeOptional, trust: loopbackTrust, sent: []byte("PROXY TCP4 203.0.113.7 19"), outcome: OutcomeTimeout},
		{name: "optional v2 length longer than the data", mode: ModeOptional, trust: loopbackTrust, sent: v2(0x21, 0x11, 100, make([]byte, 12)), outcome: OutcomeTimeout},
		{name: "optional silent", mode: ModeOptional, trust: loopbackTrust, outcome: OutcomeNone, then: request},
		{name: "optional silent untrusted", mode: ModeOptional, trust: elsewhereTrust, outcome: OutcomeNone, then: request},
		{name: "optional partial signature then a PUT", mode: ModeOptional, trust: loopbackTrust, sent: []byte("P"), outcome: OutcomeNone, then: "UT / HTTP/1.1\r\nHost: test\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := startServer(t, "tcp4", Policy{Mode: c.mode, TrustedCIDRs: c.trust, HeaderTimeout: timeout})
			conn := dial(t, "tcp4", srv.addr, netip.Addr{})
			if _, err := conn.Write(c.sent); err != nil {
				t.Fatal(err)
			}
			srv.rec.waitFor(t, c.outcome)
			if c.then == "" {
				expectClosed(t, conn)
				return
			}
			if _, err := conn.Write([]byte(c.then)); err != nil {
				t.Fatal(err)
			}
			peer := localAP(conn)
			if got, want := readReply(t, conn), (reply{200, infoBody(peer, peer, false)}); got != want {
				t.Errorf("got %+v, want %+v", got, want)
			}
		})
	}
}

// TestSilentPeersDoNotStallAccept: while 51 peers sit silent in their
// header phase, a new connection is accepted and served.
func TestSilentPeersDoNotStallAccept(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		policy  Policy
		header  []byte
		pending Outcome // what each silent peer becomes once it hangs up
		served  Outcome
	}{
		{"required", Policy{Mode: ModeRequired, TrustedCIDRs: loopbackTrust}, v2TCP4(clientV4, lbV4, nil), OutcomeMissing, OutcomeAccepted},
		{"optional untrusted", Policy{Mode: ModeOptional, TrustedCIDRs: elsewhereTrust}, nil, OutcomeNone, OutcomeNone},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.policy.HeaderTimeout = time.Hour
			srv := startServer(t, "tcp4", c.policy)
			silent := make([]*net.TCPConn, 51)
			for i := range silent {
				silent[i] = dial(t, "tcp4", srv.addr, netip.Addr{})
			}
			conn := dial(t, "tcp4", srv.addr, netip.Addr{})
			got := exchange(t, conn, c.header)
			if got.status != http.StatusOK {
				t.Fatalf("got %+v, want status 200", got)
			}
			// The silent peers are still waiting: nothing was reported
			// for them yet.
			srv.rec.waitFor(t, c.served)
			want := []Outcome{c.served}
			for _, s := range silent {
				_ = s.Close()
				want = append(want, c.pending)
			}
			srv.rec.waitFor(t, want...)
		})
	}
}

// TestHeaderDeadlineClampedToCallers: a read deadline set by the caller
// that is earlier than the header timeout ends the header phase.
func TestHeaderDeadlineClampedToCallers(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	_, server := acceptOne(t, Policy{Mode: ModeRequired, TrustedCIDRs: loopbackTrust, HeaderTimeout: time.Hour, Observe: rec.observe},
		netip.MustParseAddrPort("127.0.0.1:1"))
	if err := server.SetReadDeadline(time.Now().Add(50 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	_, err := InfoOf(server)
	if got := headerErr(t, err); got != OutcomeTimeout {
		t.Errorf("got %v, want %v", got, OutcomeTimeout)
	}
	rec.waitFor(t, OutcomeTimeout)
}

// TestCallersDeadlineRestored: once the header is read, the header
// deadline no longer applies; the caller's (none here) does.
func TestCallersDeadlineRestored(t *testing.T) {
	t.Parallel()
	const timeout = 50 * time.Millisecond
	client, server := acceptOne(t, Policy{Mode: ModeRequired, TrustedCIDRs: loopbackTrust, HeaderTimeout: timeout},
		netip.MustParseAddrPort("127.0.0.1:1"))
	start := time.Now()
	done := writeAsync(client, []byte("PROXY UNKNOWN\r\n"))
	if _, err := InfoOf(server); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// Wait until the header deadline is well past.
	for time.Since(start) < 3*timeout {
		time.Sleep(timeout)
	}
	done = writeAsync(client, []byte("late"))
	b := make([]byte, 8)
	n, err := server.Read(b)
	if err != nil || string(b[:n]) != "late" {
		t.Errorf("got %q, %v; want %q, nil", b[:n], err, "late")
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestClosedLocallyReportsNothing: a connection this process closes while
// its header is awaited (server shutdown) is not counted against the peer.
func TestClosedLocallyReportsNothing(t *testing.T) {
	t.Parallel()
	for _, mode := range []Mode{ModeOptional, ModeRequired} {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			raw, err := net.Listen("tcp4", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			rec := &recorder{}
			l := Wrap(raw, Policy{Mode: mode, TrustedCIDRs: loopbackTrust, HeaderTimeout: time.Hour, Observe: rec.observe})
			defer l.Close()
			client := dial(t, "tcp4", raw.Addr().String(), netip.Addr{})
			server, err := l.Accept()
			if err != nil {
				t.Fatal(err)
			}
			type res struct {
				info Info
				err  error
			}
			done := make(chan res, 1)
			go func() {
				info, err := InfoOf(server)
				done <- res{info, err}
			}()
			server.Close()
			r := <-done
			if mode == ModeRequired {
				if !errors.Is(r.err, net.ErrClosed) {
					t.Errorf("InfoOf: got %v, want an error wrapping net.ErrClosed", r.err)
				}
			} else if _, err := server.Read(make([]byte, 1)); !errors.Is(err, net.ErrClosed) {
				t.Errorf("Read: got %v, want net.ErrClosed", err)
			}
			if got := rec.snapshot(); len(got) != 0 {
				t.Errorf("reported %v", got)
			}
			expectClosed(t, client)
		})
	}
}

// TestDeadlinesAfterTheHeaderPhase: once the header phase is over, a read
// deadline set, moved and cleared behaves as on the raw connection (the
// wrapper skips clearing a deadline that is not set, and only that).
func TestDeadlinesAfterTheHeaderPhase(t *testing.T) {
	t.Parallel()
	for _, mode := range []Mode{ModeOff, ModeRequired} {
		client, server := acceptOne(t, Policy{Mode: mode, TrustedCIDRs: loopbackTrust}, netip.MustParseAddrPort("127.0.0.1:1"))
		if mode == ModeRequired {
			done := writeAsync(client, []byte("PROXY UNKNOWN\r\n"))
			if _, err := InfoOf(server); err != nil {
				t.Fatal(err)
			}
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		}
		b := make([]byte, 8)
		_ = server.SetReadDeadline(time.Time{}) // none set: nothing to clear
		_ = server.SetReadDeadline(time.Now().Add(-time.Second))
		if _, err := server.Read(b); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("%v: read past a deadline: %v, want a deadline error", mode, err)
		}
		_ = server.SetReadDeadline(time.Time{})
		done := writeAsync(client, []byte("data"))
		if n, err := server.Read(b); err != nil || string(b[:n]) != "data" {
			t.Errorf("%v: after clearing the deadline got %q, %v", mode, b[:n], err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}
