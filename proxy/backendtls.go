package proxy

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"

	"github.com/firsthop/firsthop/model"
)

// backendTLS is the TLS material of a [model.Backend] beyond its server
// name: the roots that verify its endpoints and the certificate firsthop
// presents to them, parsed once, when the backend is compiled.
type backendTLS struct {
	// roots verify the endpoints' certificates; nil means the system's.
	roots *x509.CertPool
	// cert is presented when an endpoint asks for one; nil means none.
	cert *tls.Certificate
}

// newBackendTLS parses b's TLS root CAs and client certificate, and
// returns them with the ID that tells them apart in an [upstreamKey];
// nil and "" when b has neither. b has passed [model.TableSpec.Validate];
// were its roots not to parse, an empty pool verifies nothing rather
// than the system's roots verifying what the backend's did not.
func newBackendTLS(b *model.Backend) (*backendTLS, string) {
	if len(b.TLSRootCAs) == 0 && len(b.TLSClientCert) == 0 {
		return nil, ""
	}
	bt := &backendTLS{}
	if len(b.TLSRootCAs) > 0 {
		var err error
		if bt.roots, err = model.ParseRootCAs(b.TLSRootCAs); err != nil {
			bt.roots = x509.NewCertPool()
		}
	}
	if len(b.TLSClientCert) > 0 {
		bt.cert, _ = model.ParseClientCert(b.TLSClientCert, b.TLSClientKey)
	}
	h := sha256.New()
	for _, part := range [][]byte{b.TLSRootCAs, b.TLSClientCert, b.TLSClientKey} {
		h.Write(part)
		h.Write([]byte{0})
	}
	return bt, hex.EncodeToString(h.Sum(nil))
}

// apply sets bt's roots and client certificate on c; bt may be nil.
func (bt *backendTLS) apply(c *tls.Config) {
	if bt == nil {
		return
	}
	c.RootCAs = bt.roots
	if cert := bt.cert; cert != nil {
		// Whatever the endpoint says it accepts: it decides.
		c.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return cert, nil }
	}
}
