package config

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy"
)

// TestBackendAffinity: a backend's affinity cookie reaches the model as
// written, the domain normalised.
func TestBackendAffinity(t *testing.T) {
	t.Parallel()
	file := listener + `backends:
  - name: api
    endpoints: [{address: 127.0.0.1:9001}, {address: 127.0.0.1:9002}]
    affinity:
      cookie: {name: route, path: /app, domain: App.Example.com., maxAge: 48h, expires: 1h, sameSite: Strict, secure: true}
  - name: plain
    endpoints: [{address: 127.0.0.1:9003}]
    affinity: {cookie: {name: INGRESSCOOKIE}}
routes: [{paths: [{path: /, backend: api}, {path: /p, backend: plain}]}]
`
	cfg := mustParse(t, "affinity.yaml", []byte(file), Options{})
	want := []*model.Affinity{
		{CookieName: "route", Path: "/app", Domain: "app.example.com", MaxAge: 48 * time.Hour, Expires: time.Hour, SameSite: "Strict", Secure: true},
		{CookieName: "INGRESSCOOKIE"},
	}
	for i, b := range cfg.Table.Backends {
		if !reflect.DeepEqual(b.Affinity, want[i]) {
			t.Errorf("backend %s affinity %+v, want %+v", b.Name, b.Affinity, want[i])
		}
	}
	if len(cfg.Warnings) != 0 {
		t.Errorf("warnings %v, want none", cfg.Warnings)
	}
	if _, err := proxy.NewTable(cfg.Table); err != nil {
		t.Errorf("proxy.NewTable: %v", err)
	}
}

// TestBackendTLSFiles: tls.rootCAsFile, clientCertFile and clientKeyFile
// are read relative to the config file, reach the model as the files'
// bytes, and are in Config.Files; a bundle or pair the model's parsers
// refuse is an error at its key, naming the file.
func TestBackendTLSFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeCert(t, dir, "ca", "ca.internal")
	writeCert(t, dir, "client", "firsthop.internal")
	writeCert(t, dir, "other", "other.internal")
	read := func(name string) []byte {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	const head = listener + "routes: [{paths: [{path: /, backend: api}]}]\nbackends:\n  - name: api\n    protocol: https\n    endpoints: [{address: 127.0.0.1:9443}]\n"
	load := func(t *testing.T, name, tls string) (*Config, error) {
		t.Helper()
		file := filepath.Join(dir, name)
		if err := os.WriteFile(file, []byte(head+"    tls: "+tls+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return Load(file, Options{})
	}

	cfg, err := load(t, "good.yaml", "{serverName: api.internal, rootCAsFile: ca.crt, clientCertFile: client.crt, clientKeyFile: client.key}")
	if err != nil {
		t.Fatal(err)
	}
	b := cfg.Table.Backends[0]
	if !slices.Equal(b.TLSRootCAs, read("ca.crt")) || !slices.Equal(b.TLSClientCert, read("client.crt")) || !slices.Equal(b.TLSClientKey, read("client.key")) {
		t.Errorf("backend TLS material not the files' bytes: %d, %d, %d bytes", len(b.TLSRootCAs), len(b.TLSClientCert), len(b.TLSClientKey))
	}
	for _, f := range []string{"ca.crt", "client.crt", "client.key"} {
		if !slices.Contains(cfg.Files, filepath.Join(dir, f)) {
			t.Errorf("Files %q lacks %s", cfg.Files, f)
		}
	}
	if _, err := proxy.NewTable(cfg.Table); err != nil {
		t.Errorf("proxy.NewTable: %v", err)
	}

	for _, tc := range []struct {
		name, tls, pos, msg string
	}{
		{"roots that are a key", "{rootCAsFile: ca.key}", "8:24", "backends[0].tls.rootCAsFile: " + filepath.Join(dir, "ca.key") + `: PEM block 1 is a "EC PRIVATE KEY", not a CERTIFICATE`},
		{"roots missing", "{rootCAsFile: nope.crt}", "8:24", "backends[0].tls.rootCAsFile: reading the CA bundle: open " + filepath.Join(dir, "nope.crt") + ": no such file"},
		{"roots a directory", "{rootCAsFile: .}", "8:24", "is not a regular file"},
		{"roots with insecureSkipVerify", "{insecureSkipVerify: true, rootCAsFile: ca.crt}", "8:37", "tls.rootCAsFile: insecureSkipVerify accepts any certificate, so these roots would verify nothing"},
		{"key of another certificate", "{clientCertFile: client.crt, clientKeyFile: other.key}", "8:27", "backends[0].tls.clientCertFile: loading " + filepath.Join(dir, "client.crt") + " and " + filepath.Join(dir, "other.key") + ": tls: private key does not match public key"},
		{"certificate without key", "{clientCertFile: client.crt}", "8:11", "backends[0].tls: clientCertFile needs clientKeyFile"},
		{"key without certificate", "{clientKeyFile: client.key}", "8:11", "backends[0].tls: clientKeyFile needs clientCertFile"},
		{"empty file name", `{rootCAsFile: ""}`, "8:24", "backends[0].tls.rootCAsFile: must not be empty"},
		{"ca file misnamed", "{caFile: ca.crt}", "8:11", `backends[0].tls: unknown key "caFile" (did you mean rootCAsFile?)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := load(t, strings.ReplaceAll(tc.name, " ", "-")+".yaml", tc.tls)
			if err == nil {
				t.Fatal("no error")
			}
			errs := err.(Errors)
			got := errs[0]
			if len(errs) != 1 || got.Line != atoi(t, tc.pos, 0) || got.Column != atoi(t, tc.pos, 1) || !strings.Contains(got.Message, tc.msg) {
				t.Errorf("error %v, want one at %s: ...%s...", err, tc.pos, tc.msg)
			}
		})
	}
}

// atoi returns part i of the "line:column" pos as a number.
func atoi(t *testing.T, pos string, i int) int {
	t.Helper()
	n := 0
	for _, c := range strings.Split(pos, ":")[i] {
		n = n*10 + int(c-'0')
	}
	return n
}
