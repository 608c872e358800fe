package proxy

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"testing"

	proxyproto "github.com/pires/go-proxyproto"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/clientip"
	"github.com/firsthop/firsthop/proxy/listen"
)

// Class 1 of the hostile catalogue: forged identity. A client that writes
// the headers a proxy uses to say who the client is must not be believed,
// and must not be able to make the headers firsthop writes disappear.
// Forged values carry the marker 6.6.6.6 or "evil"; none may reach the
// backend.

const forgedRequest = "GET /whoami HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n"

// wantNoForgery fails t when a forged marker reached the backend in any
// header.
func wantNoForgery(t testing.TB, req seenRequest) {
	t.Helper()
	for k, vs := range req.Header {
		for _, v := range vs {
			if strings.Contains(v, "6.6.6.6") || strings.Contains(strings.ToLower(v), "evil") {
				t.Errorf("a forged value reached the backend: %s: %s", k, v)
			}
		}
	}
}

// TestHostileIdentityUntrustedClient: a client no proxy setting trusts
// sends identity headers of its own. The backend must see exactly the
// identity headers firsthop writes for the client's socket address.
func TestHostileIdentityUntrustedClient(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		headers string
	}{
		{"forged X-Forwarded-For is replaced by the peer address",
			"X-Forwarded-For: 6.6.6.6\r\n"},
		{"forged X-Forwarded-For on three lines is replaced by one line",
			"X-Forwarded-For: 6.6.6.6\r\nX-Forwarded-For: 10.0.0.1\r\nX-Forwarded-For: 6.6.6.6, 127.0.0.1\r\n"},
		{"forged Forwarded with for, host and proto is replaced",
			"Forwarded: for=6.6.6.6;host=evil.test;proto=https\r\n"},
		{"forged Forwarded hiding a second element in a quoted string is replaced",
			"Forwarded: for=\"6.6.6.6, for=127.0.0.1\";proto=https\r\n"},
		{"forged X-Real-IP is replaced",
			"X-Real-IP: 6.6.6.6\r\n"},
		{"forged X-Forwarded-Host, -Proto and -Port are replaced by what the client connected to",
			"X-Forwarded-Host: evil.test\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Port: 443\r\n"},
		{"forged X-Forwarded-Prefix, -Server, -Uri and -Ssl are removed",
			"X-Forwarded-Prefix: /evil\r\nX-Forwarded-Server: evil.test\r\nX-Forwarded-Uri: /evil\r\nX-Forwarded-Ssl: on\r\n"},
		{"underscore spellings X_Forwarded_For, X_Real_IP and X-Forwarded_Host are removed",
			"X_Forwarded_For: 6.6.6.6\r\nX_Real_IP: 6.6.6.6\r\nX-Forwarded_Host: evil.test\r\nX_FORWARDED_PROTO: https\r\n"},
		{"lower, upper and mixed case spellings are replaced",
			"x-forwarded-for: 6.6.6.6\r\nX-REAL-IP: 6.6.6.6\r\nfOrWaRdEd: for=6.6.6.6\r\nx-FORWARDED-host: evil.test\r\n"},
		{"other client-IP headers are removed",
			"True-Client-IP: 6.6.6.6\r\nCF-Connecting-IP: 6.6.6.6\r\nX-Client-IP: 6.6.6.6\r\nX-Cluster-Client-IP: 6.6.6.6\r\n" +
				"Fastly-Client-IP: 6.6.6.6\r\nClient-IP: 6.6.6.6\r\nX-Original-Forwarded-For: 6.6.6.6\r\nTrue_Client_IP: 6.6.6.6\r\n"},
		{"an obs-folded X-Real-IP is unfolded and replaced",
			"X-Real-IP: 127.0.0.1\r\n 6.6.6.6\r\nX-Forwarded-For: 127.0.0.1,\r\n\t6.6.6.6\r\n"},
		{"empty identity headers are replaced",
			"X-Forwarded-For:\r\nForwarded:\r\nX-Real-IP: \r\n"},
		{"identity headers with a trusted-looking loopback address are replaced",
			"X-Forwarded-For: 127.0.0.2\r\nX-Real-IP: 127.0.0.2\r\nForwarded: for=127.0.0.2\r\n"},
		{"Connection naming X-Forwarded-For cannot remove it",
			"X-Forwarded-For: 6.6.6.6\r\nConnection: X-Forwarded-For\r\n"},
		{"Connection naming every header firsthop adds cannot remove any",
			"Connection: X-Forwarded-For, Forwarded, X-Real-IP, X-Forwarded-Host, X-Forwarded-Proto, X-Forwarded-Port\r\n"},
		{"two Connection lines naming the added headers cannot remove them",
			"Connection: x-forwarded-for,forwarded\r\nConnection: X-REAL-IP , x-forwarded-proto,X-Forwarded-Host,x-forwarded-port\r\n"},
		{"Connection naming the added headers on a WebSocket upgrade cannot remove them",
			"Connection: Upgrade, X-Forwarded-For, X-Real-IP, Forwarded\r\nUpgrade: websocket\r\n" +
				"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nX-Forwarded-For: 6.6.6.6\r\n"},
		{"Connection naming the added headers on an h2c upgrade cannot remove them",
			"Connection: Upgrade, HTTP2-Settings, X-Forwarded-For, X-Real-IP\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := hostileSetup{}.run(t, forgedRequest+c.headers+"\r\n")
			r.wantStatuses(t, http.StatusOK)
			req := onlyRequest(t, r.conns)
			wantNoForgery(t, req)
			wantOnlyClient(t, req.Header, "127.0.0.1", "app.test", r.port)
		})
	}
}

