package model

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// checkGuards checks r's guards (see guard.go), calling bad for each
// broken rule. That ExternalAuth's backend exists is checkBackends's.
func (r *Route) checkGuards(bad func(string, ...any)) {
	if r.MaxRequestBodyBytes < 0 {
		bad("max request body bytes must not be negative")
	}
	if hr := r.HTTPSRedirect; hr != nil {
		switch hr.Status {
		case 0, 301, 302, 303, 307, 308:
		default:
			bad("https redirect status %d is not 301, 302, 303, 307 or 308", hr.Status)
		}
	}
	if c := r.CORS; c != nil {
		checkCORS(c, bad)
	}
	if ba := r.BasicAuth; ba != nil {
		checkBasicAuth(ba, bad)
	}
	if ea := r.ExternalAuth; ea != nil {
		checkExternalAuth(ea, bad)
	}
}

// Validate checks c as [TableSpec.Validate] checks a route's CORS
// policy, so that a translator can refuse what the table would; the
// error lists every broken rule, joined by "; ".
func (c *CORSPolicy) Validate() error {
	var errs []string
	checkCORS(c, func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) })
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

func checkCORS(c *CORSPolicy, bad func(string, ...any)) {
	for _, o := range c.AllowOrigins {
		switch {
		case o == "*":
			if len(c.AllowOrigins) > 1 {
				bad(`cors: "*" allows every origin and is not listed with others`)
			}
		case o == "null":
		default:
			if _, err := ParseCORSOrigin(o); err != nil {
				bad("cors: %v", err)
			}
		}
	}
	if c.OriginWildcards != WildcardOneLabel && c.OriginWildcards != WildcardSuffix {
		bad("cors: unknown origin wildcard rule %d", c.OriginWildcards)
	}
	checkCORSList(c.AllowMethods, "allowed method", bad)
	checkCORSList(c.AllowHeaders, "allowed header", bad)
	checkCORSList(c.ExposeHeaders, "exposed header", bad)
	if c.AllowCredentials && len(c.ExposeHeaders) == 1 && c.ExposeHeaders[0] == "*" {
		bad(`cors: exposed headers "*" with credentials is read by browsers as a header named "*"; name the headers`)
	}
	if c.MaxAge < 0 || c.MaxAge%time.Second != 0 {
		bad("cors: max age %v is not a whole number of seconds, 0 or more", c.MaxAge)
	}
}

// checkCORSList checks a CORS list of tokens, or "*" alone.
func checkCORSList(list []string, what string, bad func(string, ...any)) {
	for _, v := range list {
		switch {
		case v == "*" && len(list) > 1:
			bad("cors: %s \"*\" is not listed with others", what)
		case v != "*" && !isToken(v):
			bad("cors: %s %q is not a token", what, v)
		}
	}
}

func checkBasicAuth(ba *BasicAuth, bad func(string, ...any)) {
	if !validFieldValue(ba.Realm) || strings.ContainsAny(ba.Realm, "\"\\\t") {
		bad("basic auth realm %q holds a quote, a backslash or a control character", ba.Realm)
	}
	seen := make(map[string]bool, len(ba.Users))
	for _, u := range ba.Users {
		if why := checkUserName(u.Name); why != "" {
			bad("basic auth: %s", why)
			continue
		}
		if seen[u.Name] {
			bad("basic auth: user %q is listed twice", u.Name)
		}
		seen[u.Name] = true
		if _, err := ParsePasswordHash(u.Hash); err != nil {
			bad("basic auth user %q: %v", u.Name, err)
		}
	}
}

func checkExternalAuth(ea *ExternalAuth, bad func(string, ...any)) {
	if ea.Backend == "" {
		bad("external auth names no backend")
	}
	if !strings.HasPrefix(ea.Path, "/") || !validFieldValue(ea.Path) || strings.ContainsAny(ea.Path, " \t#") {
		bad("external auth path %q must start with / and hold no space, # or control character", ea.Path)
	}
	if why := checkRewriteHost(ea.Host); why != "" {
		bad("external auth %s", why)
	}
	if ea.Method != "" && !isToken(ea.Method) {
		bad("external auth method %q is not an HTTP token", ea.Method)
	}
	for _, h := range ea.ResponseHeaders {
		why := checkHeaderName(h)
		if why == "" {
			if reason := UnmodifiableHeader(h); reason != "" {
				why = fmt.Sprintf("%q is %s", h, reason)
			}
		}
		if why != "" {
			bad("external auth response headers: %s", why)
		}
	}
	if ea.SignIn != "" {
		rest, ok := strings.CutPrefix(ea.SignIn, "https://")
		if !ok {
			rest, ok = strings.CutPrefix(ea.SignIn, "http://")
		}
		if !ok || rest == "" || rest[0] == '/' || !validFieldValue(ea.SignIn) || strings.ContainsAny(ea.SignIn, " \t#") {
			bad("external auth sign-in %q is not an absolute http(s) URL without spaces, # or control characters", ea.SignIn)
		}
	}
	if p := ea.SignInRedirectParam; p != "" && !isToken(p) {
		bad("external auth sign-in redirect parameter %q is not a token", p)
	}
	if !validFieldValue(ea.RequestRedirect) {
		bad("external auth request redirect %q holds a control character", ea.RequestRedirect)
	}
	if ea.Timeout < 0 {
		bad("external auth timeout must not be negative")
	}
}
