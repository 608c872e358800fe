package config

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/listen"
)

// check records the errors that involve more than one setting: missing
// listeners, repeated names, clashing addresses, a PROXY mode that refuses
// every connection, duplicate routes and references to undefined backends.
func (d *decoder) check(p *parsed, opts Options) {
	if !p.isMapping {
		return
	}
	switch at := p.listenersAt; {
	case opts.Ingress:
	case at == nil:
		d.errorf(p.root, "listeners: at least one listener is required")
	case at.Kind == yaml.SequenceNode && len(at.Content) == 0:
		// Other kinds, and listeners with errors, are reported already.
		d.errorf(at, "listeners: at least one listener is required")
	}
	d.checkListeners(p)
	d.checkBackends(p)
	d.checkRoutes(p)
	d.checkPolicies(p)
	d.checkCertificates(p, opts)
}

// checkCertificates checks that every TLS listener's scope has a
// certificate (a TLS listener chooses among its scope's only, see
// [model.Certificate]), and that every scope a certificate names has a TLS
// listener. In Kubernetes mode the default scope's certificates may come
// from Ingresses.
func (d *decoder) checkCertificates(p *parsed, opts Options) {
	has := map[string]bool{}
	for _, c := range p.certScopes {
		has[c.scope] = true
	}
	served := map[string]bool{}
	for _, l := range p.listeners {
		if !l.TLS {
			continue
		}
		served[l.Scope] = true
		badScope := l.scopeAt != nil && l.Scope == "" // reported already
		switch {
		case has[l.Scope] || badScope || (opts.Ingress && l.Scope == ""):
		case l.Scope != "":
			d.errorf(l.tlsAt, "%s.tls: a TLS listener of scope %q needs a certificate of that scope: list one under tls.certificates with scope: %s", l.path, l.Scope, l.Scope)
		case len(p.certScopes) == 0:
			d.errorf(l.tlsAt, "%s.tls: a TLS listener needs certificates: list them under tls.certificates", l.path)
		default:
			d.errorf(l.tlsAt, "%s.tls: a TLS listener of the default scope needs a certificate without a scope, and every one under tls.certificates has one", l.path)
		}
	}
	for _, c := range p.certScopes {
		if c.at != nil && c.scope != "" && !served[c.scope] {
			d.errorf(c.at, "%s.scope: no TLS listener serves scope %q, so this certificate is never used", c.path, c.scope)
		}
	}
}

// socket is a listening address claimed by a listener or the admin server.
type socket struct {
	path  string // "listeners[0].address"
	owner string // `listener "public"`
	addr  netip.AddrPort
	at    *yaml.Node // nil for the default admin address
}

func (s socket) where() string {
	if s.at == nil {
		return ""
	}
	return fmt.Sprintf(" at line %d", s.at.Line)
}

// checkProxyProtocol checks that a listener requiring PROXY headers lets
// some peer send them.
func (d *decoder) checkProxyProtocol(l listenerAt) {
	if l.ProxyProtocol.Mode == listen.ModeRequired && l.cidrItems == 0 {
		d.errorf(l.modeAt, "%s.mode: required, but trustedCIDRs is empty: no peer may send a PROXY header, so every connection would be refused (list the load balancer's addresses under trustedCIDRs)", l.proxyProtocolPath())
	}
}

// checkListeners checks that listener names are unique and that no two
// sockets (listeners and the admin server) clash.
func (d *decoder) checkListeners(p *parsed) {
	firstByName(d, p.listeners, func(l listenerAt) (string, string, *yaml.Node) { return l.Name, l.path, l.nameAt })
	for _, l := range p.listeners {
		d.checkProxyProtocol(l)
	}
	var sockets []socket
	if p.adminAt != nil {
		sockets = append(sockets, socket{"admin.address", "the admin server", p.adminAddr, p.adminAt})
	}
	for _, l := range p.listeners {
		if l.addrAt != nil {
			sockets = append(sockets, socket{l.path + ".address", fmt.Sprintf("listener %q", l.Name), l.addr, l.addrAt})
		}
	}
	slices.SortStableFunc(sockets, func(a, b socket) int { return a.at.Line - b.at.Line })
	if p.adminAt == nil {
		sockets = slices.Insert(sockets, 0, socket{"admin.address", "the admin server (default address)", p.adminAddr, nil})
	}
	c := claims{}
	for _, s := range sockets {
		if first, ok := c.claim(s); !ok {
			d.errorf(s.at, "%s: %s clashes with %s of %s%s: both cannot listen", s.path, s.addr, first.addr, first.owner, first.where())
		}
	}
}

// claims is the listening addresses claimed so far, by port.
type claims map[uint16]*portUse

// claim records s and reports true, unless s clashes with an address
// claimed before: then it returns that socket and false. Port 0 (a free
// port chosen at listen time) clashes with nothing.
func (c claims) claim(s socket) (socket, bool) {
	port := s.addr.Port()
	if port == 0 {
		return socket{}, true
	}
	u := c[port]
	if u == nil {
		u = &portUse{byAddr: map[netip.Addr]socket{}}
		c[port] = u
	}
	if first, ok := u.clash(s); ok {
		return first, false
	}
	u.add(s)
	return socket{}, true
}

// portUse is the sockets claiming one port, indexed so that a clash is
// found in constant time.
type portUse struct {
	byAddr     map[netip.Addr]socket
	any4, any6 *socket // the 0.0.0.0 and [::] sockets
	v4, v6     *socket // some IPv4 and some IPv6 socket
}

