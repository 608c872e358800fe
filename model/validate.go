package model

import (
	"fmt"
	"net/textproto"
	"regexp"
	"strconv"
	"strings"
)

// Validate reports whether s keeps the model's rules, and is the one place
// they are written:
//
//   - every backend has a name, and no two backends the same one;
//   - every route's path starts with "/", its path type is PathPrefix,
//     PathExact or PathRegex (an RE2 expression, see [CompileRegexPath]
//     for its bounds), and its host is "", canonical (see [CanonicalHost]) or a
//     wildcard starting with "*."; its scope is any name;
//   - no two scopes of s.Scopes have the same name, and each has a known
//     [WildcardRule]; only a named scope has a ClientIP or Headers of its
//     own, whose header modes are known;
//   - a route's method, when set, is an upper-case HTTP token; its header
//     matches name valid header fields in canonical form
//     (textproto.CanonicalMIMEHeaderKey), its query matches non-empty
//     names, neither any name twice; each match has a known
//     [StringMatch], a RegularExpression one a value that compiles (RE2),
//     a Present one no value;
//   - every route has exactly one action: Backend, Split, Redirect or
//     Respond; Backend, every Split entry that names one ("" is an
//     unresolved reference, allowed) and every Mirror name defined
//     backends;
//   - a redirect's scheme is "", "http" or "https", its status 0, 301,
//     302, 303, 307 or 308, its host (like a rewrite's) a canonical
//     exact host; a path rewrite's value starts with "/", and only a
//     PathPrefix route rewrites its prefix; a regex rewrite is a PathRegex
//     route's Rewrite, holds no "?" or "#", and its "$" references are
//     well formed; a direct response's
//     status is 200 to 599;
//   - header modifiers (the route's and its split's) name valid canonical
//     header fields, none hop-by-hop (see [IsHopByHopHeader]), Host (see
//     [Rewrite]) or a forwarding header (see [ForwardingHeaderNames]);
//     none sets a name twice, removes one twice or both sets and removes
//     one; their values hold no control character but tab;
//   - a mirror's percent is 0 to 100; a route's timeouts are not
//     negative;
//   - a route's guards (see guard.go): a body limit not negative; an
//     https redirect's status 0, 301, 302, 303, 307 or 308; CORS origins
//     "*" alone, "null" or patterns [ParseCORSOrigin] reads, methods and
//     headers tokens or "*" alone, no exposed "*" with credentials, a max
//     age of whole seconds; basic auth users named once, without colon
//     or control character, with hashes [ParsePasswordHash] reads, a realm
//     without quote, backslash or control character; external auth to a
//     defined backend, on a path starting with "/", with response headers
//     a header modifier may set, an absolute http(s) sign-in URL;
//   - no two routes have the same [RouteKey];
//   - the default backend, when named, is defined;
//   - a backend's TLS root CAs, when set, are PEM certificates, and its
//     client certificate and key a matching PEM pair, or both empty; its
//     affinity cookie has a token name, a path starting with "/", a
//     canonical exact domain, no negative duration and a known SameSite;
//   - every certificate has a parsed leaf; its scope is any name;
//   - every policy has a name, no two the same one, and at least one rule;
//     no prefix is both allowed and denied; limits are at least 1 request,
//     per second or per minute, their status 429 or 503; every policy a
//     route names is defined.
//
// The error, prefixed "invalid routing table: ", lists every broken rule,
// joined by "; ". Endpoints are not checked: any address is one. Nor are
// listener scopes: any name is one, and a listener whose scope no route
// has serves 404 (or nothing but the default backend, for scope "").
func (s *TableSpec) Validate() error {
	return s.validate(false)
}

// ValidateKnownRoutes is [TableSpec.Validate] for a spec whose Routes have
// passed Validate before, in another spec (as when a new table keeps the
// last table's routes slice): the routes' own rules and their uniqueness are
// not checked again, only that the backends they name are defined, so that
// a large table whose routes did not change costs little to validate.
func (s *TableSpec) ValidateKnownRoutes() error {
	return s.validate(true)
}

