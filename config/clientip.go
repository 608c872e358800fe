package config

import (
	"gopkg.in/yaml.v3"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/clientip"
)

// defaultSources is clientIP.sources when it is not set: X-Forwarded-For
// only, the header every common load balancer writes. A trusted proxy
// that writes one of the two headers passes the other on as the client
// sent it, so reading Forwarded by default would let any client behind
// such a proxy (nginx, most cloud load balancers) pick its address with a
// forged Forwarded header; Forwarded is read only when listed.
func defaultSources() []clientip.Header {
	return []clientip.Header{clientip.HeaderXForwardedFor}
}

// defaultHeaders is forwardedHeaders when nothing in it is set.
func defaultHeaders() model.ForwardedHeaders {
	return model.ForwardedHeaders{XForwardedFor: model.HeaderAppend, Forwarded: model.HeaderAppend, XRealIP: true}
}

// clientIP decodes the clientIP mapping.
func (d *decoder) clientIP(n *yaml.Node, path string, p *parsed) {
	f, ok := d.mapping(n, path, "client IP settings", "trustedProxies", "sources")
	if !ok {
		return
	}
	if v := f.value("trustedProxies"); v != nil {
		p.clientIP.TrustedProxies, p.trustAt = d.prefixes(v, f.sub("trustedProxies"))
	}
	v := f.value("sources")
	if v == nil {
		return
	}
	items, ok := d.list(v, f.sub("sources"), "header names (forwarded, x-forwarded-for)")
	if !ok {
		return
	}
	p.sourcesAt = v
	p.clientIP.Headers = []clientip.Header{}
	seen := map[clientip.Header]*yaml.Node{}
	for i, item := range items {
		ipath := index(f.sub("sources"), i)
		s, ok := d.text(item, ipath, "forwarded or x-forwarded-for")
		if !ok {
			continue
		}
		h, err := clientip.ParseHeader(s)
		if err != nil {
			d.errorf(item, "%s: %v", ipath, err)
			continue
		}
		if first := seen[h]; first != nil {
			d.errorf(item, "%s: %s is listed twice (first at line %d)", ipath, h, first.Line)
			continue
		}
		seen[h] = item
		p.clientIP.Headers = append(p.clientIP.Headers, h)
	}
}

// forwardedHeaders decodes the forwardedHeaders mapping; keys not set keep
// their defaults.
func (d *decoder) forwardedHeaders(n *yaml.Node, path string, p *parsed) {
	f, ok := d.mapping(n, path, "forwarding header settings", "xForwardedFor", "forwarded", "xRealIP")
	if !ok {
		return
	}
	mode := func(key string, dst *model.HeaderMode) {
		v := f.value(key)
		if v == nil {
			return
		}
		s, ok := d.text(v, f.sub(key), "append, replace or off")
		if !ok {
			return
		}
		m, err := model.ParseHeaderMode(s)
		if err != nil {
			d.errorf(v, "%s: %v", f.sub(key), err)
			return
		}
		*dst = m
	}
	mode("xForwardedFor", &p.headers.XForwardedFor)
	mode("forwarded", &p.headers.Forwarded)
	if v := f.value("xRealIP"); v != nil {
		if b, ok := d.boolean(v, f.sub("xRealIP")); ok {
			p.headers.XRealIP = b
		}
	}
}