// clash returns a socket already on the port that s cannot be bound with:
// the same address, or the unspecified address of its family (0.0.0.0
// covers every IPv4 address, [::] every IPv6 address). The families do not
// overlap: the proxy binds each address for the family it is written in
// (IPv4 only, or IPv6 with IPV6_V6ONLY), so 0.0.0.0:80 and [::]:80, or
// 0.0.0.0:80 and [::1]:80, can be bound together.
func (u *portUse) clash(s socket) (socket, bool) {
	a := s.addr.Addr()
	if first, ok := u.byAddr[a]; ok {
		return first, true
	}
	var c *socket
	switch {
	case a.Is4() && a.IsUnspecified():
		c = u.v4
	case a.Is4():
		c = u.any4
	case a.IsUnspecified():
		c = u.v6
	default:
		c = u.any6
	}
	if c != nil {
		return *c, true
	}
	return socket{}, false
}

// add records s as claiming the port.
func (u *portUse) add(s socket) {
	a := s.addr.Addr()
	u.byAddr[a] = s
	first := func(p **socket) {
		if *p == nil {
			*p = &s
		}
	}
	if a.Is4() {
		first(&u.v4)
		if a.IsUnspecified() {
			first(&u.any4)
		}
	} else {
		first(&u.v6)
		if a.IsUnspecified() {
			first(&u.any6)
		}
	}
}

// checkBackends checks that backend names are unique.
func (d *decoder) checkBackends(p *parsed) {
	firstByName(d, p.backends, func(b backendAt) (string, string, *yaml.Node) { return b.Name, b.path, b.nameAt })
}

// firstByName returns the first of items by name, reporting each later
// item that repeats a name at its name, with where the first one is. id
// gives an item's name, its path in the file ("backends[1]") and its
// name's YAML node.
func firstByName[T any](d *decoder, items []T, id func(T) (name, path string, nameAt *yaml.Node)) map[string]T {
	first := make(map[string]T, len(items))
	for _, it := range items {
		name, path, at := id(it)
		if f, ok := first[name]; ok {
			_, fpath, fat := id(f)
			d.errorf(at, "%s.name: %q is already the name of %s at line %d", path, name, fpath, fat.Line)
			continue
		}
		first[name] = it
	}
	return first
}

// checkRoutes checks that routes and the default backend name defined
// backends, that a listener serves every route's scope, and that no two
// routes match the same requests (see [model.RouteKey]).
func (d *decoder) checkRoutes(p *parsed) {
	defined := map[string]bool{}
	for _, b := range p.backends {
		defined[b.Name] = true
	}
	served := map[string]bool{}
	for _, l := range p.listeners {
		served[l.Scope] = true
	}
	seen := map[model.RouteKey]routeAt{}
	unserved := map[*yaml.Node]bool{}
	for _, r := range p.routes {
		for _, ref := range r.refs {
			if !defined[ref.name] {
				d.errorf(ref.at, "%s: no backend is named %q%s", ref.path, ref.name, definedList(p.backends))
			}
		}
		badScope := r.scopeAt != nil && r.Scope == "" // reported already
		if len(p.listeners) > 0 && !served[r.Scope] && !badScope {
			d.unservedScope(r, p.listeners, unserved)
		}
		if !r.matchOK {
			continue // its host, path, pathType or matches are reported already
		}
		k := r.Route.Key()
		if first, ok := seen[k]; ok {
			host := fmt.Sprintf("host %q", r.Host)
			if r.Host == "" {
				host = "any host"
			}
			same := ""
			if k.Matches != "" {
				same = " with the same method, headers and query"
			}
			d.errorf(r.at, "%s: duplicate route: %s, path %q (%s)%s is already routed by %s at line %d",
				r.path, host, r.Path, r.PathType, same, first.path, first.at.Line)
			continue
		}
		seen[k] = r
	}
	if p.defaultAt != nil && !defined[p.defaultBackend] {
		d.errorf(p.defaultAt, "defaultBackend: no backend is named %q%s", p.defaultBackend, definedList(p.backends))
	}
}

// unservedScope reports r, whose scope no listener serves: at its host's
// scope, once per host, or, for the default scope, at the first such
// route only. reported holds the scope nodes reported so far, nil's entry
// standing for the default scope.
func (d *decoder) unservedScope(r routeAt, ls []listenerAt, reported map[*yaml.Node]bool) {
	if reported[r.scopeAt] {
		return
	}
	reported[r.scopeAt] = true
	scopes := make([]string, 0, len(ls))
	for _, l := range ls {
		s := fmt.Sprintf("%s: %q", l.Name, l.Scope)
		if l.Scope == "" {
			s = l.Name + ": the default scope"
		}
		scopes = append(scopes, s)
	}
	list := strings.Join(scopes, ", ")
	if r.scopeAt != nil {
		host, _, _ := strings.Cut(r.path, ".paths[")
		d.errorf(r.scopeAt, "%s.scope: no listener serves scope %q, so these routes are never used (listeners: %s)", host, r.Scope, list)
		return
	}
	d.errorf(r.at, "%s: every listener names a scope, so the routes without one are never used: give their hosts a scope (listeners: %s)", r.path, list)
}

// definedList returns " (defined: a, b)" for error messages, or a hint
// when there are no backends.
func definedList(bs []backendAt) string {
	if len(bs) == 0 {
		return " (the file defines no backends)"
	}
	names := make([]string, 0, len(bs))
	for _, b := range bs {
		names = append(names, b.Name)
	}
	if len(names) > 10 {
		names = append(names[:10], "...")
	}
	return " (defined: " + strings.Join(names, ", ") + ")"
}
