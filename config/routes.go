package config

import (
	"slices"

	"gopkg.in/yaml.v3"

	"github.com/firsthop/firsthop/model"
)

// routeAt is a decoded route path with the nodes it came from.
type routeAt struct {
	model.Route
	path string     // "routes[i].paths[j]"
	at   *yaml.Node // the paths item
	// refs are the backends the route names (backend, backends[].name,
	// mirror[].backend), where written.
	refs []backendRef
	// policyRefs are the host's policies then the path's, where written.
	policyRefs []policyRef
	scopeAt    *yaml.Node   // the host's scope; nil when not set
	headerAt   []*yaml.Node // one per Headers entry: its name
	schemeAt   *yaml.Node   // redirect.scheme; nil when not set
	// httpsRedirectAt, basicAuthAt and corsWildcardAt are where
	// httpsRedirect, the basicAuth key and a cors.allowOrigins of "*"
	// are written; nil when not.
	httpsRedirectAt, basicAuthAt, corsWildcardAt *yaml.Node

	// matchOK is false when host, path, pathType, method, headers or query
	// is bad: the route is kept only to check its backend references.
	matchOK bool
}

// routes decodes the routes list: one model.Route per paths item.
func (d *decoder) routes(n *yaml.Node, path string, p *parsed) {
	items, ok := d.list(n, path, "routes")
	if !ok {
		return
	}
	for i, item := range items {
		d.route(item, index(path, i), p)
	}
}

// route decodes one routes item: a host and its paths.
func (d *decoder) route(n *yaml.Node, path string, p *parsed) {
	f, ok := d.mapping(n, path, "a route", "host", "scope", "paths", "policies")
	if !ok {
		return
	}
	host, hostOK := "", true
	if v := f.value("host"); v != nil {
		var s string
		if s, hostOK = d.text(v, f.sub("host"), "a host name"); hostOK {
			var err error
			if host, err = model.RouteHost(s); err != nil {
				d.errorf(v, "%s: %v", f.sub("host"), err)
				hostOK = false
			}
		}
	}
	scope, scopeAt := "", f.value("scope")
	if scopeAt != nil {
		scope, _ = d.name(scopeAt, f.sub("scope"))
	}
	var hostPolicies []policyRef
	if v := f.value("policies"); v != nil {
		hostPolicies = d.policyNames(v, f.sub("policies"))
	}
	v := f.value("paths")
	if v == nil {
		d.errorf(n, "%s: paths is required (a list of {path, pathType, backend})", path)
		return
	}
	items, ok := d.list(v, f.sub("paths"), "paths")
	if !ok {
		return
	}
	if len(items) == 0 {
		d.errorf(v, "%s: at least one path is required", f.sub("paths"))
	}
	for i, item := range items {
		if r, ok := d.routePath(item, index(f.sub("paths"), i)); ok {
			r.Host, r.matchOK = host, r.matchOK && hostOK
			r.Scope, r.scopeAt = scope, scopeAt
			r.policyRefs = append(slices.Clip(hostPolicies), r.policyRefs...)
			r.Policies = names(r.policyRefs)
			p.routes = append(p.routes, r)
		}
	}
}

// routePathKeys are the keys of a paths item.
var routePathKeys = []string{
	"path", "pathType", "method", "headers", "query",
	"backend", "backends", "redirect", "respond",
	"requestHeaders", "responseHeaders", "rewrite", "mirror",
	"timeout", "timeouts", "allowTrace", "keepEncodedSlashes", "policies",
	"maxRequestBodySize", "httpsRedirect", "cors", "basicAuth", "externalAuth",
}

// routePath decodes one paths item. ok is false when its action (backend,
// backends, redirect or respond) is missing or bad; r.matchOK is false
// when what it matches is.
func (d *decoder) routePath(n *yaml.Node, path string) (r routeAt, ok bool) {
	f, ok := d.mapping(n, path, "a path", routePathKeys...)
	if !ok {
		return r, false
	}
	r.at, r.path, r.PathType, r.matchOK = n, path, model.PathPrefix, true
	if v := f.value("pathType"); v != nil {
		if s, textOK := d.text(v, f.sub("pathType"), "Prefix, Exact or RegularExpression"); !textOK {
			r.matchOK = false
		} else if t, err := parsePathType(s); err != nil {
			d.errorf(v, "%s: %v", f.sub("pathType"), err)
			r.matchOK = false
		} else {
			r.PathType = t
		}
	}
	if v := f.value("path"); v == nil {
		d.errorf(n, `%s: path is required (use "/" to match every path)`, path)
		r.matchOK = false
	} else if s, textOK := d.text(v, f.sub("path"), "a path"); !textOK {
		r.matchOK = false
	} else if err := checkRoutePath(s, r.PathType); err != nil {
		d.errorf(v, "%s: %v", f.sub("path"), err)
		r.matchOK = false
	} else {
		r.Path = s
	}
	r.matchOK = d.routeMatches(f, &r) && r.matchOK
	d.routeTimeouts(f, &r)
	if v := f.value("allowTrace"); v != nil {
		r.AllowTrace, _ = d.boolean(v, f.sub("allowTrace"))
	}
	if v := f.value("keepEncodedSlashes"); v != nil {
		r.KeepEncodedSlashes, _ = d.boolean(v, f.sub("keepEncodedSlashes"))
	}
	if v := f.value("policies"); v != nil {
		r.policyRefs = d.policyNames(v, f.sub("policies"))
	}
	if v := f.value("requestHeaders"); v != nil {
		r.RequestHeaders = d.headerModifier(v, f.sub("requestHeaders"))
	}
	if v := f.value("responseHeaders"); v != nil {
		r.ResponseHeaders = d.headerModifier(v, f.sub("responseHeaders"))
	}
	if v := f.value("rewrite"); v != nil {
		r.Rewrite = d.rewrite(v, f.sub("rewrite"), &r)
	}
	if v := f.value("mirror"); v != nil {
		r.Mirror = d.mirror(v, f.sub("mirror"), &r)
	}
	d.routeGuards(f, &r)
	return r, d.routeAction(f, &r)
}
