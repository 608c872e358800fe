package proxy

import (
	"crypto/tls"
	"io"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/listen"
)

// resumes makes one TLS connection to addr with the client session cache
// cache (TLS version at most maxVersion), sends a request and reads the
// answer (in TLS 1.3 the session ticket comes after the handshake, so the
// client must read to get it), and reports whether the handshake resumed
// a session and the certificate's common name in a full handshake.
func resumes(t *testing.T, addr string, cache tls.ClientSessionCache, maxVersion uint16) (didResume bool, commonName string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	tc := tls.Client(c, &tls.Config{
		ServerName: "app.example.com", InsecureSkipVerify: true, //nolint:gosec // test certificates are self-signed
		ClientSessionCache: cache, MaxVersion: maxVersion, NextProtos: []string{"http/1.1"},
	})
	if _, err := io.WriteString(tc, "GET / HTTP/1.1\r\nHost: app.example.com\r\nConnection: close\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, tc); err != nil {
		t.Fatal(err)
	}
	st := tc.ConnectionState()
	if st.DidResume {
		return true, ""
	}
	return false, st.PeerCertificates[0].Subject.CommonName
}

// TestTLSSessionsResume checks that a TLS listener issues session tickets
// that a second connection resumes with, in TLS 1.3 and 1.2, and that a
// table reload with a new certificate keeps them: the ticket keys belong
// to the listener, not to the table. A resumed session was authenticated
// with the certificate of its first handshake; a new client gets the new
// certificate.
func TestTLSSessionsResume(t *testing.T) {
	t.Parallel()
	backend := echoBackend(t)
	spec := oneBackend(backend)
	spec.Certificates = []model.Certificate{{Cert: selfSigned(t, "app.example.com")}}
	p := startProxyWith(t, spec, Options{
		Listeners: []model.ListenerSpec{{Name: "https", Address: "127.0.0.1:0", TLS: true, ProxyProtocol: listen.Policy{}}},
	})
	versions := map[string]uint16{"TLS 1.3": tls.VersionTLS13, "TLS 1.2": tls.VersionTLS12}
	caches := map[string]tls.ClientSessionCache{}
	for name, v := range versions {
		caches[name] = tls.NewLRUClientSessionCache(4)
		if resumed, _ := resumes(t, p.addr, caches[name], v); resumed {
			t.Fatalf("%s: the first connection resumed a session", name)
		}
		if resumed, _ := resumes(t, p.addr, caches[name], v); !resumed {
			t.Errorf("%s: the second connection did not resume the first one's session", name)
		}
	}

	// A reload with a new certificate for the same name.
	spec = oneBackend(backend)
	spec.Certificates = []model.Certificate{{Cert: selfSigned(t, "app.example.com", "rotated.example.com")}}
	if err := p.srv.Apply(spec); err != nil {
		t.Fatal(err)
	}
	for name, v := range versions {
		if resumed, _ := resumes(t, p.addr, caches[name], v); !resumed {
			t.Errorf("%s: after a certificate reload, a session from before it did not resume", name)
		}
		if resumed, _ := resumes(t, p.addr, tls.NewLRUClientSessionCache(4), v); resumed {
			t.Errorf("%s: a new client resumed", name)
		}
	}
	// A full handshake after the reload presents the new certificate.
	_, presented := tlsGet(t, p.addr, "app.example.com", "app.example.com", false)
	if presented == nil || len(presented.DNSNames) != 2 {
		t.Errorf("after the reload the server presented %v, want the rotated certificate", presented)
	}
}

// helloNames are the server names a handshake may bring, one per way of
// choosing a certificate; Go's clients send SNI in lower case.
var helloNames = []string{"app.example.com", "shop.example.org", "unknown.test", ""}

// certSelectionConfig returns a listener's TLS settings over a table with
// an exact, a wildcard and a default certificate.
func certSelectionConfig(t testing.TB) *tls.Config {
	t.Helper()
	spec := oneBackend(netip.MustParseAddrPort("127.0.0.1:1"))
	spec.Certificates = []model.Certificate{
		{Cert: selfSigned(t, "default.test")}, {Cert: selfSigned(t, "app.example.com")}, {Cert: selfSigned(t, "*.example.org")},
	}
	table, err := NewTable(spec)
	if err != nil {
		t.Fatal(err)
	}
	return tlsConfig(func() *Table { return table }, "", true)
}

// TestTLSCertificateSelectionAllocatesNothing checks that choosing the
// certificate of a handshake allocates nothing, for every way of choosing.
// A server name with upper-case letters (crypto/tls passes SNI as the
// client sent it; browsers and Go send lower case) costs its lower-case
// copy, one allocation, and no more.
func TestTLSCertificateSelectionAllocatesNothing(t *testing.T) {
	cfg := certSelectionConfig(t)
	allocs := func(name string) float64 {
		hello := &tls.ClientHelloInfo{ServerName: name}
		return testing.AllocsPerRun(100, func() {
			if c, err := cfg.GetCertificate(hello); c == nil || err != nil {
				t.Fatalf("GetCertificate(%q): %v, %v", name, c, err)
			}
		})
	}
	for _, name := range helloNames {
		if n := allocs(name); n != 0 {
			t.Errorf("GetCertificate(%q): %v allocations, want 0", name, n)
		}
	}
	if n := allocs("APP.Example.com"); n > 1 {
		t.Errorf("GetCertificate(%q): %v allocations, want its lower-case copy only", "APP.Example.com", n)
	}
}

// BenchmarkTLSCertificateSelection is the cost of GetCertificate, once per
// full handshake.
func BenchmarkTLSCertificateSelection(b *testing.B) {
	cfg := certSelectionConfig(b)
	hellos := make([]*tls.ClientHelloInfo, len(helloNames))
	for i, n := range helloNames {
		hellos[i] = &tls.ClientHelloInfo{ServerName: n}
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := cfg.GetCertificate(hellos[i%len(hellos)]); err != nil {
			b.Fatal(err)
		}
	}
}