// TestHostileIdentityRefusedHeaders: header lines that parsers disagree
// about are refused with 400 before anything reaches the backend.
func TestHostileIdentityRefusedHeaders(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, headers string }{
		{"a space before the colon of X-Forwarded-For is refused", "X-Forwarded-For : 6.6.6.6\r\n"},
		{"a tab before the colon of X-Real-IP is refused", "X-Real-IP\t: 6.6.6.6\r\n"},
		{"a NUL byte in X-Forwarded-For is refused", "X-Forwarded-For: 127.0.0.1\x006.6.6.6\r\n"},
		{"a bare CR inside X-Forwarded-For is refused", "X-Forwarded-For: 127.0.0.1\r6.6.6.6\r\n"},
		{"a header name with a slash is refused", "X-Forwarded/For: 6.6.6.6\r\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := hostileSetup{}.run(t, forgedRequest+c.headers+"\r\n")
			r.wantStatuses(t, http.StatusBadRequest)
			wantNothingForwarded(t, r.conns)
		})
	}
}

// TestHostileIdentityTrustedProxy: the peer is a trusted proxy (loopback),
// but what its own client wrote to the left of the address the trusted
// proxy appended is still the client's word, and is not believed.
func TestHostileIdentityTrustedProxy(t *testing.T) {
	t.Parallel()
	trustLoopback := func(s *model.TableSpec) {
		s.ClientIP = clientip.Policy{
			TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("10.0.0.0/8")},
			Headers:        []clientip.Header{clientip.HeaderForwarded, clientip.HeaderXForwardedFor},
		}
	}
	cases := []struct {
		name    string
		headers string
		client  string // the X-Real-IP the backend must see
		xff     string // the X-Forwarded-For the backend must see
	}{
		{"a trusted-looking address left of the real client is not the client",
			"X-Forwarded-For: 10.9.9.9, 203.0.113.7\r\n", "203.0.113.7", "203.0.113.7, 127.0.0.1"},
		{"forged entries left of the real client are dropped from X-Forwarded-For",
			"X-Forwarded-For: 6.6.6.6, 198.51.100.1, 203.0.113.7, 10.1.1.1\r\n", "203.0.113.7", "203.0.113.7, 10.1.1.1, 127.0.0.1"},
		{"several X-Forwarded-For lines are one list read from the right",
			"X-Forwarded-For: 6.6.6.6\r\nX-Forwarded-For: 203.0.113.7\r\nX-Forwarded-For: 10.1.1.1\r\n", "203.0.113.7", "203.0.113.7, 10.1.1.1, 127.0.0.1"},
		{"a malformed entry stops the walk at the last trusted hop",
			"X-Forwarded-For: 6.6.6.6, not-an-ip, 10.1.1.1\r\n", "10.1.1.1", "10.1.1.1, 127.0.0.1"},
		{"Forwarded is read before X-Forwarded-For and every header agrees with it",
			"Forwarded: for=203.0.113.7\r\nX-Forwarded-For: 6.6.6.6\r\n", "203.0.113.7", "203.0.113.7, 127.0.0.1"},
		{"Forwarded obfuscated identifier stops the walk; the forged XFF is not used instead",
			"Forwarded: for=_hidden, for=10.1.1.1\r\nX-Forwarded-For: 6.6.6.6\r\n", "10.1.1.1", "10.1.1.1, 127.0.0.1"},
		{"underscore X_Forwarded_For from a trusted proxy is removed, not merged",
			"X-Forwarded-For: 203.0.113.7\r\nX_Forwarded_For: 6.6.6.6\r\nX_Real_IP: 6.6.6.6\r\n", "203.0.113.7", "203.0.113.7, 127.0.0.1"},
		{"an obs-folded X-Forwarded-For is one line, read from the right",
			"X-Forwarded-For: 6.6.6.6,\r\n 203.0.113.7\r\n", "203.0.113.7", "203.0.113.7, 127.0.0.1"},
		{"Connection naming X-Forwarded-For does not hide the trusted chain",
			"X-Forwarded-For: 6.6.6.6, 203.0.113.7\r\nConnection: X-Forwarded-For, X-Real-IP\r\n", "203.0.113.7", "203.0.113.7, 127.0.0.1"},
		{"an IPv4-mapped entry is written unmapped",
			"X-Forwarded-For: 6.6.6.6, ::ffff:203.0.113.7, ::ffff:10.1.1.1\r\n", "203.0.113.7", "203.0.113.7, 10.1.1.1, 127.0.0.1"},
		{"a zoned entry is written without its zone",
			"X-Forwarded-For: 6.6.6.6, fe80::7%25eth0\r\n", "fe80::7", "fe80::7, 127.0.0.1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := hostileSetup{edit: trustLoopback}.run(t, forgedRequest+c.headers+"\r\n")
			r.wantStatuses(t, http.StatusOK)
			req := onlyRequest(t, r.conns)
			wantNoForgery(t, req)
			if v := req.Header["X-Real-Ip"]; len(v) != 1 || v[0] != c.client {
				t.Errorf("X-Real-Ip = %q, want [%q]", v, c.client)
			}
			if v := req.Header["X-Forwarded-For"]; len(v) != 1 || v[0] != c.xff {
				t.Errorf("X-Forwarded-For = %q, want [%q]", v, c.xff)
			}
			for k := range req.Header {
				if strings.Contains(k, "_") {
					t.Errorf("underscore header %q reached the backend", k)
				}
			}
		})
	}
}

