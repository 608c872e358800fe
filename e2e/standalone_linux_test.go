package e2e

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"testing"
	"time"
)

// standalone is the topology of the standalone-mode scenarios:
//
//	client 203.0.113.7 / fd00::203:0:113:7
//	  ├─> haproxy 192.0.2.10:80 (mode tcp, send-proxy-v2) ─> node-a:8080 "l4" (PROXY required from haproxy)
//	  ├─> nginx   192.0.2.20:80 (L7, X-Forwarded-For)      ─> node-a:8081 "l7" (no PROXY; nginx trusted)
//	  └─> node-a:8080 directly (refused: not haproxy)
//	node-a 198.51.100.1: firsthop serve ─> pod-a 198.51.100.64:8080: firsthop echo
type standalone struct {
	client, node, pod *Host
	haproxy, nginx    *LB
	firsthop          *Firsthop
}

// Ports of the standalone topology.
const (
	l4Port   = 8080 // firsthop listener behind HAProxy
	l7Port   = 8081 // firsthop listener behind nginx
	echoPort = 8080 // echo backend in the pod
)

// appHost is the virtual host the scenarios' route serves.
const appHost = "app.example.com"

// newStandalone builds the standalone topology on a fresh fabric.
func newStandalone(t *testing.T) *standalone {
	t.Helper()
	RequireCommands(t, "haproxy", "nginx", "curl")
	f := NewFabric(t)
	s := &standalone{
		client: f.Client(t, "client"),
		node:   f.Node(t, "node-a"),
		pod:    f.Pod(t, "pod-a"),
	}
	lb4 := f.AddHost(t, HostSpec{Name: "haproxy", Role: Infra, IPv4: netip.MustParseAddr("192.0.2.10")})
	lb7 := f.AddHost(t, HostSpec{Name: "nginx", Role: Infra, IPv4: netip.MustParseAddr("192.0.2.20")})
	s.pod.Echo(t, echoPort)
	s.firsthop = s.node.Firsthop(t, FirsthopSpec{Config: fmt.Sprintf(`
node: node-a
admin:
  address: %[1]s
listeners:
  - name: l4
    address: "0.0.0.0:%[2]d"
    proxyProtocol:
      mode: required
      trustedCIDRs: [%[3]s/32, %[4]s/128]
      # Longer than curl's --max-time: a refusal that waited for the
      # header would show as a curl timeout, not as a closed connection.
      headerTimeout: 30s
  - name: l7
    address: "0.0.0.0:%[5]d"
    proxyProtocol:
      mode: "off"
clientIP:
  trustedProxies: [%[6]s/32, %[7]s/128]
  sources: [forwarded, x-forwarded-for]
forwardedHeaders:
  xForwardedFor: append
  forwarded: append
  xRealIP: true
routes:
  - host: %[8]s
    paths:
      - { path: /, pathType: Prefix, backend: echo }
backends:
  - name: echo
    timeouts: { connect: 5s, responseHeader: 10s }
    endpoints:
      - { address: "%[9]s", node: node-a }
`, DefaultAdmin, l4Port, lb4.IPv4, lb4.IPv6, l7Port, lb7.IPv4, lb7.IPv6, appHost, s.pod.Addr4(echoPort))})
	s.haproxy = lb4.HAProxy(t, HAProxySpec{Servers: []netip.AddrPort{s.node.Addr4(l4Port)}, SendProxyV2: true})
	s.nginx = lb7.Nginx(t, NginxSpec{Upstreams: []netip.AddrPort{s.node.Addr4(l7Port)}})
	return s
}

// get sends GET path for appHost from the client through url's listener.
func (s *standalone) get(t *testing.T, url string, args ...string) CurlResult {
	t.Helper()
	return s.client.Curl(t, url, append([]string{"-H", "Host: " + appHost}, args...)...)
}

