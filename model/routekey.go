package model

// RouteKey is what a route matches: two routes with the same key match the
// same requests, so a table may hold only one of them. Every source checks
// its routes for conflicts by this key, and [TableSpec.Validate] refuses a
// table with two routes of one key.
type RouteKey struct {
	Scope    string
	Host     string
	Path     string
	PathType PathType
	// Matches is the canonical text of the route's method, header and
	// query matches; "" when it has none.
	Matches string
}

// Key returns r's [RouteKey]: its scope, host and path type, its path, for
// PathPrefix as [PrefixPath] gives it ("/foo/" matches what "/foo"
// matches, as in a Kubernetes Ingress), and its other matches.
func (r Route) Key() RouteKey {
	p := r.Path
	if r.PathType == PathPrefix {
		p = PrefixPath(p)
	}
	return RouteKey{Scope: r.Scope, Host: r.Host, Path: p, PathType: r.PathType, Matches: r.matchesKey()}
}