// TestHostileIdentityBehindPROXYProtocol: a trusted Layer 4 load balancer
// passes the client's bytes through after its PROXY header. Whatever
// identity headers the client wrote, the client is the PROXY source.
func TestHostileIdentityBehindPROXYProtocol(t *testing.T) {
	t.Parallel()
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	// The load balancer is trusted for PROXY headers and, as many
	// deployments do, for X-Forwarded-For too.
	lbTrusted := hostileSetup{
		pp: listen.Policy{Mode: listen.ModeRequired, TrustedCIDRs: loopback},
		edit: func(s *model.TableSpec) {
			s.ClientIP = clientip.Policy{
				TrustedProxies: append(loopback, netip.MustParsePrefix("10.0.0.0/8")),
				Headers:        []clientip.Header{clientip.HeaderForwarded, clientip.HeaderXForwardedFor},
			}
		},
	}
	v1 := func(src string) string { return "PROXY TCP4 " + src + " 192.0.2.1 40000 443\r\n" }
	v2 := func(src string) string {
		hdr := proxyproto.HeaderProxyFromAddrs(2, &net.TCPAddr{IP: net.ParseIP(src), Port: 40000},
			&net.TCPAddr{IP: net.ParseIP("192.0.2.1"), Port: 443})
		b, err := hdr.Format()
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	cases := []struct {
		name          string
		prefix        string
		headers       string
		client, xff   string
		wantForwarded string
	}{
		{"v1: a client X-Forwarded-For behind the load balancer is ignored",
			v1("203.0.113.7"), "X-Forwarded-For: 6.6.6.6\r\nX-Real-IP: 6.6.6.6\r\n", "203.0.113.7", "203.0.113.7",
			"for=203.0.113.7;host=app.test;proto=http"},
		{"v2: a client Forwarded and X-Forwarded-For behind the load balancer are ignored",
			v2("203.0.113.7"), "Forwarded: for=6.6.6.6\r\nX-Forwarded-For: 6.6.6.6\r\n", "203.0.113.7", "203.0.113.7",
			"for=203.0.113.7;host=app.test;proto=http"},
		{"v2: an IPv4-mapped PROXY source is unmapped and still not trusted",
			v2("::ffff:203.0.113.7"), "X-Forwarded-For: 6.6.6.6\r\n", "203.0.113.7", "203.0.113.7",
			"for=203.0.113.7;host=app.test;proto=http"},
		{"v1: a PROXY source that is a trusted proxy is walked past, and no further than its client",
			v1("10.1.1.1"), "X-Forwarded-For: 6.6.6.6, 203.0.113.7\r\n", "203.0.113.7", "203.0.113.7, 10.1.1.1",
			"for=203.0.113.7, for=10.1.1.1;host=app.test;proto=http"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := lbTrusted.run(t, c.prefix+forgedRequest+c.headers+"\r\n")
			r.wantStatuses(t, http.StatusOK)
			req := onlyRequest(t, r.conns)
			wantNoForgery(t, req)
			for k, want := range map[string]string{"X-Real-Ip": c.client, "X-Forwarded-For": c.xff, "Forwarded": c.wantForwarded} {
				if v := req.Header[k]; len(v) != 1 || v[0] != want {
					t.Errorf("%s = %q, want [%q]", k, v, want)
				}
			}
		})
	}

	// A client that reaches the listener directly, not through the load
	// balancer, may not send a PROXY header at all.
	t.Run("an untrusted client's own PROXY header naming a trusted source is refused", func(t *testing.T) {
		t.Parallel()
		s := lbTrusted
		s.pp = listen.Policy{Mode: listen.ModeOptional, TrustedCIDRs: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}}
		r := s.run(t, v1("10.1.1.1")+forgedRequest+"\r\n")
		r.wantStatuses(t) // closed without an answer
		wantNothingForwarded(t, r.conns)
	})
	t.Run("a second PROXY header after the load balancer's is refused", func(t *testing.T) {
		t.Parallel()
		r := lbTrusted.run(t, v1("203.0.113.7")+v1("10.1.1.1")+forgedRequest+"\r\n")
		r.wantStatuses(t, http.StatusBadRequest)
		wantNothingForwarded(t, r.conns)
	})
}

