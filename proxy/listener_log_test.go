package proxy

import (
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/listen"
)

// TestRefusedPROXYConnectionIsLogged: a connection a listener refuses for
// its PROXY policy leaves a warning naming the listener, the peer and the
// reason.
func TestRefusedPROXYConnectionIsLogged(t *testing.T) {
	t.Parallel()
	logs := &lockedBuffer{}
	p := startProxyWith(t, oneBackend(echoBackend(t)), Options{
		Listeners: []model.ListenerSpec{{Name: "public", Address: "127.0.0.1:0", ProxyProtocol: listen.Policy{
			Mode:         listen.ModeRequired,
			TrustedCIDRs: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")},
		}}},
		Logger: slog.New(slog.NewTextHandler(logs, nil)),
	})
	conn, err := net.DialTimeout("tcp", p.addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, _ := io.Copy(io.Discard, conn); n != 0 {
		t.Errorf("got %d bytes from a refused connection", n)
	}
	want := []string{"level=WARN", "listener=public", "peer=" + conn.LocalAddr().String(), "reason=untrusted-sender"}
	deadline := time.Now().Add(10 * time.Second)
	for {
		var line string
		for l := range strings.Lines(logs.String()) {
			if strings.Contains(l, "PROXY protocol: connection refused") {
				line = l
			}
		}
		if line != "" {
			for _, w := range want {
				if !strings.Contains(line, w) {
					t.Errorf("line %q does not contain %q", line, w)
				}
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no refusal logged:\n%s", logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
