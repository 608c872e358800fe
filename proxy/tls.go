package proxy

import (
	"crypto/tls"
	"errors"
	"fmt"
	"strings"

	"github.com/firsthop/firsthop/model"
)

// tableCerts are a table's certificates, compiled once per table: one
// [certStore] per scope that has certificates, so that a TLS listener
// chooses among its own scope's only (see [model.Certificate]).
type tableCerts struct {
	scopes map[string]*certStore
}

// newTableCerts compiles certs, which have passed
// [model.TableSpec.Validate], with the wildcard rules of scopes. It returns
// nil without certificates.
func newTableCerts(certs []model.Certificate, scopes []model.ScopeSpec) *tableCerts {
	if len(certs) == 0 {
		return nil
	}
	rule := func(scope string) model.WildcardRule {
		for _, sc := range scopes {
			if sc.Name == scope {
				return sc.Wildcards
			}
		}
		return model.WildcardOneLabel
	}
	tc := &tableCerts{scopes: map[string]*certStore{}}
	for i := range certs {
		c := &certs[i]
		cs := tc.scopes[c.Scope]
		if cs == nil {
			cs = &certStore{exact: map[string]*tls.Certificate{}, wildcard: map[string]*tls.Certificate{},
				suffix: rule(c.Scope) == model.WildcardSuffix}
			tc.scopes[c.Scope] = cs
		}
		cs.add(c)
	}
	return tc
}

// scope returns the certificates of a scope, nil when it has none; tc may
// be nil.
func (tc *tableCerts) scope(name string) *certStore {
	if tc == nil {
		return nil
	}
	return tc.scopes[name]
}

// certStore selects the certificate of one scope by server name: an exact
// name, else a covering wildcard (one extra label, or any number with
// suffix, the longest suffix first), else the default (the first
// certificate naming "*", else the first certificate).
type certStore struct {
	exact    map[string]*tls.Certificate
	wildcard map[string]*tls.Certificate // keyed by the suffix after "*."
	suffix   bool                        // model.WildcardSuffix
	def      *tls.Certificate
	defStar  bool // def names "*"
}

// add indexes c after the certificates added before it, which keep the
// names they won.
func (cs *certStore) add(c *model.Certificate) {
	if cs.def == nil {
		cs.def = c.Cert
	}
	names := c.Names
	if len(names) == 0 {
		names = c.Cert.Leaf.DNSNames
	}
	for _, n := range names {
		if n == "*" {
			if !cs.defStar {
				cs.def, cs.defStar = c.Cert, true
			}
			continue
		}
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

// lookup returns the certificate for a canonical server name; "" (no SNI)
// gets the default. It allocates nothing.
func (cs *certStore) lookup(name string) *tls.Certificate {
	if c, ok := cs.exact[name]; ok {
		return c
	}
	for rest := name; ; {
		dot := strings.IndexByte(rest, '.')
		if dot <= 0 {
			break
		}
		rest = rest[dot+1:]
		if c, ok := cs.wildcard[rest]; ok {
			return c
		}
		if !cs.suffix {
			break
		}
	}
	return cs.def
}

// tlsConfig returns the TLS settings of a listener of scope: certificates
// of that scope from the current table, TLS 1.2 at least, ALPN h2 (when
// http2) and http/1.1. Session tickets are crypto/tls's, whose keys belong
// to the returned config: they outlive table reloads.
func tlsConfig(current func() *Table, scope string, http2 bool) *tls.Config {
	protos := []string{"http/1.1"}
	if http2 {
		protos = []string{"h2", "http/1.1"}
	}
	noCert := errors.New("firsthop: no TLS certificate loaded")
	if scope != "" {
		noCert = fmt.Errorf("firsthop: no TLS certificate loaded for scope %q", scope)
	}
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: protos,
		GetCertificate: func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
			var cs *certStore
			if t := current(); t != nil {
				cs = t.certs.scope(scope)
			}
			if cs == nil {
				return nil, noCert
			}
			return cs.lookup(model.CanonicalHost(hello.ServerName)), nil
		},
	}
}