// TestHostileIdentityPeerForms: peers the socket reports as IPv4-mapped
// IPv6 or with an IPv6 zone are normalised before they are matched
// against trusted prefixes and before they are written. The requests are
// served through a listener's handler directly, since a loopback socket
// never reports such a peer.
func TestHostileIdentityPeerForms(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		peer    string
		trusted string
		xff     string // the request's
		client  string // the X-Real-IP the backend must see
		wantXFF string
	}{
		{"an IPv4-mapped peer matches an IPv4 trusted prefix", "[::ffff:10.1.1.1]:4000", "10.0.0.0/8",
			"6.6.6.6, 203.0.113.7", "203.0.113.7", "203.0.113.7, 10.1.1.1"},
		{"an IPv4-mapped peer outside the trusted prefix cannot forge", "[::ffff:203.0.113.7]:4000", "10.0.0.0/8",
			"10.1.1.1", "203.0.113.7", "203.0.113.7"},
		{"an IPv4-mapped trusted prefix does not make an IPv4 peer trusted", "10.1.1.1:4000", "::ffff:10.0.0.0/104",
			"6.6.6.6", "10.1.1.1", "10.1.1.1"},
		{"a zoned link-local peer matches without its zone and is written without it", "[fe80::1%eth0]:4000", "fe80::/10",
			"6.6.6.6, 203.0.113.7", "203.0.113.7", "203.0.113.7, fe80::1"},
		{"a zoned link-local peer outside the trusted prefix cannot forge", "[fe80::1%eth0]:4000", "10.0.0.0/8",
			"6.6.6.6", "fe80::1", "fe80::1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := startRawBackend(t, nil)
			spec := oneBackend(b.addr)
			spec.ClientIP = clientip.Policy{
				TrustedProxies: []netip.Prefix{netip.MustParsePrefix(c.trusted)},
				Headers:        []clientip.Header{clientip.HeaderXForwardedFor},
			}
			p := startProxy(t, spec, listen.Policy{})
			req := httptest.NewRequest(http.MethodGet, "http://app.test/whoami", nil)
			req.RemoteAddr = c.peer
			req.Header.Set("X-Forwarded-For", c.xff)
			rec := httptest.NewRecorder()
			p.srv.listeners["public"].srv.Handler.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d, want 200: %s", rec.Code, rec.Body)
			}
			seen := onlyRequest(t, b.settle(t, p))
			wantNoForgery(t, seen)
			if v := seen.Header["X-Real-Ip"]; len(v) != 1 || v[0] != c.client {
				t.Errorf("X-Real-Ip = %q, want [%q]", v, c.client)
			}
			if v := seen.Header["X-Forwarded-For"]; len(v) != 1 || v[0] != c.wantXFF {
				t.Errorf("X-Forwarded-For = %q, want [%q]", v, c.wantXFF)
			}
		})
	}
}

