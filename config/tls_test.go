package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/firsthop/firsthop/internal/testcert"
	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy"
)

// writeCert writes a self-signed certificate for names into dir as
// base.crt and base.key.
func writeCert(t *testing.T, dir, base string, names ...string) {
	t.Helper()
	testcert.Write(t, dir, base, names...)
}

func TestTLSCertificates(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeCert(t, dir, "app", "app.example.com", "*.app.example.com")
	writeCert(t, dir, "other", "other.example.com")
	file := filepath.Join(dir, "firsthop.yaml")
	yaml := `listeners:
  - name: https
    address: 127.0.0.1:8443
    tls: true
    timeouts: {readHeader: 5s, idle: 1m, requestBody: 30s}
    maxHeaderBytes: 32768
    http2: {maxConcurrentStreams: 100, server: lean}
tls:
  certificates:
    - {certFile: app.crt, keyFile: app.key}
    - {certFile: other.crt, keyFile: other.key, names: [Other.Example.COM., "*.other.example.com"]}
routes: [{paths: [{path: /, backend: grpc, timeout: 10s}]}]
backends:
  - name: grpc
    protocol: grpc
    maxInflightPerEndpoint: 100
    passiveHealth: {failures: 3, ejection: 2s, maxEjection: 1m}
    endpoints: [{address: 127.0.0.1:9000}]
  - name: secure
    protocol: https
    tls: {serverName: api.internal, insecureSkipVerify: false}
    endpoints: [{address: 127.0.0.1:9001}]
defaultBackend: secure
`
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(file, Options{})
	if err != nil {
		t.Fatal(err)
	}
	l := cfg.Listeners[0]
	wantListener := Listener{Name: "https", Address: "127.0.0.1:8443", TLS: true, ProxyProtocol: l.ProxyProtocol,
		ReadHeaderTimeout: 5 * time.Second, IdleTimeout: time.Minute, RequestBodyTimeout: 30 * time.Second,
		MaxHeaderBytes: 32768, MaxConcurrentStreams: 100, HTTP2Server: model.HTTP2ServerLean}
	if !reflect.DeepEqual(l, wantListener) {
		t.Errorf("listener %+v\nwant %+v", l, wantListener)
	}
	certs := cfg.Table.Certificates
	if len(certs) != 2 || certs[0].Cert.Leaf == nil || certs[0].Names != nil ||
		!reflect.DeepEqual(certs[1].Names, []string{"other.example.com", "*.other.example.com"}) {
		t.Errorf("certificates %+v", certs)
	}
	if got := cfg.Table.Routes[0].Timeout; got != 10*time.Second {
		t.Errorf("route timeout %v, want 10s", got)
	}
	b := cfg.Table.Backends
	if b[0].MaxInflightPerEndpoint != 100 || b[0].PassiveHealth != (model.PassiveHealth{Failures: 3, Ejection: 2 * time.Second, MaxEjection: time.Minute}) {
		t.Errorf("backend limits %+v", b[0])
	}
	if b[0].Protocol != model.ProtocolH2C || b[1].Protocol != model.ProtocolHTTPS || b[1].TLSServerName != "api.internal" {
		t.Errorf("backends %+v", b)
	}
	wantFiles := []string{file, filepath.Join(dir, "app.crt"), filepath.Join(dir, "app.key"),
		filepath.Join(dir, "other.crt"), filepath.Join(dir, "other.key")}
	if !reflect.DeepEqual(cfg.Files, wantFiles) {
		t.Errorf("Files %v, want %v", cfg.Files, wantFiles)
	}
	if _, err := proxy.NewTable(cfg.Table); err != nil {
		t.Errorf("the table does not build: %v", err)
	}
}

func TestTLSErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeCert(t, dir, "app", "app.example.com")
	tests := []struct {
		name, yaml, want string
	}{
		{"TLS listener without certificates",
			"listeners: [{name: a, address: 127.0.0.1:1, tls: true}]\n", "a TLS listener needs certificates"},
		{"missing certificate file",
			"listeners: [{name: a, address: 127.0.0.1:1, tls: true}]\ntls: {certificates: [{certFile: nope.crt, keyFile: app.key}]}\n", "nope.crt"},
		{"key does not match",
			"listeners: [{name: a, address: 127.0.0.1:1, tls: true}]\ntls: {certificates: [{certFile: app.crt, keyFile: app.crt}]}\n", "loading"},
		{"h2c on a TLS listener",
			"listeners: [{name: a, address: 127.0.0.1:1, tls: true, h2c: true}]\ntls: {certificates: [{certFile: app.crt, keyFile: app.key}]}\n", "h2c is HTTP/2 without TLS"},
		{"backend TLS without https",
			"listeners: [{name: a, address: 127.0.0.1:1}]\nbackends: [{name: b, tls: {serverName: x}}]\n", "need protocol: https"},
		{"unknown backend protocol",
			"listeners: [{name: a, address: 127.0.0.1:1}]\nbackends: [{name: b, protocol: spdy}]\n", "unknown backend protocol"},
		{"unknown HTTP2 server",
			"listeners: [{name: a, address: 127.0.0.1:1, h2c: true, http2: {server: nghttpd}}]\n", `"nghttpd" is not an HTTP/2 server`},
		{"maxHeaderBytes out of range",
			"listeners: [{name: a, address: 127.0.0.1:1, maxHeaderBytes: 10}]\n", "out of range"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			file := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".yaml")
			if err := os.WriteFile(file, []byte(tc.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Load(file, Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Load error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestTLSCertificateScopes checks that a certificate's scope is read into
// the model, so that each TLS listener serves its own scope's.
func TestTLSCertificateScopes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeCert(t, dir, "app", "app.example.com")
	writeCert(t, dir, "internal", "app.example.com")
	file := filepath.Join(dir, "firsthop.yaml")
	yaml := `listeners:
  - {name: public, address: 127.0.0.1:8443, tls: true}
  - {name: internal, address: 127.0.0.1:9443, tls: true, scope: internal}
tls:
  certificates:
    - {certFile: app.crt, keyFile: app.key}
    - {certFile: internal.crt, keyFile: internal.key, scope: internal}
routes:
  - paths: [{path: /, backend: b}]
  - scope: internal
    paths: [{path: /, backend: b}]
backends: [{name: b, echo: true}]
`
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(file, Options{})
	if err != nil {
		t.Fatal(err)
	}
	certs := cfg.Table.Certificates
	if len(certs) != 2 || certs[0].Scope != "" || certs[1].Scope != "internal" {
		t.Fatalf("certificates %+v, want scopes \"\" and internal", certs)
	}
	if _, err := proxy.NewTable(cfg.Table); err != nil {
		t.Errorf("the table does not build: %v", err)
	}
}

// TestTLSCertificateScopeErrors: every TLS listener's scope needs a
// certificate, and a certificate's scope a TLS listener.
func TestTLSCertificateScopeErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	crt, key := testcert.Write(t, dir, "app", "app.example.com")
	cert := func(scope string) string {
		s := "    - {"
		if scope != "-" {
			s += "scope: " + scope + ", "
		}
		return s + "certFile: " + crt + ", keyFile: " + key + "}\n"
	}
	const (
		tlsA       = "listeners:\n  - {name: a, address: 127.0.0.1:1, tls: true, scope: a}\n"
		tlsDefault = "listeners:\n  - {name: d, address: 127.0.0.1:1, tls: true}\n"
		certs      = "tls:\n  certificates:\n"
	)
	runErrorCases(t, []errorCase{
		{name: "TLS listener of a scope without certificates", yaml: tlsA + certs + cert("-"),
			line: 2, col: 42, msg: `listeners[0].tls: a TLS listener of scope "a" needs a certificate of that scope: list one under tls.certificates with scope: a`},
		{name: "TLS listener of the default scope, every certificate scoped",
			yaml: tlsDefault + "  - {name: a, address: 127.0.0.1:2, tls: true, scope: a}\n" + certs + cert("a"),
			line: 2, col: 42, msg: "listeners[0].tls: a TLS listener of the default scope needs a certificate without a scope"},
		{name: "certificate of a scope no TLS listener serves",
			yaml: tlsDefault + "  - {name: b, address: 127.0.0.1:2, scope: b}\n" + certs + cert("-") + cert("b"),
			line: 7, col: 15, msg: `tls.certificates[1].scope: no TLS listener serves scope "b", so this certificate is never used`},
		{name: "certificate scope empty", yaml: tlsDefault + certs + cert("-") + cert(`""`),
			line: 6, col: 15, msg: "tls.certificates[1].scope: must not be empty"},
		{name: "Kubernetes mode: TLS listener of a scope without certificates", yaml: tlsA, opts: Options{Ingress: true},
			line: 2, col: 42, msg: `a TLS listener of scope "a" needs a certificate of that scope`},
	})
}
