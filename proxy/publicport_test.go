package proxy

import (
	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/pires/go-proxyproto"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/listen"
)

// TestXForwardedPortIsThePortTheClientConnectedTo checks X-Forwarded-Port
// (issue 20): the destination port of a believed PROXY header, else the
// listener's public port, else its socket's; the fast loop and net/http's
// server agree; Host travels as the client sent it.
func TestXForwardedPortIsThePortTheClientConnectedTo(t *testing.T) {
	t.Parallel()
	pp := listen.Policy{Mode: listen.ModeOptional, TrustedCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	p := startProxyWith(t, oneBackend(echoBackend(t)), Options{Listeners: []model.ListenerSpec{
		{Name: "fast", Address: "127.0.0.1:0", ProxyProtocol: pp},
		{Name: "std", Address: "127.0.0.1:0", ProxyProtocol: pp, H2C: true},
		{Name: "fast-public", Address: "127.0.0.1:0", ProxyProtocol: pp, PublicPort: 80},
		{Name: "std-public", Address: "127.0.0.1:0", ProxyProtocol: pp, PublicPort: 80, H2C: true},
	}})
	if p.srv.listeners["fast"].fast == nil || p.srv.listeners["std"].fast != nil {
		t.Fatal("listener setup: want the fast loop on fast only")
	}
	v1 := []byte("PROXY TCP4 203.0.113.7 198.51.100.1 51000 443\r\n")
	v2 := func(dport int) []byte {
		b, err := proxyproto.HeaderProxyFromAddrs(2,
			&net.TCPAddr{IP: net.ParseIP("2001:db8::7"), Port: 51000},
			&net.TCPAddr{IP: net.ParseIP("2001:db8::1"), Port: dport}).Format()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	cases := []struct {
		name   string
		public bool   // the listener with publicPort 80
		prefix []byte // PROXY header
		host   string
		want   string // "" for the socket's port
	}{
		{name: "socket port", host: "app.test"},
		{name: "public port", public: true, host: "app.test", want: "80"},
		{name: "PROXY v1 destination", prefix: v1, host: "app.test", want: "443"},
		{name: "PROXY v1 destination over the public port", public: true, prefix: v1, host: "app.test", want: "443"},
		{name: "PROXY v2 destination", public: true, prefix: v2(8443), host: "app.test:8443", want: "8443"},
		{name: "PROXY v2 port 80", public: true, prefix: v2(80), host: "app.test", want: "80"},
		{name: "PROXY v2 destination port 0", public: true, prefix: v2(0), host: "app.test", want: "80"},
		{name: "PROXY LOCAL", public: true, prefix: localHeader(t), host: "app.test", want: "80"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, path := range []string{"fast", "std"} {
				name := path
				if tc.public {
					name += "-public"
				}
				addr := p.srv.Addr(name).String()
				want := tc.want
				if want == "" {
					want = strconv.Itoa(p.srv.Addr(name).(*net.TCPAddr).Port)
				}
				resp, err := rawRequest(t, addr, tc.prefix, "GET / HTTP/1.1\r\nHost: "+tc.host+"\r\nConnection: close\r\n\r\n")
				got := echoed(t, resp, err)
				if v := got.Headers.Get("X-Forwarded-Port"); v != want {
					t.Errorf("%s: X-Forwarded-Port = %q, want %q", name, v, want)
				}
				if v := got.Headers.Get("X-Forwarded-Host"); v != tc.host {
					t.Errorf("%s: X-Forwarded-Host = %q, want %q as sent", name, v, tc.host)
				}
				if v := got.Headers.Get("Forwarded"); !containsHost(v, tc.host) {
					t.Errorf("%s: Forwarded = %q, want host %s", name, v, tc.host)
				}
			}
		})
	}
}

// containsHost reports whether the Forwarded value v names host, as a
// token or quoted.
func containsHost(v, host string) bool {
	for _, h := range []string{";host=" + host + ";", ";host=" + strconv.Quote(host) + ";"} {
		if strings.Contains(v, h) {
			return true
		}
	}
	return false
}

// localHeader returns a PROXY v2 LOCAL header, which is consumed but not
// believed.
func localHeader(t *testing.T) []byte {
	t.Helper()
	b, err := (&proxyproto.Header{Version: 2, Command: proxyproto.LOCAL}).Format()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPortStringsAlternatingPortsDoNotAllocate checks that a listener
// whose load balancer sends two destination ports (80 and 443 to one
// socket) costs no allocation per request for X-Forwarded-Port.
func TestPortStringsAlternatingPortsDoNotAllocate(t *testing.T) {
	var p portStrings
	ports := []uint16{80, 443, 8080}
	for _, port := range ports {
		p.String(port)
	}
	i := 0
	allocs := testing.AllocsPerRun(100, func() {
		if got := p.String(ports[i%len(ports)]); got != strconv.Itoa(int(ports[i%len(ports)])) {
			t.Fatalf("String(%d) = %q", ports[i%len(ports)], got)
		}
		i++
	})
	if allocs != 0 {
		t.Errorf("%v allocations per call, want 0", allocs)
	}
}

// TestPublicPortChangeReplacesTheListener checks that a reload changing
// only publicPort is not taken for the same listener: its handler holds
// the port.
func TestPublicPortChangeReplacesTheListener(t *testing.T) {
	t.Parallel()
	a := model.ListenerSpec{Name: "l", Address: "127.0.0.1:8080"}.WithDefaults()
	b := a
	b.PublicPort = 80
	if sameListener(a, b) {
		t.Error("sameListener ignores PublicPort")
	}
	if !sameListener(b, b) {
		t.Error("sameListener(b, b) = false")
	}
}
