package config

import (
	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/listen"
)

// lint records warnings about settings that are valid but insecure or
// useless. It runs only on a file without errors.
func (d *decoder) lint(p *parsed) {
	d.lintClientIP(p)
	for _, l := range p.listeners {
		d.lintListener(l)
	}
	d.lintPolicies(p)
	d.lintRoutes(p)
	d.lintGuards(p)
	used := map[string]bool{p.defaultBackend: true}
	for _, r := range p.routes {
		for _, ref := range r.refs {
			used[ref.name] = true
		}
	}
	for _, b := range p.backends {
		if !b.Echo && len(b.Endpoints) == 0 && len(b.Named) == 0 {
			d.warnf(b.nameAt, "%s: backend %q has no endpoints: every request routed to it gets 503", b.path, b.Name)
		}
		if b.localityAt != nil && b.Locality == model.LocalityLocal && !b.Echo && p.node == "" {
			d.warnf(b.localityAt, "%s.locality: Local uses endpoints on this proxy's node only, and the node is not set (node: or NODE_NAME)", b.path)
		}
		if !used[b.Name] {
			d.warnf(b.nameAt, "%s: backend %q is not used by any route or defaultBackend", b.path, b.Name)
		}
	}
}

// lintClientIP warns about a clientIP mapping that trusts everyone or
// believes no header.
func (d *decoder) lintClientIP(p *parsed) {
	for i, pfx := range p.clientIP.TrustedProxies {
		if pfx.Bits() == 0 {
			d.warnf(p.trustAt[i], "%s: %s trusts every address: any client can forge its IP",
				index("clientIP.trustedProxies", i), pfx)
		}
	}
	if len(p.clientIP.TrustedProxies) > 0 && len(p.clientIP.Headers) == 0 {
		d.warnf(p.sourcesAt, "clientIP.sources: empty while trustedProxies is set: no forwarding header is read, so the trusted proxies are never believed")
	}
}

// lintListener warns about a listener's PROXY protocol settings.
func (d *decoder) lintListener(l listenerAt) {
	pp := l.ProxyProtocol
	path := l.proxyProtocolPath()
	for i, pfx := range pp.TrustedCIDRs {
		if pfx.Bits() == 0 {
			d.warnf(l.cidrAt[i], "%s: %s trusts every address: any client can forge its IP with a PROXY header",
				index(path+".trustedCIDRs", i), pfx)
		}
	}
	// required without trustedCIDRs is an error (see checkListeners).
	switch {
	case pp.Mode == listen.ModeOptional && len(pp.TrustedCIDRs) == 0:
		d.warnf(l.modeAt, "%s.mode: optional, but trustedCIDRs is empty: no peer may send a PROXY header: optional acts as off", path)
	case pp.Mode == listen.ModeOff && len(pp.TrustedCIDRs) > 0:
		d.warnf(l.cidrAt[0], "%s.trustedCIDRs: no effect while mode is off", path)
	}
}

// lintRoutes warns about routes that match on a header any client can
// forge, redirects that send TLS clients to plain HTTP or back to the same
// URL, and listeners whose scope has no route.
func (d *decoder) lintRoutes(p *parsed) {
	scopes := map[string]bool{}
	for _, r := range p.routes {
		scopes[r.Scope] = true
		for i, h := range r.Headers {
			if clientForgeable(h.Name) {
				d.warnf(r.headerAt[i], "%s: matching on %s, which any client can send: it is not a security control (use policies on the client IP)", index(r.path+".headers", i), h.Name)
			}
		}
		if rd := r.Redirect; rd != nil && r.schemeAt != nil {
			d.lintRedirect(r, rd, p.listeners)
		}
	}
	for _, l := range p.listeners {
		if l.Scope != "" && !scopes[l.Scope] {
			d.warnf(l.scopeAt, "%s.scope: no route has scope %q: every request on this listener gets 404", l.path, l.Scope)
		}
	}
}

// lintRedirect warns when a TLS listener serves r and its redirect rd
// sends clients to http:// (off TLS), or to https:// on port 443 with
// nothing else changed while that listener is the one on port 443 (back
// to the same URL: a loop).
func (d *decoder) lintRedirect(r routeAt, rd *model.Redirect, ls []listenerAt) {
	for _, l := range ls {
		if !l.TLS || l.Scope != r.Scope {
			continue
		}
		public := l.PublicPort
		if public == 0 {
			public = l.addr.Port()
		}
		switch {
		case rd.Scheme == "http":
			d.warnf(r.schemeAt, "%s.redirect.scheme: http, and TLS listener %q serves this route: clients that came over TLS are sent to plain HTTP (give the plain listeners a scope of their own)", r.path, l.Name)
			return
		case rd.Host == "" && rd.Port == 0 && rd.Path == nil && public == 443:
			d.warnf(r.schemeAt, "%s.redirect: TLS listener %q (port 443) serves this route, and the redirect sends its clients to the same https URL: a redirect loop (give the plain listeners a scope of their own)", r.path, l.Name)
			return
		}
	}
}
