package config

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/firsthop/firsthop/model"
)

// routeGuards decodes a paths item's guards (see model/guard.go) into r:
// maxRequestBodySize, httpsRedirect, cors, basicAuth and externalAuth.
// They apply whatever the path's action is.
func (d *decoder) routeGuards(f fields, r *routeAt) {
	if v := f.value("maxRequestBodySize"); v != nil {
		r.MaxRequestBodyBytes, _ = d.size(v, f.sub("maxRequestBodySize"))
	}
	if v := f.value("httpsRedirect"); v != nil {
		r.HTTPSRedirect = d.httpsRedirect(v, f.sub("httpsRedirect"))
		r.httpsRedirectAt = v
	}
	if v := f.value("cors"); v != nil {
		r.CORS = d.cors(v, f.sub("cors"), r)
	}
	if v := f.value("basicAuth"); v != nil {
		r.BasicAuth = d.basicAuth(v, f.sub("basicAuth"))
		r.basicAuthAt = f.key("basicAuth")
	}
	if v := f.value("externalAuth"); v != nil {
		r.ExternalAuth = d.externalAuth(v, f.sub("externalAuth"), r)
	}
}

// httpsRedirect decodes a paths item's httpsRedirect: true (status 308 to
// port 443), false (off: nil), or a mapping of status and port.
func (d *decoder) httpsRedirect(n *yaml.Node, path string) *model.HTTPSRedirect {
	if n.Kind == yaml.ScalarNode {
		if on, ok := d.boolean(n, path); ok && on {
			return &model.HTTPSRedirect{}
		}
		return nil
	}
	f, ok := d.mapping(n, path, "true or an https redirect {status, port}", "status", "port")
	if !ok {
		return nil
	}
	hr := &model.HTTPSRedirect{}
	if v := f.value("status"); v != nil {
		hr.Status, _ = d.redirectStatus(v, f.sub("status"))
	}
	if v := f.value("port"); v != nil {
		if port, ok := d.integer(v, f.sub("port"), 1, 65535); ok {
			hr.Port = uint16(port)
		}
	}
	return hr
}

// redirectStatus decodes the status of a redirect: 301, 302, 303, 307 or
// 308.
func (d *decoder) redirectStatus(n *yaml.Node, path string) (int, bool) {
	status, ok := d.integer(n, path, 0, 999)
	if !ok {
		return 0, false
	}
	switch status {
	case 301, 302, 303, 307, 308:
		return status, true
	}
	d.errorf(n, "%s: %d is not a redirect status (want 301, 302, 303, 307 or 308)", path, status)
	return 0, false
}

// cors decodes a paths item's cors. allowOrigins is required; a "*."
// origin host matches exactly one more label, as a route host's wildcard
// does.
func (d *decoder) cors(n *yaml.Node, path string, r *routeAt) *model.CORSPolicy {
	f, ok := d.mapping(n, path, "a CORS policy", "allowOrigins", "allowMethods", "allowHeaders", "exposeHeaders", "allowCredentials", "maxAge")
	if !ok {
		return nil
	}
	c := &model.CORSPolicy{}
	if v := f.value("allowCredentials"); v != nil {
		c.AllowCredentials, _ = d.boolean(v, f.sub("allowCredentials"))
	}
	if v := f.value("allowOrigins"); v != nil {
		c.AllowOrigins, r.corsWildcardAt = d.corsList(v, f.sub("allowOrigins"), "origins", d.corsOrigin)
	} else if f.complete() {
		d.errorf(n, `%s: allowOrigins is required (origins such as https://app.example.com, or "*")`, path)
	}
	if v := f.value("allowMethods"); v != nil {
		c.AllowMethods, _ = d.corsList(v, f.sub("allowMethods"), "methods", d.corsMethod)
	}
	if v := f.value("allowHeaders"); v != nil {
		c.AllowHeaders, _ = d.corsList(v, f.sub("allowHeaders"), "header names", d.headerName)
	}
	if v := f.value("exposeHeaders"); v != nil {
		var star *yaml.Node
		c.ExposeHeaders, star = d.corsList(v, f.sub("exposeHeaders"), "header names", d.headerName)
		if star != nil && c.AllowCredentials {
			d.errorf(star, `%s: "*" with allowCredentials: browsers read it as a header named "*" then; name the headers`, f.sub("exposeHeaders"))
			c.ExposeHeaders = nil
		}
	}
	if v := f.value("maxAge"); v != nil {
		if age, ok := d.duration(v, f.sub("maxAge")); ok && age%time.Second != 0 {
			d.errorf(v, "%s: %v is not a whole number of seconds (Access-Control-Max-Age counts seconds)", f.sub("maxAge"), age)
		} else {
			c.MaxAge = age
		}
	}
	return c
}

