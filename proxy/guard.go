package proxy

import (
	"net/http"
	"strings"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/h1"
)

// routeGuard is what a route checks, or answers itself, after its
// policies and before its action (see model/guard.go for the order): the
// body limit, the https redirect, CORS, basic and external
// authentication. A route with none of them has no routeGuard
// (pathRule.guard is nil) and pays for none of it.
//
// A routeGuard is compiled with its table and never modified, except
// for the basic-authentication cache it points to; its external-auth
// backend is the table's (see rebind).
type routeGuard struct {
	// maxBody is Route.MaxRequestBodyBytes; zero: no limit.
	maxBody int64
	// https is the redirect of Route.HTTPSRedirect; nil: none.
	https *model.Redirect
	cors  *corsPolicy
	basic *basicAuth
	ext   *extAuth
}

// newRouteGuard compiles r's guards against backends, or returns nil for
// a route without any. r must be valid.
func newRouteGuard(r model.Route, backends map[string]*backend) *routeGuard {
	if r.MaxRequestBodyBytes == 0 && r.HTTPSRedirect == nil && r.CORS == nil && r.BasicAuth == nil && r.ExternalAuth == nil {
		return nil
	}
	g := &routeGuard{maxBody: r.MaxRequestBodyBytes}
	if hr := r.HTTPSRedirect; hr != nil {
		g.https = &model.Redirect{Scheme: "https", Port: hr.Port, Status: hr.Status}
		if g.https.Status == 0 {
			g.https.Status = model.DefaultHTTPSRedirectStatus
		}
	}
	if r.CORS != nil {
		g.cors = newCORSPolicy(r.CORS)
	}
	if r.BasicAuth != nil {
		g.basic = newBasicAuth(r.BasicAuth)
	}
	if r.ExternalAuth != nil {
		g.ext = newExtAuth(r.ExternalAuth, backends)
	}
	return g
}

// rebind returns g, or when its external-auth backend is not the one of
// its name in backends, a copy pointing at that one. g may be nil.
func (g *routeGuard) rebind(backends map[string]*backend) *routeGuard {
	if !g.pointsElsewhere(backends) {
		return g
	}
	n := *g
	n.ext = newExtAuth(&g.ext.spec, backends)
	return &n
}

// pointsElsewhere reports whether g's external-auth backend is not the
// one of its name in backends. g may be nil.
func (g *routeGuard) pointsElsewhere(backends map[string]*backend) bool {
	return g != nil && g.ext != nil && backends[g.ext.spec.Backend] != g.ext.backend
}

// checkGuards runs rule's guards on r, in the order model/guard.go gives,
// once the policies have let it through. It reports whether the request
// goes on to the action; when not, it has answered. It records what the
// response needs (CORS headers, the auth service's cookies) in st, and
// bounds r's body.
func (h *handler) checkGuards(w http.ResponseWriter, r *http.Request, st *requestState, rule *pathRule) bool {
	g := rule.guard
	st.route = rule.label
	st.guard = g
	if g.maxBody > 0 {
		if r.ContentLength > g.maxBody {
			plainError(w, http.StatusRequestEntityTooLarge, "request body larger than the route allows")
			return false
		}
		if r.Body != nil && r.Body != http.NoBody {
			st.limit.ReadCloser, st.limit.left = r.Body, g.maxBody
			r.Body = &st.limit
		}
	}
	if g.https != nil && !arrivedOverHTTPS(st) {
		loc, ok := redirectLocation(r, st, g.https, "")
		if !ok {
			plainError(w, http.StatusBadRequest, "the request's host cannot be used in a redirect")
			return false
		}
		hdr := w.Header()
		hdr.Set("Location", loc)
		hdr.Set("Content-Length", "0")
		w.WriteHeader(g.https.Status)
		return false
	}
	if c := g.cors; c != nil {
		st.corsOrigin = c.allowedOrigin(r.Header["Origin"])
		if c.isPreflight(r) {
			c.answerPreflight(w, r, st.corsOrigin)
			return false
		}
	}
	if g.basic != nil && !g.basic.check(w, r, st) {
		return false
	}
	if g.ext != nil {
		// The fields the client's Connection lists go before the auth
		// service's are copied onto r, and their names with them: a
		// client cannot strip those by naming them (see
		// freeConnectionListed).
		freeConnectionListed(r.Header)
		if !h.externalAuth(w, r, st, g.ext) {
			return false
		}
	}
	return true
}

// refuse answers a request a guard refused with status and msg, with
// the CORS headers its route adds (so that a page can read the refusal).
func (st *requestState) refuse(w http.ResponseWriter, status int, msg string) {
	st.guardHeaders(w.Header())
	plainError(w, status, msg)
}

// guardHeaders adds to h, a response header for st's request, what its
// route's guards add: the CORS headers and the auth service's cookies.
// It is called for backend responses (see editResponse), for answers a
// guard writes and for those a route's action writes (see takeAction).
func (st *requestState) guardHeaders(h http.Header) {
	g := st.guard
	if g == nil {
		return
	}
	if g.cors != nil {
		g.cors.setResponseHeaders(h, st.corsOrigin)
	}
	for _, c := range st.authCookies {
		h.Add("Set-Cookie", c)
	}
}

// arrivedOverHTTPS reports whether st's request came over https: over a
// TLS connection, or from a trusted peer whose right-most
// X-Forwarded-Proto says "https" (see [appendFromTrustedOr]; a client
// that is not trusted has no say).
func arrivedOverHTTPS(st *requestState) bool {
	if st.fwd.proto == "https" {
		return true
	}
	var buf [8]byte
	proto, _ := appendFromTrustedOr(buf[:0], &st.fwd, "X-Forwarded-Proto", st.fwd.proto)
	return len(proto) == 5 && h1.EqualFoldASCII(string(proto), "https")
}

// addVary adds name to h's Vary unless it lists it already, or "*".
func addVary(h http.Header, name string) {
	vv := h["Vary"]
	if h1.ValuesHaveToken(vv, name) || h1.ValuesHaveToken(vv, "*") {
		return
	}
	if len(vv) == 1 && strings.TrimSpace(vv[0]) != "" {
		h["Vary"] = []string{vv[0] + ", " + name}
		return
	}
	h.Add("Vary", name)
}
