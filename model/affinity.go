package model

import (
	"fmt"
	"strings"
	"time"
)

// Affinity keeps each client on one endpoint of a backend with a cookie,
// as ingress-nginx's `affinity: cookie` does (its "persistent" mode).
//
// A request without the cookie, or whose cookie names no endpoint of the
// backend that can take it, is sent to an endpoint picked as without
// affinity, and the answer sets the cookie to name that endpoint. A
// request whose cookie names an endpoint that is ready (or terminating,
// when no endpoint is ready), not ejected by passive health and under its
// in-flight cap is sent there, whatever its locality tier: affinity wins
// over the locality preference, not over the locality policy (with
// [LocalityLocal] only this node's endpoints can be named). Whenever the
// endpoint that answers is not the one the cookie named (it was gone,
// ejected, full, or failed to connect and the request went to another),
// the answer sets the cookie anew. Endpoints added to the backend leave
// existing cookies where they are.
//
// The cookie's value is a hash of the backend's name and the endpoint's
// address: it does not show the address, and every firsthop replica, and
// every restart, reads it alike. Like ingress-nginx's, it is not a secret:
// whoever can list a backend's candidate addresses can compute it.
type Affinity struct {
	// CookieName is the cookie's name: an RFC 6265 token.
	CookieName string
	// Path is the cookie's Path, starting with "/"; empty means the path
	// of the route that matched (a Prefix or Exact route's), else "/".
	Path string
	// Domain is the cookie's Domain, a canonical exact host; empty means
	// none (the cookie goes back to the request's host only).
	Domain string
	// MaxAge, when positive, is the cookie's Max-Age (whole seconds).
	// Expires, when positive, writes Expires that far from the answer.
	// Both zero means a session cookie.
	MaxAge  time.Duration
	Expires time.Duration
	// SameSite is "", "Lax", "Strict" or "None"; empty writes none.
	SameSite string
	// Secure writes the Secure attribute on every answer; it is written
	// on answers to requests that came over TLS in any case. HttpOnly is
	// always written.
	Secure bool
}

// checkAffinity returns what is wrong with a, or "" for nil and a valid
// one.
func checkAffinity(a *Affinity) string {
	if a == nil {
		return ""
	}
	var errs []string
	if !isToken(a.CookieName) {
		errs = append(errs, fmt.Sprintf("cookie name %q is not a token", a.CookieName))
	}
	if a.Path != "" && (!strings.HasPrefix(a.Path, "/") || !validCookieAttr(a.Path)) {
		errs = append(errs, fmt.Sprintf("cookie path %q does not start with / or holds ; or a control character", a.Path))
	}
	if why := checkExactHost(a.Domain); why != "" {
		errs = append(errs, "cookie domain "+why)
	}
	if a.MaxAge < 0 || a.Expires < 0 {
		errs = append(errs, "cookie max-age and expires must not be negative")
	}
	switch a.SameSite {
	case "", "Lax", "Strict", "None":
	default:
		errs = append(errs, fmt.Sprintf("cookie SameSite %q is not Lax, Strict or None", a.SameSite))
	}
	if len(errs) == 0 {
		return ""
	}
	return "affinity: " + strings.Join(errs, ", ")
}

// validCookieAttr reports whether v may be written as a cookie attribute
// value: no ";" and no control character.
func validCookieAttr(v string) bool {
	return validFieldValue(v) && !strings.ContainsAny(v, ";\t")
}
