package proxy

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/netip"
	"testing"
	"time"

	proxyproto "github.com/pires/go-proxyproto"

	"github.com/firsthop/firsthop/internal/testcert"
	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/echo"
	"github.com/firsthop/firsthop/proxy/listen"
)

// selfSigned returns a certificate for names, with its leaf parsed.
func selfSigned(t testing.TB, names ...string) *tls.Certificate { return testcert.New(t, names...) }

// tlsProxy starts a proxy with a TLS listener serving certs, routing every
// request to an echo backend.
func tlsProxy(t *testing.T, pp listen.Policy, certs ...model.Certificate) *testProxy {
	t.Helper()
	spec := oneBackend(echoBackend(t))
	spec.Certificates = certs
	return startProxyWith(t, spec, Options{
		Listeners: []model.ListenerSpec{{Name: "https", Address: "127.0.0.1:0", TLS: true, ProxyProtocol: pp}},
	})
}

// tlsGet sends GET https://host/ over a new connection with SNI sni, and
// returns the response and the certificate the server presented.
func tlsGet(t *testing.T, addr, sni, host string, h2 bool) (*http.Response, *x509.Certificate) {
	t.Helper()
	var presented *x509.Certificate
	cfg := &tls.Config{
		ServerName: sni, InsecureSkipVerify: true, //nolint:gosec // test certificates are self-signed
		VerifyConnection: func(cs tls.ConnectionState) error {
			presented = cs.PeerCertificates[0]
			return nil
		},
	}
	tr := &http.Transport{
		TLSClientConfig: cfg,
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "tcp", addr)
		},
	}
	var protocols http.Protocols
	protocols.SetHTTP1(!h2)
	protocols.SetHTTP2(h2)
	tr.Protocols = &protocols
	t.Cleanup(tr.CloseIdleConnections)
	req, _ := http.NewRequest(http.MethodGet, "https://"+host+"/", nil)
	resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp, presented
}

func TestTLSSelectsCertificateBySNI(t *testing.T) {
	t.Parallel()
	app := selfSigned(t, "app.example.com")
	wild := selfSigned(t, "*.example.org")
	def := selfSigned(t, "default.test")
	p := tlsProxy(t, listen.Policy{},
		model.Certificate{Cert: def}, model.Certificate{Cert: app}, model.Certificate{Cert: wild})
	tests := []struct {
		name, sni string
		want      *tls.Certificate
	}{
		{"exact name", "app.example.com", app},
		{"exact name, odd case", "APP.example.com", app},
		{"wildcard covers one label", "shop.example.org", wild},
		{"wildcard does not cover two labels", "a.b.example.org", def},
		{"unknown name gets the default", "unknown.test", def},
		{"no SNI gets the default", "", def},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			host := tc.sni
			if host == "" {
				host = "127.0.0.1"
			}
			resp, presented := tlsGet(t, p.addr, tc.sni, host, false)
			if presented == nil || presented.Subject.CommonName != tc.want.Leaf.Subject.CommonName {
				t.Fatalf("presented %v, want %s", presented, tc.want.Leaf.Subject.CommonName)
			}
			if resp.StatusCode != http.StatusOK {
				t.Errorf("status %d, want 200", resp.StatusCode)
			}
		})
	}
}

func TestTLSHostMustMatchTheConnectionsCertificate(t *testing.T) {
	t.Parallel()
	a, b := selfSigned(t, "a.example.com"), selfSigned(t, "b.example.com")
	p := tlsProxy(t, listen.Policy{}, model.Certificate{Cert: a}, model.Certificate{Cert: b})
	resp, _ := tlsGet(t, p.addr, "a.example.com", "b.example.com", false)
	if resp.StatusCode != http.StatusMisdirectedRequest {
		t.Errorf("SNI a, Host b: status %d, want 421", resp.StatusCode)
	}
	resp, _ = tlsGet(t, p.addr, "a.example.com", "a.example.com", false)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("SNI a, Host a: status %d, want 200", resp.StatusCode)
	}
}

func TestTLSHTTP2AndForwardedProto(t *testing.T) {
	t.Parallel()
	p := tlsProxy(t, listen.Policy{}, model.Certificate{Cert: selfSigned(t, "app.example.com")})
	resp, _ := tlsGet(t, p.addr, "app.example.com", "app.example.com", true)
	if resp.ProtoMajor != 2 {
		t.Errorf("client spoke %s, want HTTP/2 by ALPN", resp.Proto)
	}
	var got echo.Request
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if v := got.Headers.Get("X-Forwarded-Proto"); v != "https" {
		t.Errorf("X-Forwarded-Proto %q, want https", v)
	}
	if v := got.Headers.Get("Forwarded"); v != "for=127.0.0.1;host=app.example.com;proto=https" {
		t.Errorf("Forwarded %q", v)
	}
}

func TestTLSAfterPROXYHeader(t *testing.T) {
	t.Parallel()
	p := tlsProxy(t, listen.Policy{Mode: listen.ModeRequired, TrustedCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}},
		model.Certificate{Cert: selfSigned(t, "app.example.com")})
	raw, err := net.DialTimeout("tcp", p.addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	hdr, _ := proxyproto.HeaderProxyFromAddrs(2, &net.TCPAddr{IP: net.ParseIP("203.0.113.7"), Port: 1234},
		&net.TCPAddr{IP: net.ParseIP("192.0.2.1"), Port: 443}).Format()
	if _, err := raw.Write(hdr); err != nil {
		t.Fatal(err)
	}
	c := tls.Client(raw, &tls.Config{ServerName: "app.example.com", InsecureSkipVerify: true, NextProtos: []string{"http/1.1"}}) //nolint:gosec // self-signed
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: app.example.com\r\nConnection: close\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	got := echoed(t, resp, err)
	if v := got.Headers.Get("X-Real-Ip"); v != "203.0.113.7" {
		t.Errorf("X-Real-Ip %q, want the PROXY source 203.0.113.7", v)
	}
}
