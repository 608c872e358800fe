package listen

import (
	"errors"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firsthop/firsthop/internal/testlog"
)

// logBuffer collects a test logger's lines.
type logBuffer struct{ testlog.Buffer }

// waitLines polls until n lines have been written and returns them; it
// fails the test when more arrive or the deadline passes.
func (l *logBuffer) waitLines(t *testing.T, n int) []string {
	t.Helper()
	deadline := time.Now().Add(ioDeadline)
	for {
		got := l.Lines()
		if len(got) == n {
			return got
		}
		if len(got) > n || time.Now().After(deadline) {
			t.Fatalf("got %d log lines, want %d:\n%s", len(got), n, strings.Join(got, "\n"))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// testLogger writes text lines at every level to a logBuffer.
func testLogger() (*slog.Logger, *logBuffer) {
	buf := &logBuffer{}
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}

// fakeClock is a clock a test moves by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func TestRefusalLogRateLimitsEachReason(t *testing.T) {
	t.Parallel()
	log, buf := testLogger()
	clock := &fakeClock{now: time.Unix(1_000_000, 0)}
	r := newRefusalLog(log, time.Second, clock.Now)
	peer := netip.MustParseAddrPort("192.0.2.7:51000")
	cause := errors.New("bad v1 header")

	r.refused(OutcomeMalformed, peer, cause)
	lines := buf.waitLines(t, 1)
	for _, want := range []string{"level=WARN", `msg="PROXY protocol: connection refused"`, "peer=192.0.2.7:51000", "reason=malformed", `error="bad v1 header"`} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("line %q does not contain %q", lines[0], want)
		}
	}
	if strings.Contains(lines[0], "suppressed") {
		t.Errorf("first line %q counts suppressed lines", lines[0])
	}

	// More of the same reason within the interval are counted, not
	// logged; another reason has its own allowance.
	for range 4 {
		r.refused(OutcomeMalformed, peer, cause)
	}
	clock.advance(time.Second - time.Nanosecond)
	r.refused(OutcomeMalformed, peer, cause)
	r.refused(OutcomeTimeout, peer, nil)
	lines = buf.waitLines(t, 2)
	if !strings.Contains(lines[1], "reason=timeout") || strings.Contains(lines[1], "error=") {
		t.Errorf("second line %q, want the timeout without an error", lines[1])
	}

	clock.advance(time.Nanosecond)
	r.refused(OutcomeMalformed, netip.MustParseAddrPort("[2001:db8::1]:443"), cause)
	lines = buf.waitLines(t, 3)
	for _, want := range []string{"reason=malformed", "peer=[2001:db8::1]:443", "suppressed=5"} {
		if !strings.Contains(lines[2], want) {
			t.Errorf("line %q does not contain %q", lines[2], want)
		}
	}
}

func TestRefusalLogAllocatesNothingWhenSuppressed(t *testing.T) {
	log, buf := testLogger()
	clock := &fakeClock{now: time.Unix(1_000_000, 0)}
	r := newRefusalLog(log, time.Second, clock.Now)
	peer := netip.MustParseAddrPort("192.0.2.7:51000")
	r.refused(OutcomeMissing, peer, errMissing)
	buf.waitLines(t, 1)
	if n := testing.AllocsPerRun(1000, func() { r.refused(OutcomeMissing, peer, errMissing) }); n != 0 {
		t.Errorf("a suppressed refusal allocates %v times, want 0", n)
	}
	var none *refusalLog // Policy.Log nil
	if n := testing.AllocsPerRun(100, func() { none.refused(OutcomeMissing, peer, errMissing) }); n != 0 {
		t.Errorf("a refusal without a logger allocates %v times, want 0", n)
	}
}

// TestRefusedConnectionsAreLogged: each way a listener refuses a
// connection leaves a warning with the listener, the peer and the reason.
func TestRefusedConnectionsAreLogged(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		policy Policy
		send   string // "" sends nothing
		reason string
		cause  string
	}{
		{"untrusted peer, required", Policy{Mode: ModeRequired, TrustedCIDRs: elsewhereTrust, HeaderTimeout: time.Hour}, "", "untrusted-sender", "peer not in the trusted CIDRs"},
		{"untrusted header, optional", Policy{Mode: ModeOptional, TrustedCIDRs: elsewhereTrust}, "PROXY TCP4 203.0.113.7 192.0.2.1 51000 80\r\n", "untrusted-sender", "PROXY header from a peer not in the trusted CIDRs"},
		{"missing", Policy{Mode: ModeRequired, TrustedCIDRs: loopbackTrust}, request, "missing", "no PROXY header"},
		{"malformed", Policy{Mode: ModeOptional, TrustedCIDRs: loopbackTrust}, "PROXY garbage\r\n", "malformed", "error="},
		{"timeout", Policy{Mode: ModeRequired, TrustedCIDRs: loopbackTrust, HeaderTimeout: 20 * time.Millisecond}, "PROXY TCP4 ", "timeout", "timeout"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			log, buf := testLogger()
			tc.policy.Log = log.With("listener", "public")
			srv := startServer(t, "tcp4", tc.policy)
			conn := dial(t, "tcp4", srv.addr, netip.Addr{})
			if tc.send != "" {
				if _, err := conn.Write([]byte(tc.send)); err != nil {
					t.Fatal(err)
				}
			}
			expectClosed(t, conn)
			line := buf.waitLines(t, 1)[0]
			for _, want := range []string{"level=WARN", "listener=public", "peer=" + localAP(conn).String(), "reason=" + tc.reason, tc.cause} {
				if !strings.Contains(line, want) {
					t.Errorf("line %q does not contain %q", line, want)
				}
			}
		})
	}
}
