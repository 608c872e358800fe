package config

import (
	"net/netip"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/listen"
)

// listenerAt is a decoded listener with the nodes it came from.
type listenerAt struct {
	Listener
	path   string     // "listeners[i]"
	at     *yaml.Node // the list item
	nameAt *yaml.Node
	addrAt *yaml.Node // nil when the address is missing or bad
	addr   netip.AddrPort
	modeAt *yaml.Node   // nil when mode is not set
	cidrAt []*yaml.Node // one per ProxyProtocol.TrustedCIDRs entry
	// cidrItems is how many trustedCIDRs items were written, good or bad.
	cidrItems int
	tlsAt     *yaml.Node // nil when tls is not set
	scopeAt   *yaml.Node // nil when scope is not set
	// policyRefs are the policies named, where they are written.
	policyRefs []policyRef
}

// proxyProtocolPath is where l's PROXY protocol settings are written:
// "listeners[i].proxyProtocol", or "proxyProtocol" in Gateway parameters
// (whose listenerAt has no path).
func (l *listenerAt) proxyProtocolPath() string {
	if l.path == "" {
		return "proxyProtocol"
	}
	return l.path + ".proxyProtocol"
}

// listeners decodes the listeners list.
func (d *decoder) listeners(n *yaml.Node, path string, p *parsed) {
	items, ok := d.list(n, path, "listeners")
	if !ok {
		return
	}
	for i, item := range items {
		if l, ok := d.listener(item, index(path, i)); ok {
			p.listeners = append(p.listeners, l)
		}
	}
}

// listener decodes one listener. ok is false when it has no usable name.
func (d *decoder) listener(n *yaml.Node, path string) (l listenerAt, ok bool) {
	f, ok := d.mapping(n, path, "a listener", "name", "address", "publicPort", "proxyProtocol", "accessLog",
		"tls", "h2c", "timeouts", "maxHeaderBytes", "http2", "policies", "scope")
	if !ok {
		return l, false
	}
	l.at, l.path = n, path
	l.ProxyProtocol = listen.Policy{HeaderTimeout: listen.DefaultHeaderTimeout}
	if v := f.value("address"); v == nil {
		d.errorf(n, "%s: address is required (IP:port, such as 127.0.0.1:8080)", path)
	} else if s, ok := d.text(v, f.sub("address"), "an IP:port address"); ok {
		if ap, err := parseAddrPort(s, anyPort); err != nil {
			d.errorf(v, "%s: %v", f.sub("address"), err)
		} else {
			l.Address, l.addr, l.addrAt = ap.String(), ap, v
		}
	}
	if v := f.value("publicPort"); v != nil {
		if port, ok := d.integer(v, f.sub("publicPort"), 1, 65535); ok {
			l.PublicPort = uint16(port)
		}
	}
	if v := f.value("proxyProtocol"); v != nil {
		d.proxyProtocol(v, f.sub("proxyProtocol"), &l)
	}
	if v := f.value("accessLog"); v != nil {
		l.AccessLog, _ = d.boolean(v, f.sub("accessLog"))
	}
	if v := f.value("tls"); v != nil {
		l.TLS, _ = d.boolean(v, f.sub("tls"))
		l.tlsAt = v
	}
	if v := f.value("h2c"); v != nil {
		l.H2C, _ = d.boolean(v, f.sub("h2c"))
		if l.H2C && l.TLS {
			d.errorf(v, "%s: h2c is HTTP/2 without TLS; a TLS listener offers HTTP/2 by ALPN already", f.sub("h2c"))
		}
	}
	if v := f.value("timeouts"); v != nil {
		d.listenerTimeouts(v, f.sub("timeouts"), &l.Listener)
	}
	if v := f.value("maxHeaderBytes"); v != nil {
		if n, ok := d.integer(v, f.sub("maxHeaderBytes"), 1024, 1<<20); ok {
			l.MaxHeaderBytes = n
		}
	}
	if v := f.value("policies"); v != nil {
		l.policyRefs = d.policyNames(v, f.sub("policies"))
		l.Policies = names(l.policyRefs)
	}
	if v := f.value("scope"); v != nil {
		l.Scope, _ = d.name(v, f.sub("scope"))
		l.scopeAt = v
	}
	if v := f.value("http2"); v != nil {
		if h, ok := d.mapping(v, f.sub("http2"), "HTTP/2 settings", "maxConcurrentStreams", "server"); ok {
			if m := h.value("maxConcurrentStreams"); m != nil {
				if n, ok := d.integer(m, h.sub("maxConcurrentStreams"), 1, 10000); ok {
					l.MaxConcurrentStreams = uint32(n)
				}
			}
			if m := h.value("server"); m != nil {
				if s, ok := d.text(m, h.sub("server"), "lean or net/http"); ok {
					switch s {
					case "lean":
						l.HTTP2Server = model.HTTP2ServerLean
					case "net/http":
						l.HTTP2Server = model.HTTP2ServerNetHTTP
					default:
						d.errorf(m, "%s: %q is not an HTTP/2 server: lean or net/http", h.sub("server"), s)
					}
				}
			}
		}
	}
	v := f.value("name")
	if v == nil {
		d.errorf(n, "%s: name is required", path)
		return l, false
	}
	l.Name, ok = d.name(v, f.sub("name"))
	l.nameAt = v
	return l, ok
}

