package proxy

import (
	"cmp"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/policy"
)

// router maps a request's host and path to a backend with Kubernetes Ingress
// semantics. It is built once per table and never modified.
//
// Host selection picks the most specific host entry that exists: an exact
// host, else the wildcard covering it ("*.example.com" covers exactly one
// extra label), else the any-host entry. Paths are then matched inside that
// entry only; a host that matches but has no matching path does not fall
// through to less specific hosts (ingress-nginx behaves the same way).
type router struct {
	exact    map[string]*pathSet
	wildcard map[string]*pathSet // keyed by the suffix after "*."
	anyHost  *pathSet
}

// pathSet is the paths of one host, ordered for first-match lookup: longer
// paths first, and Exact before Prefix at equal length.
type pathSet struct {
	paths []pathRule
}

type pathRule struct {
	path    string // for Prefix: without trailing slash, except "/"
	typ     model.PathType
	backend *backend
	// label names the route in metrics and logs: host (or "*"), path and
	// type, as configured, so its values are bounded by the configuration.
	label   string
	timeout time.Duration
	// allowTrace and keepEncodedSlashes are the route's Route.AllowTrace
	// and Route.KeepEncodedSlashes.
	allowTrace, keepEncodedSlashes bool
	// policies are the route's Route.Policies, compiled; nil when none.
	policies []*policy.Policy
	// action is the route's action and features beyond forwarding to
	// backend (see routeAction); nil when it has none. backend is nil for
	// a route without a Route.Backend.
	action *routeAction
}

func newRouter(routes []model.Route, backends map[string]*backend, policies map[string]*policy.Policy) *router {
	rt := &router{exact: map[string]*pathSet{}, wildcard: map[string]*pathSet{}}
	for _, r := range routes {
		p := r.Path
		if r.PathType == model.PathPrefix {
			p = model.PrefixPath(p)
		}
		set := rt.setFor(r.Host)
		host := r.Host
		if host == "" {
			host = "*"
		}
		set.paths = append(set.paths, pathRule{path: p, typ: r.PathType, backend: backends[r.Backend],
			label: host + r.Path + " " + r.PathType.String(), timeout: r.Timeout,
			allowTrace: r.AllowTrace, keepEncodedSlashes: r.KeepEncodedSlashes, policies: lookupPolicies(r.Policies, policies),
			action: newRouteAction(r, backends)})
	}
	for _, s := range rt.exact {
		s.sort()
	}
	for _, s := range rt.wildcard {
		s.sort()
	}
	if rt.anyHost != nil {
		rt.anyHost.sort()
	}
	return rt
}

// rebind returns a router for the same routes with each rule pointing at
// the backend of its name in backends, which must hold every name rt's rules
// use. Path sets whose backends are all unchanged are shared with rt (which
// is never modified), and rt itself is returned when nothing changed: a
// table whose routes are those of the last one but with a few backends
// recompiled costs a walk over the rules, not a new router.
func (rt *router) rebind(backends map[string]*backend) *router {
	exact, c1 := rebindSets(rt.exact, backends)
	wildcard, c2 := rebindSets(rt.wildcard, backends)
	anyHost, c3 := rebindSet(rt.anyHost, backends)
	if !c1 && !c2 && !c3 {
		return rt
	}
	return &router{exact: exact, wildcard: wildcard, anyHost: anyHost}
}

// rebindSets returns sets with each path set rebound (see rebindSet) and
// whether any changed; the map is copied only then.
func rebindSets(sets map[string]*pathSet, backends map[string]*backend) (map[string]*pathSet, bool) {
	out, copied := sets, false
	for k, s := range sets {
		n, changed := rebindSet(s, backends)
		if !changed {
			continue
		}
		if !copied {
			out, copied = maps.Clone(sets), true
		}
		out[k] = n
	}
	return out, copied
}

// rebindSet returns s, or when a rule of s has a backend other than the
// one of its name in backends, a copy pointing at those, and whether it
// copied. s may be nil.
func rebindSet(s *pathSet, backends map[string]*backend) (*pathSet, bool) {
	if s == nil || !s.pointsElsewhere(backends) {
		return s, false
	}
	n := &pathSet{paths: slices.Clone(s.paths)}
	for i := range n.paths {
		if b := n.paths[i].backend; b != nil {
			n.paths[i].backend = backends[b.name]
		}
		n.paths[i].action = n.paths[i].action.rebind(backends)
	}
	return n, true
}

// pointsElsewhere reports whether a rule of s, or its action, has a
// backend other than the one of its name in backends.
func (s *pathSet) pointsElsewhere(backends map[string]*backend) bool {
	for i := range s.paths {
		if b := s.paths[i].backend; b != nil && backends[b.name] != b || s.paths[i].action.pointsElsewhere(backends) {
			return true
		}
	}
	return false
}

// setFor returns the path set of a route host, creating it when missing.
func (rt *router) setFor(host string) *pathSet {
	m, key := rt.exact, host
	switch {
	case host == "":
		if rt.anyHost == nil {
			rt.anyHost = &pathSet{}
		}
		return rt.anyHost
	case strings.HasPrefix(host, "*."):
		m, key = rt.wildcard, host[2:]
	}
	s := m[key]
	if s == nil {
		s = &pathSet{}
		m[key] = s
	}
	return s
}

// sort orders s for first-match lookup: longer paths first, Exact before
// Prefix at equal length.
func (s *pathSet) sort() {
	slices.SortStableFunc(s.paths, func(a, b pathRule) int {
		if c := cmp.Compare(len(b.path), len(a.path)); c != 0 {
			return c
		}
		return cmp.Compare(b.typ, a.typ) // PathExact (1) before PathPrefix (0)
	})
}

// match returns the rule for host (already canonical: lower case, no
// port, no trailing dot) and path (clean, starting with "/"), or nil.
func (rt *router) match(host, path string) *pathRule {
	set := rt.hostSet(host)
	if set == nil {
		return nil
	}
	for i := range set.paths {
		if set.paths[i].matches(path) {
			return &set.paths[i]
		}
	}
	return nil
}

func (rt *router) hostSet(host string) *pathSet {
	if s, ok := rt.exact[host]; ok {
		return s
	}
	if dot := strings.IndexByte(host, '.'); dot > 0 {
		if s, ok := rt.wildcard[host[dot+1:]]; ok {
			return s
		}
	}
	return rt.anyHost
}

// matches reports whether the request path p matches the rule.
func (r *pathRule) matches(p string) bool {
	if r.typ == model.PathExact {
		return p == r.path
	}
	if r.path == "/" {
		return true
	}
	return strings.HasPrefix(p, r.path) && (len(p) == len(r.path) || p[len(r.path)] == '/')
}
