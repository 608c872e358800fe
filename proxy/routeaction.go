package proxy

import (
	"math/rand/v2"
	"net/http"
	"regexp"
	"time"

	"github.com/firsthop/firsthop/model"
)

// routeAction is what a route does beyond forwarding each request to its
// one backend as it came: answer it itself (a redirect, a fixed response),
// pick a backend by weight, edit the request or the response, copy it to
// mirrors, or bound an attempt's wait for the response head. A route with
// none of these has no routeAction (pathRule.action is nil) and pays for
// none of it.
//
// A routeAction is compiled with its table and never modified; its
// backends are the table's (see rebind).
type routeAction struct {
	// route is the spec compiled, kept to compile it again against other
	// backends (see rebind).
	route model.Route
	// prefix is the route's path as the router matches it (a Prefix
	// path without its trailing slash, "/" for the root): the part a
	// prefix rewrite replaces.
	prefix string

	// Exactly one of redirect, respond and shares is set.
	redirect *model.Redirect
	respond  *model.DirectResponse
	// shares are the backends requests are forwarded to, by weight: one
	// of weight 1 for a Route.Backend, Route.Split's otherwise. total is
	// the sum of their weights; zero means every request gets 500.
	shares []splitShare
	total  uint64

	reqHeaders, respHeaders *headerMod
	rewrite                 *model.Rewrite
	mirrors                 []mirrorTarget
	// pathRE is the route's PathRegex path compiled, for a RewriteRegex
	// rewrite's captures; nil otherwise.
	pathRE *regexp.Regexp

	// std says the fast loop hands the route's requests to net/http: a
	// backend it may pick is not served by the lean path. It is decided
	// here, once, so that a split never picks twice for one request.
	std bool
}

// splitShare is one backend of a route's action.
type splitShare struct {
	// name is the backend's name; "" for a reference its producer could
	// not resolve, whose requests get 500.
	name string
	// base is the table's backend of that name; backend is base, or a
	// view of it with the route's BackendTimeout (see withHeaderTimeout).
	// Both are nil for an unresolved reference.
	base, backend *backend
	// upTo is the sum of the weights of this share and those before it:
	// a draw n in [0, total) picks the first share with n < upTo.
	upTo                    uint64
	reqHeaders, respHeaders *headerMod
}

// newRouteAction compiles the action and features of r against backends,
// or returns nil for a route that forwards to its Backend with no feature.
// r must be valid (see [model.TableSpec.Validate]).
func newRouteAction(r model.Route, backends map[string]*backend) *routeAction {
	if r.Redirect == nil && r.Respond == nil && len(r.Split) == 0 && r.RequestHeaders == nil && r.ResponseHeaders == nil &&
		r.Rewrite == nil && len(r.Mirror) == 0 && r.BackendTimeout == 0 {
		return nil
	}
	a := &routeAction{
		route: r, prefix: r.Path, redirect: r.Redirect, respond: r.Respond, rewrite: r.Rewrite,
		reqHeaders: newHeaderMod(r.RequestHeaders), respHeaders: newHeaderMod(r.ResponseHeaders),
	}
	if r.PathType == model.PathPrefix {
		a.prefix = model.PrefixPath(r.Path)
	}
	if r.Rewrite != nil && r.Rewrite.Path != nil && r.Rewrite.Path.Type == model.RewriteRegex {
		a.pathRE = compileRegexPath(&r)
	}
	if a.redirect != nil || a.respond != nil {
		return a
	}
	split := r.Split
	if len(split) == 0 {
		split = []model.WeightedBackend{{Backend: r.Backend, Weight: 1}}
	}
	for _, wb := range split {
		a.total += uint64(wb.Weight)
		s := splitShare{name: wb.Backend, upTo: a.total,
			reqHeaders: newHeaderMod(wb.RequestHeaders), respHeaders: newHeaderMod(wb.ResponseHeaders)}
		if s.base = backends[wb.Backend]; s.base != nil {
			s.backend = s.base.withHeaderTimeout(r.BackendTimeout)
			if wb.Weight > 0 && !s.base.leanFor(false) {
				a.std = true
			}
		}
		a.shares = append(a.shares, s)
	}
	for _, m := range r.Mirror {
		a.mirrors = append(a.mirrors, mirrorTarget{name: m.Backend, backend: backends[m.Backend], percent: m.Percent})
	}
	return a
}

// rebind returns a, or when a backend it uses is not the one of its name
// in backends, a compiled again against those. a may be nil.
func (a *routeAction) rebind(backends map[string]*backend) *routeAction {
	if a == nil || !a.pointsElsewhere(backends) {
		return a
	}
	return newRouteAction(a.route, backends)
}

