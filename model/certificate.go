package model

import "crypto/tls"

// Certificate is a TLS certificate with the server names it is chosen for.
type Certificate struct {
	// Cert is the certificate chain and key; Cert.Leaf must be set.
	Cert *tls.Certificate

	// Names are the SNI names (exact, or "*.example.com") the certificate
	// serves. Empty means the DNS names in Cert.Leaf.
	Names []string
}