// proxyProtocol decodes a listener's proxyProtocol mapping into l.
func (d *decoder) proxyProtocol(n *yaml.Node, path string, l *listenerAt) {
	f, ok := d.mapping(n, path, "PROXY protocol settings", "mode", "trustedCIDRs", "headerTimeout")
	if !ok {
		return
	}
	if v := f.value("mode"); v != nil {
		if s, ok := d.text(v, f.sub("mode"), "off, optional or required"); ok {
			if m, err := listen.ParseMode(s); err != nil {
				d.errorf(v, "%s: %v", f.sub("mode"), err)
			} else {
				l.ProxyProtocol.Mode, l.modeAt = m, v
			}
		}
	}
	if v := f.value("trustedCIDRs"); v != nil {
		l.ProxyProtocol.TrustedCIDRs, l.cidrAt = d.prefixes(v, f.sub("trustedCIDRs"))
		if v.Kind == yaml.SequenceNode {
			l.cidrItems = len(v.Content)
		}
	}
	if v := f.value("headerTimeout"); v != nil {
		if t, ok := d.duration(v, f.sub("headerTimeout")); ok {
			l.ProxyProtocol.HeaderTimeout = t
		}
	}
}

// prefixes decodes a list of CIDRs (see [parsePrefix]) and returns them
// with their nodes. A prefix listed twice is dropped with a warning.
func (d *decoder) prefixes(n *yaml.Node, path string) ([]netip.Prefix, []*yaml.Node) {
	items, ok := d.list(n, path, "CIDRs")
	if !ok {
		return nil, nil
	}
	var out []netip.Prefix
	var at []*yaml.Node
	seen := map[netip.Prefix]*yaml.Node{}
	for i, item := range items {
		ipath := index(path, i)
		s, ok := d.text(item, ipath, "a CIDR such as 10.0.0.0/8")
		if !ok {
			continue
		}
		pfx, err := parsePrefix(s)
		if err != nil {
			d.errorf(item, "%s: %v", ipath, err)
			continue
		}
		if first := seen[pfx]; first != nil {
			d.warnf(item, "%s: %s is listed twice (first at line %d)", ipath, pfx, first.Line)
			continue
		}
		seen[pfx] = item
		out = append(out, pfx)
		at = append(at, item)
	}
	return out, at
}

// listenerTimeouts decodes a listener's timeouts mapping into l.
func (d *decoder) listenerTimeouts(n *yaml.Node, path string, l *Listener) {
	f, ok := d.mapping(n, path, "listener timeouts", "readHeader", "idle", "requestBody")
	if !ok {
		return
	}
	for key, dst := range map[string]*time.Duration{
		"readHeader":  &l.ReadHeaderTimeout,
		"idle":        &l.IdleTimeout,
		"requestBody": &l.RequestBodyTimeout,
	} {
		if v := f.value(key); v != nil {
			*dst, _ = d.duration(v, f.sub(key))
		}
	}
}
