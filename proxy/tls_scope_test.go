package proxy

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"net/netip"
	"testing"
	"time"

	"github.com/firsthop/firsthop/model"
)

// scopedTLSProxy starts a proxy with one TLS listener per scope of
// scopes, named after its scope ("default" for ""), each scope routing
// every request to an echo backend named after the listener.
func scopedTLSProxy(t *testing.T, certs []model.Certificate, scopes ...string) *testProxy {
	t.Helper()
	var spec model.TableSpec
	var listeners []model.ListenerSpec
	for _, sc := range scopes {
		name := sc
		if name == "" {
			name = "default"
		}
		spec.Routes = append(spec.Routes, model.Route{Scope: sc, Path: "/", Backend: name})
		spec.Backends = append(spec.Backends, model.Backend{Name: name, Endpoints: []model.Endpoint{{Addr: namedEchoBackend(t, name)}}})
		listeners = append(listeners, model.ListenerSpec{Name: name, Address: "127.0.0.1:0", TLS: true, Scope: sc})
	}
	spec.Certificates = certs
	return startProxyWith(t, spec, Options{Listeners: listeners})
}

// subject returns the subject of a presented certificate, for messages.
func subject(c *x509.Certificate) string {
	if c == nil {
		return "no certificate"
	}
	return c.Subject.String()
}

// TestTLSListenersServeTheCertificatesOfTheirScope checks, with real
// handshakes over HTTP/1.1 and HTTP/2, that two TLS listeners of different
// scopes whose certificates name the same server name each present their
// own scope's (and their own scope's default without SNI), and that the
// default scope's listener still presents the table's first default-scope
// certificate, whatever comes before it in other scopes.
func TestTLSListenersServeTheCertificatesOfTheirScope(t *testing.T) {
	t.Parallel()
	a := selfSigned(t, "scope-a.test", "app.example.com")
	b := selfSigned(t, "scope-b.test", "app.example.com")
	bDefault := selfSigned(t, "scope-b-default.test")
	d := selfSigned(t, "default-scope.test", "app.example.com")
	app := []string{"app.example.com"}
	p := scopedTLSProxy(t, []model.Certificate{
		{Cert: a, Names: app, Scope: "a"},
		{Cert: bDefault, Scope: "b"},
		{Cert: b, Names: app, Scope: "b"},
		{Cert: d, Names: app},
	}, "a", "b", "")
	tests := []struct {
		listener, sni string
		want          *tls.Certificate
	}{
		{"a", "app.example.com", a},
		{"a", "", a},
		{"b", "app.example.com", b},
		{"b", "", bDefault},
		{"b", "unknown.test", bDefault},
		{"default", "app.example.com", d},
		{"default", "", d},
	}
	for _, tc := range tests {
		for _, h2 := range []bool{false, true} {
			t.Run(tc.listener+"/"+tc.sni+"/"+map[bool]string{false: "h1", true: "h2"}[h2], func(t *testing.T) {
				t.Parallel()
				host := tc.sni
				if host == "" {
					host = "127.0.0.1"
				}
				resp, presented := tlsGet(t, p.srv.Addr(tc.listener).String(), tc.sni, host, h2)
				if presented == nil || !presented.Equal(tc.want.Leaf) {
					t.Fatalf("presented %s, want %s", subject(presented), tc.want.Leaf.Subject)
				}
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("status %d, want 200", resp.StatusCode)
				}
				if got := resp.Header.Get("X-Test-Backend"); got != tc.listener {
					t.Errorf("served by backend %q, want %q", got, tc.listener)
				}
			})
		}
	}
}

// TestTLSListenerOfAScopeWithoutCertificates checks that a TLS listener
// whose scope has no certificate fails its handshakes, even though other
// scopes have certificates for the name asked, while the others serve;
// and that a table giving its scope a certificate makes it serve.
func TestTLSListenerOfAScopeWithoutCertificates(t *testing.T) {
	t.Parallel()
	a := selfSigned(t, "app.example.com")
	p := scopedTLSProxy(t, []model.Certificate{{Cert: a, Scope: "a"}}, "a", "bare", "")
	handshake := func(listener string) error {
		d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: 5 * time.Second}, Config: &tls.Config{
			ServerName: "app.example.com", InsecureSkipVerify: true, //nolint:gosec // test certificates are self-signed
		}}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, err := d.DialContext(ctx, "tcp", p.srv.Addr(listener).String())
		if err == nil {
			c.Close()
		}
		return err
	}
	for _, l := range []string{"bare", "default"} {
		if err := handshake(l); err == nil {
			t.Errorf("listener %q: the handshake succeeded without a certificate of its scope", l)
		}
	}
	if err := handshake("a"); err != nil {
		t.Errorf("listener %q: %v", "a", err)
	}

	spec := p.srv.Table().Spec()
	spec.Certificates = append(spec.Certificates, model.Certificate{Cert: selfSigned(t, "bare.test"), Scope: "bare"})
	if err := p.srv.Apply(spec); err != nil {
		t.Fatal(err)
	}
	resp, presented := tlsGet(t, p.srv.Addr("bare").String(), "app.example.com", "app.example.com", false)
	if presented == nil || presented.Subject.CommonName != "bare.test" {
		t.Fatalf("presented %s, want the certificate of scope bare", subject(presented))
	}
	if got := resp.Header.Get("X-Test-Backend"); got != "bare" {
		t.Errorf("served by backend %q, want %q", got, "bare")
	}
}