// TestStandalone runs the standalone-mode scenarios of issue #3 against one
// topology; each subtest is one scenario.
func TestStandalone(t *testing.T) {
	s := newStandalone(t)
	client4, client6 := s.client.IPv4.String(), s.client.IPv6.String()
	nginx4 := s.nginx.Host.IPv4.String()

	t.Run("L4 LB with PROXY v2: backend sees the client", func(t *testing.T) {
		t.Parallel()
		e := s.get(t, s.haproxy.URL4("/x?a=1")).Echo(t)
		e.WantXFF(t, client4)
		e.WantForwardedFor(t, client4)
		e.WantHeader(t, "X-Real-IP", client4)
		if e.Path != "/x" || e.Query != "a=1" || e.Host != appHost {
			t.Errorf("backend got path %q query %q host %q", e.Path, e.Query, e.Host)
		}
	})

	t.Run("L4 LB: forged forwarding headers are not believed", func(t *testing.T) {
		t.Parallel()
		e := s.get(t, s.haproxy.URL4("/"),
			"-H", "X-Forwarded-For: 198.51.100.99",
			"-H", "Forwarded: for=198.51.100.98",
			"-H", "X-Real-IP: 198.51.100.97",
			"-H", "X_Forwarded_For: 198.51.100.96",
		).Echo(t)
		e.WantXFF(t, client4)
		e.WantForwardedFor(t, client4)
		e.WantHeader(t, "X-Real-IP", client4)
		for _, forged := range []string{"198.51.100.99", "198.51.100.98", "198.51.100.97", "198.51.100.96"} {
			e.WantNowhere(t, forged)
		}
	})

	t.Run("L7 LB: backend sees the client with nginx's hop in the chain", func(t *testing.T) {
		t.Parallel()
		e := s.get(t, s.nginx.URL4("/")).Echo(t)
		e.WantXFF(t, client4, nginx4)
		e.WantForwardedFor(t, client4, nginx4)
		e.WantHeader(t, "X-Real-IP", client4)
	})

	t.Run("L7 LB: a forgery before the client is dropped", func(t *testing.T) {
		t.Parallel()
		// nginx appends the client to what it was sent:
		// "198.51.100.99, 203.0.113.7"; the walk stops at the client.
		e := s.get(t, s.nginx.URL4("/"), "-H", "X-Forwarded-For: 198.51.100.99").Echo(t)
		e.WantHeader(t, "X-Real-IP", client4)
		e.WantXFF(t, client4, nginx4)
		e.WantForwardedFor(t, client4, nginx4)
		e.WantNowhere(t, "198.51.100.99")
	})

	t.Run("straight to the PROXY-required listener: refused, next LB connection served", func(t *testing.T) {
		t.Parallel()
		direct := s.node.Addr4(l4Port)
		for _, args := range [][]string{
			nil,                    // plain HTTP, no PROXY header
			{"--haproxy-protocol"}, // a PROXY v1 header from a peer that is not the LB
			{"-H", "X-Forwarded-For: 198.51.100.99"},
		} {
			r := s.get(t, "http://"+direct.String()+"/", args...)
			if !slices.Contains(CurlRefused, r.ExitCode) || r.Status != 0 {
				t.Errorf("direct connection %v: want it closed without a response (curl exit %v); %s", args, CurlRefused, r)
			}
		}
		// Forged PROXY headers naming someone else. The header timeout is
		// 30s, so a connection not closed at once ends in a read timeout.
		forged := netip.MustParseAddrPort("198.51.100.99:1234")
		request := []byte("GET / HTTP/1.1\r\nHost: " + appHost + "\r\nConnection: close\r\n\r\n")
		for name, header := range map[string][]byte{
			"v1": ProxyV1Header(forged, direct),
			"v2": ProxyV2Header(forged, direct),
		} {
			got, err := s.client.Exchange(t, direct, append(header, request...), 5*time.Second)
			if len(got) > 0 || isTimeout(err) {
				t.Errorf("forged PROXY %s header from the client: got %q, %v; want the connection closed at once, unanswered", name, got, err)
			}
		}
		e := s.get(t, s.haproxy.URL4("/")).Echo(t)
		e.WantHeader(t, "X-Real-IP", client4)
		if s.firsthop.Exited() {
			t.Errorf("firsthop exited: %v", s.firsthop.ExitError())
		}
	})

	t.Run("IPv6 client through the L4 LB: Forwarded quotes and brackets it", func(t *testing.T) {
		t.Parallel()
		e := s.get(t, s.haproxy.URL6("/")).Echo(t)
		e.WantForwardedFor(t, `"[`+client6+`]"`)
		e.WantXFF(t, client6)
		e.WantHeader(t, "X-Real-IP", client6)
	})

	t.Run("IPv6 client through the L7 LB", func(t *testing.T) {
		t.Parallel()
		e := s.get(t, s.nginx.URL6("/")).Echo(t)
		// nginx reaches firsthop over IPv4: its hop is its IPv4 address.
		e.WantXFF(t, client6, nginx4)
		e.WantForwardedFor(t, `"[`+client6+`]"`, nginx4)
		e.WantHeader(t, "X-Real-IP", client6)
	})
}

// isTimeout reports whether err is a network timeout.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
