package proxy

import (
	"crypto/tls"
	"errors"
	"strings"

	"github.com/firsthop/firsthop/model"
)

// certStore selects a certificate by server name: an exact name, else a
// wildcard covering exactly one extra label, else the default (the first
// certificate of the table). It is built once per table.
type certStore struct {
	exact    map[string]*tls.Certificate
	wildcard map[string]*tls.Certificate // keyed by the suffix after "*."
	def      *tls.Certificate
}

// newCertStore indexes certs, which have passed [model.TableSpec.Validate];
// the first certificate naming a name wins it.
func newCertStore(certs []model.Certificate) *certStore {
	if len(certs) == 0 {
		return nil
	}
	cs := &certStore{exact: map[string]*tls.Certificate{}, wildcard: map[string]*tls.Certificate{}}
	for i, c := range certs {
		if i == 0 {
			cs.def = c.Cert
		}
		names := c.Names
		if len(names) == 0 {
			names = c.Cert.Leaf.DNSNames
		}
		for _, n := range names {
			n = model.CanonicalHost(n)
			m, key := cs.exact, n
			if strings.HasPrefix(n, "*.") {
				m, key = cs.wildcard, n[2:]
			}
			if _, taken := m[key]; !taken {
				m[key] = c.Cert
			}
		}
	}
	return cs
}

// lookup returns the certificate for a canonical server name; "" (no SNI)
// gets the default.
func (cs *certStore) lookup(name string) *tls.Certificate {
	if c, ok := cs.exact[name]; ok {
		return c
	}
	if dot := strings.IndexByte(name, '.'); dot > 0 {
		if c, ok := cs.wildcard[name[dot+1:]]; ok {
			return c
		}
	}
	return cs.def
}

// tlsConfig returns the TLS settings of a listener: certificates from the
// current table, TLS 1.2 at least, ALPN h2 (when http2) and http/1.1.
func tlsConfig(current func() *Table, http2 bool) *tls.Config {
	protos := []string{"http/1.1"}
	if http2 {
		protos = []string{"h2", "http/1.1"}
	}
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: protos,
		GetCertificate: func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
			t := current()
			if t == nil || t.certs == nil {
				return nil, errors.New("firsthop: no TLS certificate loaded")
			}
			return t.certs.lookup(model.CanonicalHost(hello.ServerName)), nil
		},
	}
}