// TestCertStoreSelection is the selection rule of [model.Certificate],
// one scope at a time: exact, then wildcard by the scope's rule, then the
// scope's default ("*", else its first certificate).
func TestCertStoreSelection(t *testing.T) {
	t.Parallel()
	first := selfSigned(t, "first.test")
	star := selfSigned(t, "star.test", "app.example.com")
	exact := selfSigned(t, "app.example.com")
	wild := selfSigned(t, "*.example.com")
	deep := selfSigned(t, "*.b.example.com")
	certs := func(scope string) []model.Certificate {
		return []model.Certificate{
			{Cert: first, Scope: scope},
			{Cert: wild, Scope: scope},
			{Cert: deep, Scope: scope},
			{Cert: star, Names: []string{"*"}, Scope: scope},
			{Cert: exact, Scope: scope},
		}
	}
	all := append(certs("one-label"), certs("suffix")...)
	all = append(all, model.Certificate{Cert: exact, Scope: "no-star"}, model.Certificate{Cert: wild, Scope: "no-star"})
	tc := newTableCerts(all, []model.ScopeSpec{{Name: "suffix", Wildcards: model.WildcardSuffix}})
	tests := []struct {
		scope, name string
		want        *tls.Certificate
	}{
		{"one-label", "app.example.com", exact}, // "*"'s own DNS names are not used
		{"one-label", "x.example.com", wild},
		{"one-label", "x.b.example.com", deep},
		{"one-label", "x.y.example.com", star}, // one label only
		{"one-label", "example.com", star},
		{"one-label", "", star},
		{"suffix", "x.y.example.com", wild},
		{"suffix", "x.y.b.example.com", deep}, // the longest suffix wins
		{"suffix", "b.example.com", wild},
		{"suffix", "unknown.test", star},
		{"no-star", "unknown.test", exact}, // the scope's first
		{"no-star", "x.example.com", wild},
	}
	for _, c := range tests {
		if got := tc.scope(c.scope).lookup(c.name); got != c.want {
			t.Errorf("scope %q, name %q: got %s, want %s", c.scope, c.name, got.Leaf.Subject.CommonName, c.want.Leaf.Subject.CommonName)
		}
	}
	if tc.scope("none") != nil || (*tableCerts)(nil).scope("") != nil {
		t.Error("a scope without certificates has a store")
	}
}

// TestTLSScopedCertificateSelectionAllocatesNothing is
// TestTLSCertificateSelectionAllocatesNothing for a listener of a scope
// with Gateway API's wildcard rule, whose lookup walks a name's labels.
func TestTLSScopedCertificateSelectionAllocatesNothing(t *testing.T) {
	spec := oneBackend(netip.MustParseAddrPort("127.0.0.1:1"))
	spec.Scopes = []model.ScopeSpec{{Name: "gw", Wildcards: model.WildcardSuffix}}
	spec.Certificates = []model.Certificate{
		{Cert: selfSigned(t, "default.test")},
		{Cert: selfSigned(t, "gw-default.test"), Names: []string{"*"}, Scope: "gw"},
		{Cert: selfSigned(t, "app.example.com"), Scope: "gw"},
		{Cert: selfSigned(t, "*.example.org"), Scope: "gw"},
	}
	table, err := NewTable(spec)
	if err != nil {
		t.Fatal(err)
	}
	cfg := tlsConfig(func() *Table { return table }, "gw", true)
	for _, name := range append(helloNames, "a.b.c.example.org", "a.b.c.unknown.test") {
		hello := &tls.ClientHelloInfo{ServerName: name}
		n := testing.AllocsPerRun(100, func() {
			if c, err := cfg.GetCertificate(hello); c == nil || err != nil {
				t.Fatalf("GetCertificate(%q): %v, %v", name, c, err)
			}
		})
		if n != 0 {
			t.Errorf("GetCertificate(%q): %v allocations, want 0", name, n)
		}
	}
}

// TestTLSMisdirectedRequestIsJudgedInTheListenersScope: a request whose
// Host the connection's certificate does not serve gets 421, judged with
// the certificates of the listener's scope only (those it would present):
// certificates of other scopes neither cause nor hide a 421.
func TestTLSMisdirectedRequestIsJudgedInTheListenersScope(t *testing.T) {
	t.Parallel()
	a := selfSigned(t, "scope-a.test", "app.example.com")
	b := selfSigned(t, "scope-b.test", "app.example.com")
	bDefault := selfSigned(t, "scope-b-default.test")
	app := []string{"app.example.com"}
	p := scopedTLSProxy(t, []model.Certificate{
		{Cert: a, Names: app, Scope: "a"},
		{Cert: bDefault, Scope: "b"},
		{Cert: b, Names: app, Scope: "b"},
	}, "a", "b")
	tests := []struct {
		listener, sni, host string
		want                int
	}{
		// Scope b presents its default for unknown.test, which does not
		// serve app.example.com; taken together with scope a's, both
		// names would have led to a's certificate.
		{"b", "unknown.test", "app.example.com", http.StatusMisdirectedRequest},
		{"b", "app.example.com", "app.example.com", http.StatusOK},
		// Scope a has one certificate: every name gets it.
		{"a", "unknown.test", "app.example.com", http.StatusOK},
	}
	for _, tc := range tests {
		resp, _ := tlsGet(t, p.srv.Addr(tc.listener).String(), tc.sni, tc.host, false)
		if resp.StatusCode != tc.want {
			t.Errorf("listener %s, SNI %s, Host %s: status %d, want %d", tc.listener, tc.sni, tc.host, resp.StatusCode, tc.want)
		}
	}
}
