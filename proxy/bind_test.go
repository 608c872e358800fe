package proxy

import (
	"errors"
	"net"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/firsthop/firsthop/model"
)

// haveIPv6Loopback reports whether ::1 can be bound on this machine.
func haveIPv6Loopback() bool {
	l, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// dialRefused fails t unless a connection to address is refused.
func dialRefused(t *testing.T, address string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", address, 5*time.Second)
	if err == nil {
		c.Close()
		t.Fatalf("connection to %s was accepted, want it refused", address)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial %s: %v, want connection refused", address, err)
	}
}

// TestIPv4WildcardListenerRefusesIPv6 checks that a listener on 0.0.0.0
// serves IPv4 only: Go's "tcp" would have bound it dual-stack, so that
// [::1] reached it (issue 20).
func TestIPv4WildcardListenerRefusesIPv6(t *testing.T) {
	if !haveIPv6Loopback() {
		t.Skip("no IPv6 loopback")
	}
	p := startProxyWith(t, oneBackend(echoBackend(t)), Options{
		Listeners: []model.ListenerSpec{{Name: "public", Address: "0.0.0.0:0"}},
	})
	port := p.srv.Addr("public").(*net.TCPAddr).Port
	resp, err := rawRequest(t, net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), nil, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	echoed(t, resp, err)
	dialRefused(t, net.JoinHostPort("::1", strconv.Itoa(port)))
}

// TestIPv6WildcardIsIPv6Only checks that [::] is bound IPV6_V6ONLY: it
// refuses IPv4, and 0.0.0.0 can be bound on the same port beside it.
func TestIPv6WildcardIsIPv6Only(t *testing.T) {
	if !haveIPv6Loopback() {
		t.Skip("no IPv6 loopback")
	}
	l6, err := listenTCP("[::]:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l6.Close()
	port := strconv.Itoa(l6.Addr().(*net.TCPAddr).Port)
	dialRefused(t, net.JoinHostPort("127.0.0.1", port))
	l4, err := listenTCP("0.0.0.0:" + port)
	if err != nil {
		t.Fatalf("0.0.0.0:%s beside [::]:%s: %v", port, port, err)
	}
	l4.Close()
}

// TestListenAddressMustBeIPPort checks that a host name is refused rather
// than resolved.
func TestListenAddressMustBeIPPort(t *testing.T) {
	t.Parallel()
	for _, a := range []string{"localhost:0", ":0", "127.0.0.1"} {
		if l, err := listenTCP(a); err == nil {
			l.Close()
			t.Errorf("listenTCP(%q) succeeded, want an error", a)
		}
	}
}
