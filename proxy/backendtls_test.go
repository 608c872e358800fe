package proxy

import (
	"bytes"
	"crypto/tls"
	"net/http"
	"net/netip"
	"testing"
	"time"

	"github.com/firsthop/firsthop/internal/testcert"
	"github.com/firsthop/firsthop/model"
)

// tlsBackend starts an HTTPS endpoint serving cert (PEM certPEM, keyPEM)
// that answers 200 with X-Test-Client: "cert" when the client presented
// clientCert (DER), "none" when it presented nothing; with requireClient
// it refuses a handshake without a client certificate.
func tlsBackend(t *testing.T, certPEM, keyPEM, clientCert []byte, requireClient bool) netip.AddrPort {
	t.Helper()
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, ClientAuth: tls.RequestClientCert}
	if requireClient {
		cfg.ClientAuth = tls.RequireAnyClientCert
	}
	return serveHTTPBackend(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch pc := r.TLS.PeerCertificates; {
		case len(pc) == 0:
			w.Header().Set("X-Test-Client", "none")
		case bytes.Equal(pc[0].Raw, clientCert):
			w.Header().Set("X-Test-Client", "cert")
		default:
			w.Header().Set("X-Test-Client", "another")
		}
	}), overTLS(cfg))
}

// pemCert returns a fresh self-signed certificate for name: the leaf's
// DER, and certificate and key in PEM.
func pemCert(t *testing.T, name string) (der, certPEM, keyPEM []byte) {
	t.Helper()
	cert, certPEM, keyPEM, err := testcert.Generate(time.Hour, name)
	if err != nil {
		t.Fatal(err)
	}
	return cert.Certificate[0], certPEM, keyPEM
}

// TestBackendTLSVerification: through both listener kinds, an HTTPS
// backend is verified against its TLS root CAs (and the server name), not
// reached when they do not cover its certificate or when it has none and
// the system's roots do not, and is presented the client certificate when
// it asks for one.
func TestBackendTLSVerification(t *testing.T) {
	t.Parallel()
	_, serverPEM, serverKey := pemCert(t, "backend.test")
	_, otherPEM, _ := pemCert(t, "backend.test")
	clientDER, clientPEM, clientKey := pemCert(t, "firsthop.client")
	open := tlsBackend(t, serverPEM, serverKey, clientDER, false)
	mtls := tlsBackend(t, serverPEM, serverKey, clientDER, true)
	backend := func(name string, ep netip.AddrPort, mod func(*model.Backend)) model.Backend {
		b := model.Backend{Name: name, Protocol: model.ProtocolHTTPS, TLSServerName: "backend.test",
			Endpoints: []model.Endpoint{{Addr: ep}}, TLSRootCAs: serverPEM}
		if mod != nil {
			mod(&b)
		}
		return b
	}
	withClient := func(b *model.Backend) { b.TLSClientCert, b.TLSClientKey = clientPEM, clientKey }
	spec := model.TableSpec{
		Routes: []model.Route{
			{Path: "/verified", Backend: "verified"},
			{Path: "/system-roots", Backend: "system-roots"},
			{Path: "/other-root", Backend: "other-root"},
			{Path: "/wrong-name", Backend: "wrong-name"},
			{Path: "/insecure", Backend: "insecure"},
			{Path: "/mtls", Backend: "mtls"},
			{Path: "/mtls-without-cert", Backend: "mtls-without-cert"},
			{Path: "/cert-offered", Backend: "cert-offered"},
		},
		Backends: []model.Backend{
			backend("verified", open, nil),
			backend("system-roots", open, func(b *model.Backend) { b.TLSRootCAs = nil }),
			backend("other-root", open, func(b *model.Backend) { b.TLSRootCAs = otherPEM }),
			backend("wrong-name", open, func(b *model.Backend) { b.TLSServerName = "other.test" }),
			backend("insecure", open, func(b *model.Backend) { b.TLSRootCAs, b.TLSInsecureSkipVerify = nil, true }),
			backend("mtls", mtls, withClient),
			backend("mtls-without-cert", mtls, nil),
			backend("cert-offered", open, withClient),
		},
	}
	p := startProxyWith(t, spec, Options{Listeners: []model.ListenerSpec{
		{Name: "fast", Address: "127.0.0.1:0"},
		{Name: "std", Address: "127.0.0.1:0", H2C: true},
	}})
	cases := []struct {
		path   string
		status int
		client string
	}{
		{"/verified", 200, "none"},
		{"/system-roots", 502, ""},
		{"/other-root", 502, ""},
		{"/wrong-name", 502, ""},
		{"/insecure", 200, "none"},
		{"/mtls", 200, "cert"},
		{"/mtls-without-cert", 502, ""},
		{"/cert-offered", 200, "cert"},
	}
	for _, l := range []string{"fast", "std"} {
		addr := p.srv.Addr(l).String()
		for _, c := range cases {
			res := exchangeRaw(t, addr, "GET "+c.path+" HTTP/1.1\r\nHost: app.test\r\n\r\n", "GET")
			if res.Status != c.status || res.Header.Get("X-Test-Client") != c.client {
				t.Errorf("%s %s: status %d, X-Test-Client %q; want %d, %q", l, c.path, res.Status, res.Header.Get("X-Test-Client"), c.status, c.client)
			}
		}
	}
}

// TestBackendTLSMaterialSeparatesTransports: backends of different roots
// or client certificates get transports of their own; the same material
// shares one.
func TestBackendTLSMaterialSeparatesTransports(t *testing.T) {
	t.Parallel()
	_, a, _ := pemCert(t, "a.test")
	_, b, _ := pemCert(t, "b.test")
	pool := &transportPool{}
	mk := func(roots []byte) *backend {
		return newBackend(&model.Backend{Name: "x", Protocol: model.ProtocolHTTPS, TLSRootCAs: roots}, "", "", &endpointStates{}, pool)
	}
	ba, ba2, bb, none := mk(a), mk(append([]byte(nil), a...)), mk(b), mk(nil)
	if ba.transport != ba2.transport {
		t.Error("the same roots: want one transport")
	}
	if ba.transport == bb.transport || ba.transport == none.transport {
		t.Error("other roots, or none: want another transport")
	}
	if tr := ba.transport.(*http.Transport); tr.TLSClientConfig.RootCAs == nil || none.transport.(*http.Transport).TLSClientConfig.RootCAs != nil {
		t.Error("the roots are not those of the backend")
	}
	if v := ba.withHeaderTimeout(time.Second); v.transport.(*http.Transport).TLSClientConfig.RootCAs == nil {
		t.Error("a view with another timeout lost the roots")
	}
}
