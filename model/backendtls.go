package model

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// ParseRootCAs parses a PEM bundle of CA certificates ([Backend.TLSRootCAs])
// into a pool. Every PEM block must be a CERTIFICATE that parses; bytes
// outside blocks are ignored, as openssl does; at least one certificate is
// needed.
func ParseRootCAs(bundle []byte) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	n := 0
	for rest := bundle; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		n++
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("PEM block %d is a %q, not a CERTIFICATE", n, block.Type)
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("PEM block %d: %v", n, err)
		}
		pool.AddCert(cert)
	}
	if n == 0 {
		return nil, errors.New("no PEM certificate found")
	}
	return pool, nil
}

// ParseClientCert parses [Backend.TLSClientCert] and TLSClientKey into the
// certificate firsthop presents, its leaf parsed.
func ParseClientCert(certPEM, keyPEM []byte) (*tls.Certificate, error) {
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, err
	}
	return &cert, nil
}

// checkBackendTLS returns what is wrong with b's CA bundle and client
// certificate, or "".
func checkBackendTLS(b *Backend) string {
	if len(b.TLSRootCAs) > 0 {
		if _, err := ParseRootCAs(b.TLSRootCAs); err != nil {
			return fmt.Sprintf("TLS root CAs: %v", err)
		}
	}
	switch {
	case len(b.TLSClientCert) == 0 && len(b.TLSClientKey) == 0:
	case len(b.TLSClientCert) == 0 || len(b.TLSClientKey) == 0:
		return "TLS client certificate and key go together"
	default:
		if _, err := ParseClientCert(b.TLSClientCert, b.TLSClientKey); err != nil {
			return fmt.Sprintf("TLS client certificate: %v", err)
		}
	}
	return ""
}