// corsList decodes a CORS list: "*" alone, or items decoded by item,
// each once (compared after decoding). An empty list is an error. star is
// the "*" item when the list is "*".
func (d *decoder) corsList(n *yaml.Node, path, what string, item func(*yaml.Node, string) (string, bool)) (out []string, star *yaml.Node) {
	items, ok := d.list(n, path, what)
	if !ok {
		return nil, nil
	}
	if len(items) == 0 {
		d.errorf(n, "%s: empty list: leave the key out, or list %s", path, what)
		return nil, nil
	}
	seen := map[string]*yaml.Node{}
	for i, it := range items {
		ipath := index(path, i)
		if it.Kind == yaml.ScalarNode && it.Value == "*" {
			if len(items) > 1 {
				d.errorf(it, `%s: "*" allows every one and is not listed with others`, ipath)
				continue
			}
			return []string{"*"}, it
		}
		v, ok := item(it, ipath)
		if !ok {
			continue
		}
		if first := seen[v]; first != nil {
			d.errorf(it, "%s: %s is listed twice (first at line %d)", ipath, v, first.Line)
			continue
		}
		seen[v] = it
		out = append(out, v)
	}
	return out, nil
}

// corsOrigin decodes an allowed origin: "null", or a pattern
// [model.ParseCORSOrigin] reads.
func (d *decoder) corsOrigin(n *yaml.Node, path string) (string, bool) {
	s, ok := d.text(n, path, "an origin such as https://app.example.com")
	if !ok {
		return "", false
	}
	if s == "null" {
		return s, true
	}
	if _, err := model.ParseCORSOrigin(s); err != nil {
		hint := ""
		if u, perr := url.Parse(s); perr == nil && u.Host != "" && (u.Path != "" || u.RawQuery != "") {
			hint = fmt.Sprintf(": an origin has no path, write %s://%s", u.Scheme, u.Host)
		} else if l := strings.ToLower(s); l != s {
			if _, err := model.ParseCORSOrigin(l); err == nil {
				hint = fmt.Sprintf(": write %s", l)
			}
		}
		d.errorf(n, "%s: %v%s", path, err, hint)
		return "", false
	}
	return s, true
}

// corsMethod decodes an allowed method: an upper-case HTTP token.
func (d *decoder) corsMethod(n *yaml.Node, path string) (string, bool) {
	s, ok := d.text(n, path, "an HTTP method such as PUT")
	if !ok {
		return "", false
	}
	if problem := modelRouteProblem(model.Route{CORS: &model.CORSPolicy{AllowMethods: []string{s}}}); problem != "" || s == "" {
		d.errorf(n, "%s: %q is not an HTTP method (letters only, such as PUT)", path, s)
		return "", false
	}
	if s != strings.ToUpper(s) {
		d.errorf(n, "%s: %q: write %q; methods are compared exactly and are upper case", path, s, strings.ToUpper(s))
		return "", false
	}
	return s, true
}

