package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/netip"
	"time"
)

// TestCA is a throwaway certificate authority that issues serving
// certificates valid for a day.
type TestCA struct {
	// CertPEM is the CA certificate, for clients to trust.
	CertPEM []byte

	cert   *x509.Certificate
	key    *ecdsa.PrivateKey
	serial int64
}

// NewTestCA makes a CA named cn with a fresh key.
func NewTestCA(cn string) (*TestCA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &TestCA{CertPEM: pemBlock("CERTIFICATE", der), cert: cert, key: key, serial: 1}, nil
}

// Issue returns a serving certificate (PEM) for names and ips, with common
// name cn, and its key (PEM, PKCS #8).
func (ca *TestCA) Issue(cn string, names []string, ips []netip.Addr) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	ca.serial++
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(ca.serial),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     names,
	}
	for _, ip := range ips {
		tmpl.IPAddresses = append(tmpl.IPAddresses, net.IP(ip.AsSlice()))
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return nil, nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pemBlock("CERTIFICATE", der), pemBlock("PRIVATE KEY", keyDER), nil
}

// clusterPKI is what a throwaway control plane needs: a CA, a serving
// certificate it signed, and the service-account signing key. All PEM.
type clusterPKI struct {
	CACert     []byte
	ServerCert []byte
	ServerKey  []byte
	// ServiceAccountKey is an RSA private key (PKCS #8); kube-apiserver
	// verifies with it and signs with it.
	ServiceAccountKey []byte
}

// newClusterPKI makes the CA and a serving certificate valid for ips and
// names, and an RSA service-account key. Keys are never reused between
// runs.
func newClusterPKI(ips []netip.Addr, names []string) (*clusterPKI, error) {
	ca, err := NewTestCA("firsthop-e2e-ca")
	if err != nil {
		return nil, err
	}
	crt, key, err := ca.Issue("kube-apiserver", names, ips)
	if err != nil {
		return nil, err
	}
	saKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	saDER, err := x509.MarshalPKCS8PrivateKey(saKey)
	if err != nil {
		return nil, err
	}
	return &clusterPKI{
		CACert:            ca.CertPEM,
		ServerCert:        crt,
		ServerKey:         key,
		ServiceAccountKey: pemBlock("PRIVATE KEY", saDER),
	}, nil
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}
