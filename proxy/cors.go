package proxy

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/firsthop/firsthop/model"
)

// corsPolicy is a [model.CORSPolicy] compiled: origins parsed, lists
// joined into the header values they are written as.
type corsPolicy struct {
	anyOrigin   bool // AllowOrigins is "*"
	allowNull   bool // AllowOrigins lists "null"
	origins     []model.CORSOrigin
	wildcards   model.WildcardRule
	credentials bool
	// methods, headers and expose are the lists joined by ", "; "" when
	// empty. anyMethod and anyHeader are set for "*".
	methods, headers, expose string
	anyMethod, anyHeader     bool
	maxAge                   string // whole seconds; "" for none
}

func newCORSPolicy(c *model.CORSPolicy) *corsPolicy {
	p := &corsPolicy{wildcards: c.OriginWildcards, credentials: c.AllowCredentials,
		methods: strings.Join(c.AllowMethods, ", "), headers: strings.Join(c.AllowHeaders, ", "), expose: strings.Join(c.ExposeHeaders, ", ")}
	for _, o := range c.AllowOrigins {
		switch o {
		case "*":
			p.anyOrigin = true
		case "null":
			p.allowNull = true
		default:
			if po, err := model.ParseCORSOrigin(o); err == nil { // valid: see Validate
				p.origins = append(p.origins, po)
			}
		}
	}
	p.anyMethod = p.methods == "*"
	p.anyHeader = p.headers == "*"
	if c.MaxAge > 0 {
		p.maxAge = strconv.FormatInt(int64(c.MaxAge.Seconds()), 10)
	}
	return p
}

// allowedOrigin returns the Access-Control-Allow-Origin a request whose
// Origin values are origin gets: "*" for every origin when the policy
// allows every origin without credentials, the origin itself when the
// policy allows it, else "" (a request with no Origin, or several, gets
// none). "null" is allowed only when listed.
func (p *corsPolicy) allowedOrigin(origin []string) string {
	if len(origin) != 1 || origin[0] == "" {
		return ""
	}
	o := origin[0]
	if p.anyOrigin && !p.credentials {
		return "*"
	}
	if o == "null" {
		if p.allowNull {
			return o
		}
		return ""
	}
	req, ok := model.ParseRequestOrigin(o)
	if !ok {
		return ""
	}
	if p.anyOrigin {
		return o
	}
	for i := range p.origins {
		if p.origins[i].Allows(req, p.wildcards) {
			return o
		}
	}
	return ""
}

// isPreflight reports whether r is a CORS preflight request: OPTIONS with
// an Origin and an Access-Control-Request-Method.
func (p *corsPolicy) isPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && len(r.Header["Origin"]) > 0 && len(r.Header["Access-Control-Request-Method"]) > 0
}

// answerPreflight answers the preflight request r with 204: with the CORS
// headers when its origin is allowed (allowed is what allowedOrigin
// returned), without them otherwise, which the browser reads as a
// refusal.
func (p *corsPolicy) answerPreflight(w http.ResponseWriter, r *http.Request, allowed string) {
	h := w.Header()
	if allowed != "" {
		p.setResponseHeaders(h, allowed)
		if v := p.allowMethods(r.Header["Access-Control-Request-Method"]); v != "" {
			h.Set("Access-Control-Allow-Methods", v)
		}
		if v := p.allowHeaders(r.Header["Access-Control-Request-Headers"]); v != "" {
			h.Set("Access-Control-Allow-Headers", v)
		}
		if p.maxAge != "" {
			h.Set("Access-Control-Max-Age", p.maxAge)
		}
	} else {
		addVary(h, "Origin")
	}
	h.Set("Content-Length", "0")
	w.WriteHeader(http.StatusNoContent)
}

// allowMethods returns the preflight's Access-Control-Allow-Methods for
// the requested method: the list, or for "*", "*" — or with credentials,
// where browsers read "*" as a method name, the requested method when it
// is a token.
func (p *corsPolicy) allowMethods(requested []string) string {
	if !p.anyMethod || !p.credentials {
		return p.methods
	}
	if len(requested) == 1 && isToken(requested[0]) {
		return requested[0]
	}
	return ""
}

// allowHeaders returns the preflight's Access-Control-Allow-Headers for
// the requested headers: the list, or for "*", "*" — or with
// credentials, the requested names when they are a list of tokens.
func (p *corsPolicy) allowHeaders(requested []string) string {
	if !p.anyHeader || !p.credentials {
		return p.headers
	}
	if len(requested) != 1 || !isTokenList(requested[0]) {
		return ""
	}
	return requested[0]
}

// isTokenList reports whether v is a comma-separated list of tokens,
// with optional spaces: nothing else is echoed back.
func isTokenList(v string) bool {
	n := 0
	for part := range strings.SplitSeq(v, ",") {
		if part = strings.Trim(part, " \t"); part == "" {
			continue
		}
		if !isToken(part) {
			return false
		}
		n++
	}
	return n > 0
}

// setResponseHeaders sets on h, a response header, the CORS headers of an
// answer to a request whose allowed origin is allowed ("": none): Allow-
// Origin, Allow-Credentials, Expose-Headers, replacing what the backend
// wrote; and Vary: Origin unless the answer is the same for every origin.
func (p *corsPolicy) setResponseHeaders(h http.Header, allowed string) {
	if !p.anyOrigin || p.credentials {
		addVary(h, "Origin")
	}
	if allowed == "" {
		return
	}
	h.Set("Access-Control-Allow-Origin", allowed)
	if p.credentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	if p.expose != "" {
		h.Set("Access-Control-Expose-Headers", p.expose)
	}
}