// TestHostileIdentityTrustedProto: a trusted proxy's X-Forwarded-Proto,
// -Host and -Port are passed on, but a proxy that appends (a second line,
// or ", value") leaves what its client wrote to the left; as for
// X-Forwarded-For, only the right-most value is the trusted proxy's.
func TestHostileIdentityTrustedProto(t *testing.T) {
	t.Parallel()
	trustLoopback := func(s *model.TableSpec) {
		s.ClientIP = clientip.Policy{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	}
	cases := []struct {
		name, headers     string
		proto, host, port string
	}{
		{"a trusted proxy's own values are passed on",
			"X-Forwarded-Proto: https\r\nX-Forwarded-Host: shop.test\r\nX-Forwarded-Port: 443\r\n", "https", "shop.test", "443"},
		{"a client's line before the trusted proxy's is not believed",
			"X-Forwarded-Proto: https\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Host: evil.test\r\nX-Forwarded-Host: shop.test\r\n" +
				"X-Forwarded-Port: 1\r\nX-Forwarded-Port: 8443\r\n", "http", "shop.test", "8443"},
		{"a client's value left of the trusted proxy's in one line is not believed",
			"X-Forwarded-Proto: https, http\r\nX-Forwarded-Host: evil.test, shop.test\r\nX-Forwarded-Port: 1,8443\r\n", "http", "shop.test", "8443"},
		{"an empty right-most value falls back to this hop's own",
			"X-Forwarded-Proto: https,\r\nX-Forwarded-Host: evil.test, \r\n", "http", "app.test", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := hostileSetup{edit: trustLoopback}.run(t, forgedRequest+c.headers+"\r\n")
			r.wantStatuses(t, http.StatusOK)
			req := onlyRequest(t, r.conns)
			port := c.port
			if port == "" {
				port = r.port
			}
			for k, want := range map[string]string{"X-Forwarded-Proto": c.proto, "X-Forwarded-Host": c.host, "X-Forwarded-Port": port} {
				if v := req.Header[k]; len(v) != 1 || v[0] != want {
					t.Errorf("%s = %q, want [%q]", k, v, want)
				}
			}
		})
	}
}

