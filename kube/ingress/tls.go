package ingress

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"sync"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/firsthop/firsthop/model"
)

// CertLoader turns a TLS Secret into a certificate. It must not modify
// the Secret.
type CertLoader func(*corev1.Secret) (*tls.Certificate, error)

// loadTLSSecret parses the tls.crt and tls.key of a Secret (the keys of
// type kubernetes.io/tls) into a certificate with its leaf parsed.
func loadTLSSecret(s *corev1.Secret) (*tls.Certificate, error) {
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

// certCache keeps the certificate parsed from each Secret version, so that
// a rebuild does not parse every certificate again and an unchanged Secret
// gives the same *tls.Certificate (and so an equal table). Safe for
// concurrent use.
type certCache struct {
	mu sync.Mutex
	m  map[types.NamespacedName]cachedCert
}

type cachedCert struct {
	uid     types.UID
	version string
	cert    *tls.Certificate
	err     error
}

// load returns the certificate of s, parsing it only when s is new or
// changed since the last call.
func (c *certCache) load(s *corev1.Secret) (*tls.Certificate, error) {
	key := types.NamespacedName{Namespace: s.Namespace, Name: s.Name}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[key]; ok && e.uid == s.UID && e.version == s.ResourceVersion && s.ResourceVersion != "" {
		return e.cert, e.err
	}
	cert, err := loadTLSSecret(s)
	if c.m == nil {
		c.m = make(map[types.NamespacedName]cachedCert)
	}
	c.m[key] = cachedCert{uid: s.UID, version: s.ResourceVersion, cert: cert, err: err}
	return cert, err
}

// keepOnly forgets the Secrets not in live.
func (c *certCache) keepOnly(live map[types.NamespacedName]bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.m {
		if !live[k] {
			delete(c.m, k)
		}
	}
}

// addTLS adds the certificates of ing's spec.tls entries. An entry's
// hosts are the SNI names its certificate is chosen for; an entry without
// hosts serves the DNS names of its certificate. An entry without a
// secretName, a missing Secret or one that does not hold a certificate and
// key leaves its hosts to the default certificate and is reported; the
// routes of the Ingress are served either way.
func (p *planner) addTLS(ing *networkingv1.Ingress) {
	for i, t := range ing.Spec.TLS {
		var names []string
		bad := false
		for j, h := range t.Hosts {
			c, err := canonicalHost(h)
			if err == nil && c == "" {
				err = errors.New("an empty host names no server")
			}
			if err != nil {
				p.report(Problem{
					Object:  ingressRef(ing),
					Reason:  ReasonInvalidTLS,
					Message: fmt.Sprintf("tls[%d].hosts[%d]: %v; this TLS entry is not used", i, j, err),
				})
				bad = true
				break
			}
			names = append(names, c)
		}
		if bad || t.SecretName == "" {
			continue
		}
		key := types.NamespacedName{Namespace: ing.Namespace, Name: t.SecretName}
		p.secretRefs[key] = true
		sec := p.secrets[key]
		if sec == nil {
			p.report(Problem{
				Object:  ingressRef(ing),
				Reason:  ReasonSecretNotFound,
				Message: fmt.Sprintf("tls[%d]: secret %q not found (or not of type %s); its hosts get the default certificate", i, t.SecretName, corev1.SecretTypeTLS),
			})
			continue
		}
		cert, err := p.loadCert(sec)
		if err != nil {
			p.report(Problem{
				Object:  ingressRef(ing),
				Reason:  ReasonInvalidSecret,
				Message: fmt.Sprintf("tls[%d]: secret %q: %v; its hosts get the default certificate", i, t.SecretName, err),
			})
			continue
		}
		p.certs = append(p.certs, model.Certificate{Cert: cert, Names: names})
	}
}
