package config

import (
	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/listen"
)

// lintGuards warns about route guards and backend affinity that are
// valid but unsafe or useless: basic authentication a plain listener
// serves to the network, CORS allowing every origin with credentials, an
// https redirect only TLS listeners serve, and cookie affinity with
// locality Local.
func (d *decoder) lintGuards(p *parsed) {
	for _, r := range p.routes {
		if r.BasicAuth != nil && r.HTTPSRedirect == nil && len(p.clientIP.TrustedProxies) == 0 {
			if l, ok := plainListener(r, p.listeners); ok {
				d.warnf(r.basicAuthAt, "%s.basicAuth: listener %q serves this path over plain HTTP on %s and no TLS-terminating proxy is trusted in front of it (clientIP.trustedProxies): passwords cross the network in the clear (add httpsRedirect, or serve it from a tls listener only)", r.path, l.Name, l.addr)
			}
		}
		if c := r.CORS; c != nil && c.AllowCredentials && r.corsWildcardAt != nil {
			d.warnf(r.corsWildcardAt, `%s.cors.allowOrigins: "*" with allowCredentials: every site may send requests with the user's cookies and read the answers (list the origins that may)`, r.path)
		}
		if r.HTTPSRedirect != nil && onlyTLS(r, p.listeners) {
			d.warnf(r.httpsRedirectAt, "%s.httpsRedirect: every listener serving this path is a TLS listener, so no request is redirected", r.path)
		}
	}
	for _, b := range p.backends {
		if b.Affinity != nil && b.Locality == model.LocalityLocal {
			d.warnf(b.affinityAt, "%s.affinity: with locality Local a proxy sends requests to its own node's endpoints only, so a client whose requests reach the proxy of another node loses its endpoint (PreferLocal keeps it: affinity wins over the preference)", b.path)
		}
	}
}

// plainListener returns a listener serving r's scope without TLS, on a
// non-loopback address, whose peers are not all one trusted proxy (PROXY
// protocol required), if there is one: a client may reach r over the
// network in plain HTTP through it.
func plainListener(r routeAt, ls []listenerAt) (listenerAt, bool) {
	for _, l := range ls {
		if l.Scope == r.Scope && !l.TLS && !l.addr.Addr().IsLoopback() && l.ProxyProtocol.Mode != listen.ModeRequired {
			return l, true
		}
	}
	return listenerAt{}, false
}

// onlyTLS reports whether every listener serving r's scope, at least one,
// is a TLS listener.
func onlyTLS(r routeAt, ls []listenerAt) bool {
	served := false
	for _, l := range ls {
		if l.Scope != r.Scope {
			continue
		}
		if !l.TLS {
			return false
		}
		served = true
	}
	return served
}