// basicAuth decodes a paths item's basicAuth: a realm and the users of an
// htpasswd file, read now with [model.ParseHtpasswd].
func (d *decoder) basicAuth(n *yaml.Node, path string) *model.BasicAuth {
	f, ok := d.mapping(n, path, "basic authentication {realm, htpasswdFile}", "realm", "htpasswdFile")
	if !ok {
		return nil
	}
	ba := &model.BasicAuth{}
	if v := f.value("realm"); v != nil {
		if s, ok := d.text(v, f.sub("realm"), "a realm"); ok {
			if problem := modelRouteProblem(model.Route{BasicAuth: &model.BasicAuth{Realm: s}}); problem != "" {
				d.errorf(v, "%s: %s", f.sub("realm"), problem)
			} else {
				ba.Realm = s
			}
		}
	}
	v := f.value("htpasswdFile")
	if v == nil {
		if !f.complete() { // a misspelt key is the likely file
			return ba
		}
		d.errorf(n, "%s: htpasswdFile is required (a file of user:hash lines, as htpasswd -B writes)", path)
		return ba
	}
	data, name, ok := d.readFile(v, f.sub("htpasswdFile"), "the htpasswd file", maxHtpasswdBytes)
	if !ok {
		return ba
	}
	users, err := model.ParseHtpasswd(data)
	if err != nil {
		d.errorf(v, "%s: %s: %v", f.sub("htpasswdFile"), name, err)
		return ba
	}
	if len(users) == 0 {
		d.warnf(v, "%s: %s lists no user: every request gets 401", f.sub("htpasswdFile"), name)
	}
	ba.Users = users
	return ba
}

// maxHtpasswdBytes bounds an htpasswd file as [model.ParseHtpasswd] does.
const maxHtpasswdBytes = 1 << 20

// externalAuthKeys are the keys of externalAuth.
var externalAuthKeys = []string{"backend", "path", "host", "method", "timeout", "responseHeaders",
	"signIn", "signInRedirectParam", "requestRedirect", "alwaysSetCookie"}

// externalAuth decodes a paths item's externalAuth and records its
// backend in r.refs.
func (d *decoder) externalAuth(n *yaml.Node, path string, r *routeAt) *model.ExternalAuth {
	f, ok := d.mapping(n, path, "external authentication", externalAuthKeys...)
	if !ok {
		return nil
	}
	ea := &model.ExternalAuth{}
	if v := f.value("backend"); v == nil {
		if f.complete() {
			d.errorf(n, "%s: backend is required (the backend the authentication service runs on)", path)
		}
	} else if name, ok := d.name(v, f.sub("backend")); ok {
		ea.Backend = name
		r.refs = append(r.refs, backendRef{name: name, path: f.sub("backend"), at: v})
	}
	if v := f.value("path"); v == nil {
		if f.complete() {
			d.errorf(n, "%s: path is required (the auth request's path, such as /oauth2/auth)", path)
		}
	} else {
		ea.Path, _ = d.authText(v, f.sub("path"), "a path such as /oauth2/auth", true,
			func(s string) *model.ExternalAuth { return &model.ExternalAuth{Path: s} })
	}
	if v := f.value("host"); v != nil {
		ea.Host, _ = d.rewriteHost(v, f.sub("host"))
	}
	if v := f.value("method"); v != nil {
		ea.Method, _ = d.method(v, f.sub("method"))
	}
	if v := f.value("timeout"); v != nil {
		ea.Timeout, _ = d.duration(v, f.sub("timeout"))
	}
	if v := f.value("responseHeaders"); v != nil {
		ea.ResponseHeaders = d.authResponseHeaders(v, f.sub("responseHeaders"))
	}
	if v := f.value("signIn"); v != nil {
		ea.SignIn, _ = d.authText(v, f.sub("signIn"), "an http(s) URL", true,
			func(s string) *model.ExternalAuth { return &model.ExternalAuth{SignIn: s} })
	}
	if v := f.value("signInRedirectParam"); v != nil {
		if f.value("signIn") == nil {
			d.errorf(f.key("signInRedirectParam"), "%s: names the parameter of signIn, which is not given", f.sub("signInRedirectParam"))
		} else {
			ea.SignInRedirectParam, _ = d.authText(v, f.sub("signInRedirectParam"), "a query parameter name", false,
				func(s string) *model.ExternalAuth { return &model.ExternalAuth{SignInRedirectParam: s} })
		}
	}
	if v := f.value("requestRedirect"); v != nil {
		ea.RequestRedirect, _ = d.authText(v, f.sub("requestRedirect"), "a URL", false,
			func(s string) *model.ExternalAuth { return &model.ExternalAuth{RequestRedirect: s} })
	}
	if v := f.value("alwaysSetCookie"); v != nil {
		ea.AlwaysSetCookie, _ = d.boolean(v, f.sub("alwaysSetCookie"))
	}
	return ea
}