func (s *TableSpec) validate(knownRoutes bool) error {
	var errs []string
	backends := make(map[string]bool, len(s.Backends))
	for i := range s.Backends {
		b := &s.Backends[i]
		if b.Name == "" {
			errs = append(errs, fmt.Sprintf("backend %d has no name", i))
			continue
		}
		if backends[b.Name] {
			errs = append(errs, fmt.Sprintf("backend %q is defined twice", b.Name))
			continue
		}
		backends[b.Name] = true
		errs = checkBackend(errs, b)
	}
	errs = s.checkScopes(errs)
	var seen map[RouteKey]bool
	if !knownRoutes {
		seen = make(map[RouteKey]bool, len(s.Routes))
	}
	for i := range s.Routes {
		r := &s.Routes[i]
		if knownRoutes {
			errs = r.checkBackends(errs, backends)
			continue
		}
		n := len(errs)
		if errs = checkRoute(errs, r); len(errs) > n {
			continue
		}
		errs = r.checkBackends(errs, backends)
		k := r.Key()
		if seen[k] {
			msg := fmt.Sprintf("route %s%s (%s)", r.Host, r.Path, r.PathType)
			if r.Scope != "" {
				msg += fmt.Sprintf(" in scope %q", r.Scope)
			}
			errs = append(errs, msg+" is defined twice")
		}
		seen[k] = true
	}
	if s.DefaultBackend != "" && !backends[s.DefaultBackend] {
		errs = append(errs, fmt.Sprintf("default backend %q is not defined", s.DefaultBackend))
	}
	for _, c := range s.Certificates {
		if c.Cert == nil || c.Cert.Leaf == nil {
			errs = append(errs, "certificate without a parsed leaf")
			break
		}
	}
	errs = s.checkPolicies(errs)
	if len(errs) > 0 {
		return fmt.Errorf("invalid routing table: %s", strings.Join(errs, "; "))
	}
	return nil
}

// checkScopes checks s.Scopes, adding what is broken to errs.
func (s *TableSpec) checkScopes(errs []string) []string {
	seen := make(map[string]bool, len(s.Scopes))
	for _, sc := range s.Scopes {
		if seen[sc.Name] {
			errs = append(errs, fmt.Sprintf("scope %q is defined twice", sc.Name))
		}
		seen[sc.Name] = true
		if sc.Wildcards != WildcardOneLabel && sc.Wildcards != WildcardSuffix {
			errs = append(errs, fmt.Sprintf("scope %q: unknown wildcard rule %d", sc.Name, sc.Wildcards))
		}
		if sc.Name == "" && (sc.ClientIP != nil || sc.Headers != nil) {
			errs = append(errs, "the default scope takes its client-IP policy and forwarding headers from the table, not from a scope")
		}
		if h := sc.Headers; h != nil {
			for _, m := range [...]HeaderMode{h.XForwardedFor, h.Forwarded} {
				if m > HeaderOff {
					errs = append(errs, fmt.Sprintf("scope %q: unknown header mode %d", sc.Name, m))
				}
			}
		}
	}
	return errs
}

// checkBackends checks that the backends r names (Backend, Split, Mirror,
// ExternalAuth) are defined, adding what is not to errs.
func (r *Route) checkBackends(errs []string, backends map[string]bool) []string {
	if r.Backend != "" && !backends[r.Backend] {
		errs = append(errs, fmt.Sprintf("route %s%s names undefined backend %q", r.Host, r.Path, r.Backend))
	}
	for _, wb := range r.Split {
		if wb.Backend != "" && !backends[wb.Backend] {
			errs = append(errs, fmt.Sprintf("route %s%s: split names undefined backend %q", r.Host, r.Path, wb.Backend))
		}
	}
	for _, m := range r.Mirror {
		if !backends[m.Backend] {
			errs = append(errs, fmt.Sprintf("route %s%s: mirror names undefined backend %q", r.Host, r.Path, m.Backend))
		}
	}
	if ea := r.ExternalAuth; ea != nil && ea.Backend != "" && !backends[ea.Backend] {
		errs = append(errs, fmt.Sprintf("route %s%s: external auth names undefined backend %q", r.Host, r.Path, ea.Backend))
	}
	return errs
}

// checkRoute checks the rules of route r on its own, adding what is
// broken to errs.
func checkRoute(errs []string, r *Route) []string {
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Sprintf("route %s%s: ", r.Host, r.Path)+fmt.Sprintf(format, args...))
	}
	if !strings.HasPrefix(r.Path, "/") {
		bad("path must start with /")
	}
	switch r.PathType {
	case PathPrefix, PathExact:
	case PathRegex:
		if _, err := CompileRegexPath(r.Path); err != nil {
			bad("%v", err)
		}
	default:
		bad("unknown path type %d", r.PathType)
	}
	if r.Host != "" && CanonicalHost(r.Host) != r.Host && !strings.HasPrefix(r.Host, "*.") {
		errs = append(errs, fmt.Sprintf("route host %q is not canonical (lower case, no port, no trailing dot)", r.Host))
	}
	r.checkMatches(bad)
	r.checkAction(bad)
	if r.Timeout < 0 {
		bad("timeout must not be negative")
	}
	if r.BackendTimeout < 0 {
		bad("backend timeout must not be negative")
	}
	r.checkGuards(bad)
	return errs
}

