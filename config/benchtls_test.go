package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/firsthop/firsthop/internal/testcert"
)

// benchTLSCertDir is where examples/bench/tls.yaml reads its certificate:
// ../shared/bench/peers and idleconns -tls-cert-dir write it there.
const benchTLSCertDir = "/tmp/peers-tls/"

// TestBenchTLSExample loads examples/bench/tls.yaml, which is outside
// examples/*.yaml because its certificate exists only at run time, with a
// certificate written for it: it must be valid like every example, with a
// TLS listener.
func TestBenchTLSExample(t *testing.T) {
	t.Parallel()
	text, err := os.ReadFile(filepath.Join(examplesDir, "bench", "tls.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(text), benchTLSCertDir+"cert.pem") || !strings.Contains(string(text), benchTLSCertDir+"key.pem") {
		t.Fatalf("examples/bench/tls.yaml does not read %scert.pem and key.pem", benchTLSCertDir)
	}
	dir := t.TempDir()
	certFile, keyFile := testcert.Write(t, dir, "bench", "bench.local", "localhost")
	text = []byte(strings.NewReplacer(benchTLSCertDir+"cert.pem", certFile, benchTLSCertDir+"key.pem", keyFile).Replace(string(text)))
	path := filepath.Join(dir, "tls.yaml")
	if err := os.WriteFile(path, text, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := loadExample(t, path)
	if len(cfg.Listeners) != 1 || !cfg.Listeners[0].TLS {
		t.Errorf("listeners %+v, want one TLS listener", cfg.Listeners)
	}
}