// authText decodes a text setting of externalAuth: not empty, one the
// model accepts (probe returns an ExternalAuth holding it and nothing
// else), and, when vars is set, using only the variables
// [model.ExternalAuth] lists.
func (d *decoder) authText(n *yaml.Node, path, what string, vars bool, probe func(string) *model.ExternalAuth) (string, bool) {
	s, ok := d.text(n, path, what)
	if !ok {
		return "", false
	}
	if s == "" {
		d.errorf(n, "%s: must not be empty (leave it out for the default)", path)
		return "", false
	}
	if vars {
		if err := checkAuthVariables(s); err != nil {
			d.errorf(n, "%s: %v", path, err)
			return "", false
		}
	}
	if problem := modelRouteProblem(model.Route{ExternalAuth: probe(s)}); problem != "" {
		d.errorf(n, "%s: %s", path, problem)
		return "", false
	}
	return s, true
}

// authVariables are the variables an external auth path and sign-in URL
// may use (see [model.ExternalAuth]).
var authVariables = []string{"$escaped_request_uri", "$request_uri", "$scheme", "$http_host", "$host"}

// checkAuthVariables reports a "$" in s that does not start one of
// authVariables: the proxy would send it as written.
func checkAuthVariables(s string) error {
	for i := strings.IndexByte(s, '$'); i >= 0; {
		rest, known := s[i:], false
		for _, v := range authVariables {
			if strings.HasPrefix(rest, v) && (len(rest) == len(v) || !isVariableByte(rest[len(v)])) {
				known = true
				break
			}
		}
		if !known {
			end := 1
			for end < len(rest) && isVariableByte(rest[end]) {
				end++
			}
			return fmt.Errorf("unknown variable %q (want %s)", rest[:end], strings.Join(authVariables, ", "))
		}
		next := strings.IndexByte(s[i+1:], '$')
		if next < 0 {
			break
		}
		i += 1 + next
	}
	return nil
}

func isVariableByte(c byte) bool {
	return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// authResponseHeaders decodes externalAuth.responseHeaders: header names
// a header modifier may set, each once.
func (d *decoder) authResponseHeaders(n *yaml.Node, path string) []string {
	items, ok := d.list(n, path, "header names")
	if !ok {
		return nil
	}
	if len(items) == 0 {
		d.errorf(n, "%s: empty list: leave the key out, or list header names", path)
	}
	var out []string
	seen := map[string]*yaml.Node{}
	for i, it := range items {
		ipath := index(path, i)
		name, ok := d.modifiedHeader(it, ipath)
		if !ok {
			continue
		}
		if first := seen[name]; first != nil {
			d.errorf(it, "%s: %s is listed twice (first at line %d)", ipath, name, first.Line)
			continue
		}
		seen[name] = it
		out = append(out, name)
	}
	return out
}

// modelRouteProblem returns what [model.TableSpec.Validate] finds wrong
// with r alone, or "": r is completed into a route of its own (path "/"
// unless set, a direct response, its external auth's backend defined).
// Settings whose rules the model does not export are checked through it,
// so that each rule is written once, in the model, and what config
// accepts Validate accepts.
func modelRouteProblem(r model.Route) string {
	if r.Path == "" {
		r.Path = "/"
	}
	r.Respond = &model.DirectResponse{Status: 200}
	spec := model.TableSpec{Routes: []model.Route{r}}
	if ea := r.ExternalAuth; ea != nil {
		probe := *ea
		if probe.Backend == "" {
			probe.Backend = "auth"
		}
		if probe.Path == "" {
			probe.Path = "/"
		}
		r.ExternalAuth = &probe
		spec.Routes[0] = r
		spec.Backends = []model.Backend{{Name: probe.Backend}}
	}
	err := spec.Validate()
	if err == nil {
		return ""
	}
	msg := strings.TrimPrefix(err.Error(), "invalid routing table: ")
	prefix := fmt.Sprintf("route %s%s: ", r.Host, r.Path)
	return strings.ReplaceAll(strings.TrimPrefix(msg, prefix), "; "+prefix, "; ")
}