// checkMatches checks r's method, header and query matches, calling bad
// for each broken rule.
func (r *Route) checkMatches(bad func(string, ...any)) {
	if r.Method != "" && (!isToken(r.Method) || strings.ToUpper(r.Method) != r.Method) {
		bad("method %q is not an upper-case HTTP token", r.Method)
	}
	headers := make(map[string]bool, len(r.Headers))
	for _, h := range r.Headers {
		if why := checkHeaderName(h.Name); why != "" {
			bad("header match: %s", why)
			continue
		}
		if headers[h.Name] {
			bad("header %q is matched twice", h.Name)
		}
		headers[h.Name] = true
		if why := checkStringMatch(h.Type, h.Value); why != "" {
			bad("header %q: %s", h.Name, why)
		}
	}
	query := make(map[string]bool, len(r.Query))
	for _, q := range r.Query {
		if q.Name == "" {
			bad("query match without a parameter name")
			continue
		}
		if query[q.Name] {
			bad("query parameter %q is matched twice", q.Name)
		}
		query[q.Name] = true
		if why := checkStringMatch(q.Type, q.Value); why != "" {
			bad("query parameter %q: %s", q.Name, why)
		}
	}
}

// checkStringMatch returns what is wrong with a match of type m and value
// v, or "".
func checkStringMatch(m StringMatch, v string) string {
	switch m {
	case MatchExact:
	case MatchRegex:
		if _, err := regexp.Compile(v); err != nil {
			return fmt.Sprintf("invalid regular expression: %v", err)
		}
	case MatchPresent:
		if v != "" {
			return fmt.Sprintf("a Present match has no value, not %q", v)
		}
	default:
		return fmt.Sprintf("unknown match type %d", m)
	}
	return ""
}

// checkAction checks r's action and filters, calling bad for each broken
// rule. That the backends they name exist is checkBackends's.
func (r *Route) checkAction(bad func(string, ...any)) {
	actions := 0
	for _, set := range []bool{r.Backend != "", len(r.Split) > 0, r.Redirect != nil, r.Respond != nil} {
		if set {
			actions++
		}
	}
	switch {
	case actions == 0:
		bad("has no action (backend, split, redirect or direct response)")
	case actions > 1:
		bad("has more than one action (backend, split, redirect, direct response)")
	}
	if rd := r.Redirect; rd != nil {
		if rd.Scheme != "" && rd.Scheme != "http" && rd.Scheme != "https" {
			bad("redirect scheme %q is not http or https", rd.Scheme)
		}
		switch rd.Status {
		case 0, 301, 302, 303, 307, 308:
		default:
			bad("redirect status %d is not 301, 302, 303, 307 or 308", rd.Status)
		}
		if why := checkExactHost(rd.Host); why != "" {
			bad("redirect %s", why)
		}
		if why := r.checkPathRewrite(rd.Path); why != "" {
			bad("redirect %s", why)
		}
	}
	if dr := r.Respond; dr != nil {
		if dr.Status < 200 || dr.Status > 599 {
			bad("direct response status %d is not 200 to 599", dr.Status)
		}
		if !validFieldValue(dr.ContentType) {
			bad("direct response content type %q holds a control character", dr.ContentType)
		}
	}
	if rw := r.Rewrite; rw != nil {
		if why := checkRewriteHost(rw.Host); why != "" {
			bad("rewrite %s", why)
		}
		if why := r.checkPathRewrite(rw.Path); why != "" {
			bad("rewrite %s", why)
		}
	}
	checkHeaderModifier(r.RequestHeaders, "request headers", bad)
	checkHeaderModifier(r.ResponseHeaders, "response headers", bad)
	for _, wb := range r.Split {
		checkHeaderModifier(wb.RequestHeaders, fmt.Sprintf("split backend %q request headers", wb.Backend), bad)
		checkHeaderModifier(wb.ResponseHeaders, fmt.Sprintf("split backend %q response headers", wb.Backend), bad)
	}
	for _, m := range r.Mirror {
		if m.Percent < 0 || m.Percent > 100 {
			bad("mirror percent %d is not 0 to 100", m.Percent)
		}
	}
}

// checkExactHost returns what is wrong with h as the host a redirect or
// rewrite writes, or "" for "" (none) and a canonical exact host.
func checkExactHost(h string) string {
	if h == "" {
		return ""
	}
	c, err := RouteHost(h)
	switch {
	case err != nil:
		return err.Error()
	case c != h:
		return fmt.Sprintf("host %q is not canonical (lower case, no trailing dot)", h)
	case strings.HasPrefix(h, "*."):
		return fmt.Sprintf("host %q is a wildcard", h)
	}
	return ""
}

