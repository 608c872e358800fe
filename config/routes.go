package config

import (
	"slices"

	"gopkg.in/yaml.v3"

	"github.com/firsthop/firsthop/model"
)

// routeAt is a decoded route path with the nodes it came from.
type routeAt struct {
	model.Route
	path      string     // "routes[i].paths[j]"
	at        *yaml.Node // the paths item
	backendAt *yaml.Node
	// policyRefs are the host's policies then the path's, where written.
	policyRefs []policyRef

	// matchOK is false when host, path or pathType is bad: the route is
	// kept only to check its backend reference.
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
	f, ok := d.mapping(n, path, "a route", "host", "paths", "policies")
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
			r.policyRefs = append(slices.Clip(hostPolicies), r.policyRefs...)
			r.Policies = names(r.policyRefs)
			p.routes = append(p.routes, r)
		}
	}
}

// routePath decodes one paths item. ok is false when its backend is
// missing or bad; r.matchOK is false when its path or pathType is.
func (d *decoder) routePath(n *yaml.Node, path string) (r routeAt, ok bool) {
	f, ok := d.mapping(n, path, "a path", "path", "pathType", "backend", "timeout", "allowTrace", "keepEncodedSlashes", "policies")
	if !ok {
		return r, false
	}
	r.at, r.path, r.PathType, r.matchOK = n, path, model.PathPrefix, true
	if v := f.value("path"); v == nil {
		d.errorf(n, `%s: path is required (use "/" to match every path)`, path)
		r.matchOK = false
	} else if s, textOK := d.text(v, f.sub("path"), "a path"); !textOK {
		r.matchOK = false
	} else if err := checkPath(s); err != nil {
		d.errorf(v, "%s: %v", f.sub("path"), err)
		r.matchOK = false
	} else {
		r.Path = s
	}
	if v := f.value("pathType"); v != nil {
		if s, textOK := d.text(v, f.sub("pathType"), "Prefix or Exact"); !textOK {
			r.matchOK = false
		} else if t, err := parsePathType(s); err != nil {
			d.errorf(v, "%s: %v", f.sub("pathType"), err)
			r.matchOK = false
		} else {
			r.PathType = t
		}
	}
	if v := f.value("timeout"); v != nil {
		r.Timeout, _ = d.duration(v, f.sub("timeout"))
	}
	if v := f.value("allowTrace"); v != nil {
		r.AllowTrace, _ = d.boolean(v, f.sub("allowTrace"))
	}
	if v := f.value("keepEncodedSlashes"); v != nil {
		r.KeepEncodedSlashes, _ = d.boolean(v, f.sub("keepEncodedSlashes"))
	}
	if v := f.value("policies"); v != nil {
		r.policyRefs = d.policyNames(v, f.sub("policies"))
	}
	v := f.value("backend")
	if v == nil {
		d.errorf(n, "%s: backend is required", path)
		return r, false
	}
	r.Backend, ok = d.name(v, f.sub("backend"))
	r.backendAt = v
	return r, ok
}