// TestHostileIdentityHostInjection: the Host a client sends is written
// into Forwarded's host= parameter; sub-delimiters that Host may carry
// (",", ";", "=") must not add an element or a parameter there. The
// backend's Forwarded, read by firsthop's own parser as the next hop
// would, holds one element, for this hop's client.
func TestHostileIdentityHostInjection(t *testing.T) {
	t.Parallel()
	for _, h := range []string{"app.test,for=6.6.6.6", "app.test;for=6.6.6.6", "app.test;proto=https", "for=6.6.6.6", "app.test:80,for=6.6.6.6"} {
		t.Run("Host "+h+" adds nothing to Forwarded", func(t *testing.T) {
			t.Parallel()
			r := hostileSetup{}.run(t, "GET / HTTP/1.1\r\nHost: "+h+"\r\nConnection: close\r\n\r\n")
			r.wantStatuses(t, http.StatusOK)
			req := onlyRequest(t, r.conns)
			next := &clientip.Policy{
				TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("192.0.2.0/24")},
				Headers:        []clientip.Header{clientip.HeaderForwarded},
			}
			res := next.Resolve(netip.MustParseAddr("192.0.2.1"), clientip.SourcePeer, req.Header, nil)
			if len(res.Chain) != 1 || res.Client != netip.MustParseAddr("127.0.0.1") {
				t.Errorf("Forwarded %q reads as chain %+v, want one element for 127.0.0.1", req.Header["Forwarded"], res.Chain)
			}
			if got := forwardedParams(res.Chain[0].Element); !slices.Equal(got, []string{"for=127.0.0.1", "host", "proto=http"}) {
				t.Errorf("Forwarded %q has parameters %q, want for, host and proto=http", req.Header["Forwarded"], got)
			}
		})
	}
}

// forwardedParams splits a Forwarded element into its parameters outside
// quoted strings, lower-casing names; a quoted value is left out.
func forwardedParams(el string) []string {
	var out []string
	start, quoted := 0, false
	for i := 0; i <= len(el); i++ {
		switch {
		case i < len(el) && quoted && el[i] == '\\':
			i++
		case i < len(el) && el[i] == '"':
			quoted = !quoted
		case i == len(el) || !quoted && el[i] == ';':
			p := el[start:i]
			if name, v, ok := strings.Cut(p, "="); ok && strings.HasPrefix(v, `"`) {
				p = strings.ToLower(name)
			} else {
				p = strings.ToLower(name) + "=" + v
			}
			out = append(out, p)
			start = i + 1
		}
	}
	return out
}

// TestHostileIdentityHTTP2: identity headers an untrusted HTTP/2 client
// sends (lower case, as HTTP/2 requires) are replaced like HTTP/1.1 ones.
func TestHostileIdentityHTTP2(t *testing.T) {
	t.Parallel()
	forH2Servers(t, func(t *testing.T, server model.HTTP2Server) {
		b, p := startH2CProxy(t, server)
		h2 := dialH2(t, p.addr)
		h2.headers(1, true, h2Request("GET", "/whoami",
			"x-forwarded-for", "6.6.6.6", "x_forwarded_for", "6.6.6.6", "forwarded", "for=6.6.6.6",
			"x-real-ip", "6.6.6.6", "x-forwarded-host", "evil.test", "x-forwarded-proto", "https", "true-client-ip", "6.6.6.6")...)
		if o := h2.await(1); o.status != http.StatusOK {
			t.Fatalf("stream got %v, want 200", o)
		}
		h2.conn.Close()
		req := onlyRequest(t, b.settle(t, p))
		wantNoForgery(t, req)
		wantOnlyClient(t, req.Header, "127.0.0.1", "app.test", portOf(p.addr))
	})
}