// checkRewriteHost returns what is wrong with h as the Host header a
// rewrite sends: "" for "" (none) and for a canonical exact host with an
// optional port from 1 to 65535 ("api.internal:8080": a backend's virtual
// host may name one).
func checkRewriteHost(h string) string {
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.Contains(h[:i], ":") {
		port, err := strconv.ParseUint(h[i+1:], 10, 16)
		if err != nil || port == 0 || h[i+1] == '+' {
			return fmt.Sprintf("host %q: port %q is not a number from 1 to 65535", h, h[i+1:])
		}
		h = h[:i]
	}
	return checkExactHost(h)
}

// checkPathRewrite returns what is wrong with p as a rewrite of r's
// path, or "" for nil (none) and a valid rewrite.
func (r *Route) checkPathRewrite(p *PathRewrite) string {
	switch {
	case p == nil:
		return ""
	case p.Type == RewriteRegex:
		return r.checkRegexRewrite(p)
	case p.Type != RewriteFullPath && p.Type != RewritePrefix:
		return fmt.Sprintf("path rewrite has unknown type %d", p.Type)
	case !strings.HasPrefix(p.Value, "/"):
		return fmt.Sprintf("path %q must start with /", p.Value)
	case !validFieldValue(p.Value):
		return fmt.Sprintf("path %q holds a control character", p.Value)
	case p.Type == RewritePrefix && r.PathType != PathPrefix:
		return "replaces the path prefix of a route whose path type is not Prefix"
	}
	return ""
}

// checkRegexRewrite returns what is wrong with p, a RewriteRegex, as a
// rewrite of r's path, or "".
func (r *Route) checkRegexRewrite(p *PathRewrite) string {
	if r.PathType != PathRegex || r.Rewrite == nil || r.Rewrite.Path != p {
		return "a regex path rewrite is for the rewrite of a route whose path type is RegularExpression"
	}
	if !validFieldValue(p.Value) {
		return fmt.Sprintf("path %q holds a control character", p.Value)
	}
	return checkRegexRewrite(p.Value)
}

// checkBackend adds to errs what is wrong with b's TLS settings and
// affinity.
func checkBackend(errs []string, b *Backend) []string {
	for _, why := range []string{checkBackendTLS(b), checkAffinity(b.Affinity)} {
		if why != "" {
			errs = append(errs, fmt.Sprintf("backend %q: %s", b.Name, why))
		}
	}
	return errs
}

// checkHeaderModifier calls bad for each rule m (nil: none) breaks; what
// names m in the messages.
func checkHeaderModifier(m *HeaderModifier, what string, bad func(string, ...any)) {
	if m == nil {
		return
	}
	set := make(map[string]bool, len(m.Set))
	name := func(verb, n string) bool {
		why := checkHeaderName(n)
		if why == "" {
			if reason := UnmodifiableHeader(n); reason != "" {
				why = fmt.Sprintf("%q is %s", n, reason)
			}
		}
		if why != "" {
			bad("%s %s: %s", what, verb, why)
		}
		return why == ""
	}
	for _, h := range m.Set {
		if !name("set", h.Name) {
			continue
		}
		if set[h.Name] {
			bad("%s set %q twice", what, h.Name)
		}
		set[h.Name] = true
		if !validFieldValue(h.Value) {
			bad("%s set %q: value holds a control character", what, h.Name)
		}
	}
	for _, h := range m.Add {
		if name("add", h.Name) && !validFieldValue(h.Value) {
			bad("%s add %q: value holds a control character", what, h.Name)
		}
	}
	removed := make(map[string]bool, len(m.Remove))
	for _, n := range m.Remove {
		if !name("remove", n) {
			continue
		}
		switch {
		case removed[n]:
			bad("%s remove %q twice", what, n)
		case set[n]:
			bad("%s both set and remove %q", what, n)
		}
		removed[n] = true
	}
}

// checkHeaderName returns what is wrong with n as a header name the model
// holds, or "": it must be a token in canonical form.
func checkHeaderName(n string) string {
	if !isToken(n) {
		return fmt.Sprintf("%q is not a valid header name", n)
	}
	if c := textproto.CanonicalMIMEHeaderKey(n); c != n {
		return fmt.Sprintf("header name %q is not canonical (want %q)", n, c)
	}
	return ""
}

// isToken reports whether s is a non-empty RFC 9110 token, the syntax of
// methods and header names.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0 {
			continue
		}
		return false
	}
	return true
}

// validFieldValue reports whether v may be sent as a header field value:
// no control character but tab.
func validFieldValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
