package config

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/firsthop/firsthop/model"
)

// tlsSettings decodes the top-level tls mapping:
//
//	tls:
//	  certificates:
//	    - certFile: app.crt        # PEM chain; relative to the config file
//	      keyFile: app.key
//	      names: [app.example.com]  # optional; default: the certificate's DNS names
//	      scope: internal           # optional; default: the default scope
//
// A TLS listener chooses among the certificates of its scope only (see
// [model.Certificate]); the first of a scope is its default for clients
// that send no or an unknown server name.
func (d *decoder) tlsSettings(n *yaml.Node, p *parsed) {
	f, ok := d.mapping(n, "tls", "TLS settings", "certificates")
	if !ok {
		return
	}
	v := f.value("certificates")
	if v == nil {
		return
	}
	items, ok := d.list(v, "tls.certificates", "certificates")
	if !ok {
		return
	}
	p.certsAt = v
	for i, item := range items {
		if c, ok := d.certificate(item, index("tls.certificates", i), p); ok {
			p.certs = append(p.certs, c)
		}
	}
}

// certificate decodes and loads one certificate entry.
func (d *decoder) certificate(n *yaml.Node, path string, p *parsed) (model.Certificate, bool) {
	f, ok := d.mapping(n, path, "a certificate", "certFile", "keyFile", "names", "scope")
	if !ok {
		return model.Certificate{}, false
	}
	cs := certScope{path: path}
	if v := f.value("scope"); v != nil {
		cs.scope, _ = d.name(v, f.sub("scope"))
		cs.at = v
	}
	p.certScopes = append(p.certScopes, cs)
	file := func(key string) (string, *yaml.Node) {
		v := f.value(key)
		if v == nil {
			d.errorf(n, "%s: %s is required", path, key)
			return "", nil
		}
		s, ok := d.text(v, f.sub(key), "a file path")
		if !ok || s == "" {
			if ok {
				d.errorf(v, "%s: must not be empty", f.sub(key))
			}
			return "", nil
		}
		return d.filePath(s), v
	}
	certFile, certAt := file("certFile")
	keyFile, _ := file("keyFile")
	var names []string
	if v := f.value("names"); v != nil {
		if items, ok := d.list(v, f.sub("names"), "server names"); ok {
			for i, item := range items {
				s, ok := d.text(item, index(f.sub("names"), i), "a server name")
				if !ok {
					continue
				}
				h, err := model.RouteHost(s)
				if err == nil && h == "" {
					err = fmt.Errorf("a server name must not be empty")
				}
				if err != nil {
					d.errorf(item, "%s: %v", index(f.sub("names"), i), err)
					continue
				}
				names = append(names, h)
			}
		}
	}
	if certFile == "" || keyFile == "" {
		return model.Certificate{}, false
	}
	p.files = append(p.files, certFile, keyFile)
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		d.errorf(certAt, "%s: loading %s and %s: %v", path, certFile, keyFile, err)
		return model.Certificate{}, false
	}
	if pair.Leaf == nil {
		if pair.Leaf, err = x509.ParseCertificate(pair.Certificate[0]); err != nil {
			d.errorf(certAt, "%s: %s: %v", path, certFile, err)
			return model.Certificate{}, false
		}
	}
	if len(names) == 0 && len(pair.Leaf.DNSNames) == 0 {
		d.warnf(certAt, "%s: %s names no DNS name and no names: are listed: it is used only as the default certificate", path, certFile)
	}
	return model.Certificate{Cert: &pair, Names: names, Scope: cs.scope}, true
}

// certScope is the scope of one entry of tls.certificates, for
// [decoder.checkCertificates].
type certScope struct {
	scope string
	at    *yaml.Node // the scope's value; nil when not set
	path  string     // "tls.certificates[i]"
}
