package config

import (
	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/listen"
)

// lint records warnings about settings that are valid but insecure or
// useless. It runs only on a file without errors.
func (d *decoder) lint(p *parsed) {
	for i, pfx := range p.clientIP.TrustedProxies {
		if pfx.Bits() == 0 {
			d.warnf(p.trustAt[i], "%s: %s trusts every address: any client can forge its IP",
				index("clientIP.trustedProxies", i), pfx)
		}
	}
	if len(p.clientIP.TrustedProxies) > 0 && len(p.clientIP.Headers) == 0 {
		d.warnf(p.sourcesAt, "clientIP.sources: empty while trustedProxies is set: no forwarding header is read, so the trusted proxies are never believed")
	}
	for _, l := range p.listeners {
		d.lintListener(l)
	}
	d.lintPolicies(p)
	used := map[string]bool{p.defaultBackend: true}
	for _, r := range p.routes {
		used[r.Backend] = true
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

// lintListener warns about a listener's PROXY protocol settings.
func (d *decoder) lintListener(l listenerAt) {
	pp := l.ProxyProtocol
	path := l.path + ".proxyProtocol"
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
