package resolve

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// CertLoader turns a TLS Secret into a certificate. It must not modify
// the Secret. [LoadCertificate] and [CertCache.Load] are two.
type CertLoader func(*corev1.Secret) (*tls.Certificate, error)

// LoadCertificate parses the tls.crt and tls.key of a Secret (the keys of
// type kubernetes.io/tls) into a certificate with its leaf parsed.
func LoadCertificate(s *corev1.Secret) (*tls.Certificate, error) {
	crt, key := s.Data[corev1.TLSCertKey], s.Data[corev1.TLSPrivateKeyKey]
	if len(crt) == 0 || len(key) == 0 {
		return nil, fmt.Errorf("it has no %s and %s", corev1.TLSCertKey, corev1.TLSPrivateKeyKey)
	}
	pair, err := tls.X509KeyPair(crt, key)
	if err != nil {
		return nil, err
	}
	if pair.Leaf == nil {
		if pair.Leaf, err = x509.ParseCertificate(pair.Certificate[0]); err != nil {
			return nil, err
		}
	}
	return &pair, nil
}

// CertCache keeps the certificate parsed from each Secret version, so that
// a rebuild does not parse every certificate again and an unchanged Secret
// gives the same *tls.Certificate (and so an equal table). The zero value
// is ready to use; it is safe for concurrent use and must not be copied
// after first use.
type CertCache struct {
	mu sync.Mutex
	m  map[types.NamespacedName]cachedCert
}

type cachedCert struct {
	uid     types.UID
	version string
	cert    *tls.Certificate
	err     error
}

// Load returns the certificate of s, parsing it (with [LoadCertificate])
// only when s is new or changed since the last call: another UID or
// resourceVersion. It is a [CertLoader].
func (c *CertCache) Load(s *corev1.Secret) (*tls.Certificate, error) {
	key := types.NamespacedName{Namespace: s.Namespace, Name: s.Name}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[key]; ok && e.uid == s.UID && e.version == s.ResourceVersion && s.ResourceVersion != "" {
		return e.cert, e.err
	}
	cert, err := LoadCertificate(s)
	if c.m == nil {
		c.m = make(map[types.NamespacedName]cachedCert)
	}
	c.m[key] = cachedCert{uid: s.UID, version: s.ResourceVersion, cert: cert, err: err}
	return cert, err
}

// KeepOnly forgets the Secrets not in live.
func (c *CertCache) KeepOnly(live map[types.NamespacedName]bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.m {
		if !live[k] {
			delete(c.m, k)
		}
	}
}
