package proxy

import (
	"cmp"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/policy"
)

// router maps a request to a route rule, per scope: a request of a
// listener of scope S is matched against the routes of scope S only (see
// [model.ScopeSpec]). It is built once per table and never modified.
//
// The order is the one written under "Precedence" in the model's
// match.go. Host selection picks the most specific host entry that
// exists: an exact host, else the wildcard covering it ("*.example.com"
// covers exactly one extra label, or with [model.WildcardSuffix] any
// number, the longest suffix first), else the any-host entry. Rules are
// then matched inside that entry only, in the order pathSet.sort gives
// them, the first that matches path, method, headers and query winning;
// a host that matches but has no matching rule does not fall through to
// less specific hosts (ingress-nginx behaves the same way).
type router struct {
	// def is the default scope's ("") routes; scopes the others', by
	// name, nil when there are none.
	def    *scopeRouter
	scopes map[string]*scopeRouter
}

// scopeRouter is the routes of one scope, by host.
type scopeRouter struct {
	exact    map[string]*pathSet
	wildcard map[string]*pathSet // keyed by the suffix after "*."
	anyHost  *pathSet
	// suffix says wildcards cover any number of extra labels
	// ([model.WildcardSuffix]), not exactly one.
	suffix bool
}

// pathSet is the rules of one host, ordered for first-match lookup (see
// sort).
type pathSet struct {
	paths []pathRule
}

type pathRule struct {
	path string // for Prefix: without trailing slash, except "/"
	typ  model.PathType
	// re is a PathRegex rule's path compiled (see [model.RegexPathPattern]);
	// nil for other types.
	re      *regexp.Regexp
	backend *backend
	// match is what the rule matches beyond host and path (method,
	// headers, query); nil when nothing, which is every Ingress and
	// config-file route.
	match *requestMatch
	// order is the route's Route.Order and index its place in
	// TableSpec.Routes, the last two keys of the precedence.
	order, index int
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
	// guard is the route's guards (see routeGuard); nil when it has none.
	guard *routeGuard
}

// routeRequest is a request as the router matches it.
type routeRequest struct {
	// scope is the listener's [model.ListenerSpec.Scope].
	scope string
	// host is canonical (lower case, no port, no trailing dot) and path
	// clean, starting with "/".
	host, path string
	// method, header and rawQuery are the request's; zero values match
	// only rules that ask nothing of them.
	method   string
	header   http.Header
	rawQuery string
}

// newRouter compiles routes, the routes of a validated spec, with the
// settings of their scopes in scopes.
func newRouter(routes []model.Route, scopes []model.ScopeSpec, backends map[string]*backend, policies map[string]*policy.Policy) *router {
	rt := &router{def: &scopeRouter{}}
	for _, sc := range scopes {
		rt.scopeFor(sc.Name).suffix = sc.Wildcards == model.WildcardSuffix
	}
	for i, r := range routes {
		set := rt.scopeFor(r.Scope).setFor(r.Host)
		pr := newPathRule(r, backends, policies)
		pr.index = i
		set.paths = append(set.paths, pr)
	}
	for _, sr := range rt.all() {
		for _, s := range sr.exact {
			s.sort()
		}
		for _, s := range sr.wildcard {
			s.sort()
		}
		if sr.anyHost != nil {
			sr.anyHost.sort()
		}
	}
	return rt
}

// scopeFor returns the routes of the scope name, creating them when
// missing.
func (rt *router) scopeFor(name string) *scopeRouter {
	if name == "" {
		return rt.def
	}
	sr := rt.scopes[name]
	if sr == nil {
		if rt.scopes == nil {
			rt.scopes = map[string]*scopeRouter{}
		}
		sr = &scopeRouter{}
		rt.scopes[name] = sr
	}
	return sr
}

// all returns every scope's routes, the default scope's first.
func (rt *router) all() []*scopeRouter {
	out := []*scopeRouter{rt.def}
	for _, sr := range rt.scopes {
		out = append(out, sr)
	}
	return out
}

// newPathRule compiles route r, a route of a validated spec, with the
// table's compiled backends and policies. It is the one place a route
// becomes a rule; the caller sets its index.
func newPathRule(r model.Route, backends map[string]*backend, policies map[string]*policy.Policy) pathRule {
	p := r.Path
	if r.PathType == model.PathPrefix {
		p = model.PrefixPath(p)
	}
	host := r.Host
	if host == "" {
		host = "*"
	}
	return pathRule{path: p, typ: r.PathType, re: compileRegexPath(&r), backend: backends[r.Backend], match: newRequestMatch(&r), order: r.Order,
		label: host + r.Path + " " + r.PathType.String(), timeout: r.Timeout,
		allowTrace: r.AllowTrace, keepEncodedSlashes: r.KeepEncodedSlashes, policies: lookupPolicies(r.Policies, policies),
		action: newRouteAction(r, backends), guard: newRouteGuard(r, backends)}
}

// rebind returns a router for the same routes with each rule pointing at
// the backend of its name in backends, which must hold every name rt's rules
// use. Path sets whose backends are all unchanged are shared with rt (which
// is never modified), and rt itself is returned when nothing changed: a
// table whose routes are those of the last one but with a few backends
// recompiled costs a walk over the rules, not a new router.
func (rt *router) rebind(backends map[string]*backend) *router {
	def, c1 := rt.def.rebind(backends)
	scopes, c2 := rebindEach(rt.scopes, func(sr *scopeRouter) (*scopeRouter, bool) { return sr.rebind(backends) })
	if !c1 && !c2 {
		return rt
	}
	return &router{def: def, scopes: scopes}
}

