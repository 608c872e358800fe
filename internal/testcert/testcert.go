// Package testcert makes self-signed TLS certificates for tests.
package testcert

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// New returns a self-signed certificate for names (the first is also the
// common name), valid for an hour, with its leaf parsed.
func New(t testing.TB, names ...string) *tls.Certificate {
	t.Helper()
	cert, _, _ := generate(t, names)
	return cert
}

// Write writes a self-signed certificate for names to dir as base.crt and
// its key as base.key, and returns the two paths.
func Write(t testing.TB, dir, base string, names ...string) (certFile, keyFile string) {
	t.Helper()
	_, certPEM, keyPEM := generate(t, names)
	certFile, keyFile = filepath.Join(dir, base+".crt"), filepath.Join(dir, base+".key")
	for path, data := range map[string][]byte{certFile: certPEM, keyFile: keyPEM} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return certFile, keyFile
}

func generate(t testing.TB, names []string) (*tls.Certificate, []byte, []byte) {
	t.Helper()
	cert, certPEM, keyPEM, err := Generate(time.Hour, names...)
	if err != nil {
		t.Fatal(err)
	}
	return cert, certPEM, keyPEM
}

// Generate returns a self-signed ECDSA P-256 certificate for names (the
// first is also the common name), valid from an hour ago for validity,
// with its leaf parsed, and the certificate and key in PEM. It is for
// tools (benchmarks) that have no testing.TB; tests use New or Write.
func Generate(validity time.Duration, names ...string) (cert *tls.Certificate, certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		return nil, nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: names[0]}, DNSNames: names,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(validity),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, nil, err
	}
	cert = &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
	return cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), nil
}