// pointsElsewhere reports whether a uses a backend other than the one of
// its name in backends. a may be nil.
func (a *routeAction) pointsElsewhere(backends map[string]*backend) bool {
	if a == nil {
		return false
	}
	for i := range a.shares {
		if s := &a.shares[i]; backends[s.name] != s.base {
			return true
		}
	}
	for i := range a.mirrors {
		if m := &a.mirrors[i]; backends[m.name] != m.backend {
			return true
		}
	}
	return false
}

// servedFast reports whether the fast loop serves the rule's requests
// itself: every backend the rule may pick takes the lean path (see
// [backend.leanFor]; the fast loop's requests are no upgrades). Decided
// when the table is built (routeAction.std for a rule with an action).
func (r *pathRule) servedFast() bool {
	if r.action != nil {
		return !r.action.std
	}
	return r.backend.leanFor(false)
}

// pick draws a share by weight, or returns nil when every weight is zero.
// It takes no lock: the draw is math/rand/v2's per-thread generator.
func (a *routeAction) pick() *splitShare {
	if len(a.shares) == 1 {
		if a.total == 0 {
			return nil
		}
		return &a.shares[0]
	}
	if a.total == 0 {
		return nil
	}
	n := rand.Uint64N(a.total)
	for i := range a.shares {
		if n < a.shares[i].upTo {
			return &a.shares[i]
		}
	}
	return nil // not reached: n < total, the last upTo
}

// withHeaderTimeout returns b, or for a positive d other than b's
// response-header timeout, a view of b that waits d for a response head:
// the same endpoints and their state, a transport of that timeout. Both
// upstream paths read the timeout from the backend they forward to (see
// [upstreamExchange.setHeadDeadline], [bodyCopy]), so a route's
// BackendTimeout is a backend of its own to them.
func (b *backend) withHeaderTimeout(d time.Duration) *backend {
	if d <= 0 || d == b.upstream.responseHeader {
		return b
	}
	v := *b
	v.upstream.responseHeader = d
	v.transport = b.transports.get(v.upstream, b.tls)
	return &v
}

// takeAction does the part of rule's action that comes before the
// forwarding proper, once the route's policies have let r through: it
// answers a redirect or a fixed response itself, with the headers the
// route's guards add (see guardHeaders), or an unresolved share,
// returning nil, or records the action in st and returns the backend to
// forward to.
func (h *handler) takeAction(w http.ResponseWriter, r *http.Request, st *requestState, rule *pathRule) *backend {
	a := rule.action
	st.action = a
	switch {
	case a.redirect != nil:
		st.route = rule.label
		st.guardHeaders(w.Header())
		h.redirect(w, r, st, a)
		return nil
	case a.respond != nil:
		st.route = rule.label
		st.guardHeaders(w.Header())
		a.answer(w, r)
		return nil
	}
	s := a.pick()
	if s == nil || s.backend == nil {
		st.route = rule.label
		plainError(w, http.StatusInternalServerError, "the route has no valid backend for this request")
		return nil
	}
	st.share = s
	return s.backend
}

// editRequest applies st's action to r just before it is forwarded: the
// route's request headers, the rewrite, the chosen backend's request
// headers, in the order [model.Route] gives; then it sends the request to
// the route's mirrors. The rewrite's path and host go in st (cleanPath,
// upstreamHost), which both upstream paths read.
func (h *handler) editRequest(r *http.Request, st *requestState) {
	a, s := st.action, st.share
	if a.reqHeaders != nil || s.reqHeaders != nil {
		freeConnectionListed(r.Header)
		st.fwd.keepRouteIdentity(r.Header)
		a.reqHeaders.apply(r.Header)
	}
	if rw := a.rewrite; rw != nil {
		if rw.Host != "" {
			st.upstreamHost = rw.Host
		}
		switch {
		case a.pathRE != nil:
			st.rewriteRegexPath(r, a.pathRE, rw.Path.Value)
		case rw.Path != nil:
			st.rewritePath(r, rw.Path, a.prefix)
		}
	}
	s.reqHeaders.apply(r.Header)
	if len(a.mirrors) > 0 {
		h.mirror(r, st, a.mirrors)
	}
}

// editResponse applies st's response header modifiers to h, the backend's
// response header: the headers the route's guards add (see
// guardHeaders), then the chosen backend's modifiers, then the route's. A
// request without an action or guards is left alone.
func (st *requestState) editResponse(h http.Header) {
	if st.guard != nil {
		st.guardHeaders(h)
	}
	if st.action == nil {
		return
	}
	if st.share != nil {
		st.share.respHeaders.apply(h)
	}
	st.action.respHeaders.apply(h)
}