// rebind is router.rebind for one scope: it returns sr, or a copy with
// the path sets that changed, and whether it copied.
func (sr *scopeRouter) rebind(backends map[string]*backend) (*scopeRouter, bool) {
	set := func(s *pathSet) (*pathSet, bool) { return rebindSet(s, backends) }
	exact, c1 := rebindEach(sr.exact, set)
	wildcard, c2 := rebindEach(sr.wildcard, set)
	anyHost, c3 := rebindSet(sr.anyHost, backends)
	if !c1 && !c2 && !c3 {
		return sr, false
	}
	return &scopeRouter{exact: exact, wildcard: wildcard, anyHost: anyHost, suffix: sr.suffix}, true
}

// rebindEach returns m with each value v replaced by rebind(v) when that
// reports a change, and whether any changed; the map is copied only then.
func rebindEach[V any](m map[string]V, rebind func(V) (V, bool)) (map[string]V, bool) {
	out, copied := m, false
	for k, v := range m {
		n, changed := rebind(v)
		if !changed {
			continue
		}
		if !copied {
			out, copied = maps.Clone(m), true
		}
		out[k] = n
	}
	return out, copied
}

// rebindSet returns s, or when a rule of s has a backend other than the
// one of its name in backends, a copy pointing at those, and whether it
// copied. s may be nil. A rule without a backend (another action) keeps
// none.
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
		n.paths[i].guard = n.paths[i].guard.rebind(backends)
	}
	return n, true
}

// pointsElsewhere reports whether a rule of s, or its action, has a
// backend other than the one of its name in backends.
func (s *pathSet) pointsElsewhere(backends map[string]*backend) bool {
	for i := range s.paths {
		if b := s.paths[i].backend; b != nil && backends[b.name] != b || s.paths[i].action.pointsElsewhere(backends) ||
			s.paths[i].guard.pointsElsewhere(backends) {
			return true
		}
	}
	return false
}

// setFor returns the path set of a route host, creating it when missing.
func (sr *scopeRouter) setFor(host string) *pathSet {
	if sr.exact == nil {
		sr.exact, sr.wildcard = map[string]*pathSet{}, map[string]*pathSet{}
	}
	m, key := sr.exact, host
	switch {
	case host == "":
		if sr.anyHost == nil {
			sr.anyHost = &pathSet{}
		}
		return sr.anyHost
	case strings.HasPrefix(host, "*."):
		m, key = sr.wildcard, host[2:]
	}
	s := m[key]
	if s == nil {
		s = &pathSet{}
		m[key] = s
	}
	return s
}

// sort orders s for first-match lookup, as the model's precedence says:
// Exact first, then longer paths first, Prefix before Regex at equal
// length, a rule with a method before one without, more header matches
// first, more query matches first, lower Route.Order first, then the
// order of the routes in the spec.
func (s *pathSet) sort() {
	slices.SortFunc(s.paths, func(a, b pathRule) int {
		if c := cmp.Compare(pathTypeRank(a.typ)/2, pathTypeRank(b.typ)/2); c != 0 {
			return c // Exact first
		}
		if c := cmp.Compare(len(b.path), len(a.path)); c != 0 {
			return c
		}
		if c := cmp.Compare(pathTypeRank(a.typ), pathTypeRank(b.typ)); c != 0 {
			return c
		}
		am, bm := a.match.counts(), b.match.counts()
		if c := cmp.Compare(bm.method, am.method); c != 0 {
			return c
		}
		if c := cmp.Compare(bm.headers, am.headers); c != 0 {
			return c
		}
		if c := cmp.Compare(bm.query, am.query); c != 0 {
			return c
		}
		if c := cmp.Compare(a.order, b.order); c != 0 {
			return c
		}
		return cmp.Compare(a.index, b.index)
	})
}

// match returns the first rule of q's scope that matches q, or nil.
func (rt *router) match(q *routeRequest) *pathRule {
	sr := rt.def
	if q.scope != "" {
		if sr = rt.scopes[q.scope]; sr == nil {
			return nil
		}
	}
	set := sr.hostSet(q.host)
	if set == nil {
		return nil
	}
	for i := range set.paths {
		if r := &set.paths[i]; r.matchesPath(q.path) && r.match.matches(q) {
			return r
		}
	}
	return nil
}

// hostSet returns the path set of the most specific route host that
// covers host: exact, then wildcard, then any host; nil for none.
func (sr *scopeRouter) hostSet(host string) *pathSet {
	if s, ok := sr.exact[host]; ok {
		return s
	}
	for rest := host; ; {
		dot := strings.IndexByte(rest, '.')
		if dot <= 0 {
			break
		}
		rest = rest[dot+1:]
		if s, ok := sr.wildcard[rest]; ok {
			return s
		}
		if !sr.suffix {
			break
		}
	}
	return sr.anyHost
}

// matchesPath reports whether the request path p matches the rule.
func (r *pathRule) matchesPath(p string) bool {
	switch r.typ {
	case model.PathExact:
		return p == r.path
	case model.PathRegex:
		return r.re != nil && r.re.MatchString(p)
	}
	if r.path == "/" {
		return true
	}
	return strings.HasPrefix(p, r.path) && (len(p) == len(r.path) || p[len(r.path)] == '/')
}
