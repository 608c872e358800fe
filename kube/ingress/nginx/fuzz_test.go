package nginx

import (
	"strings"
	"testing"

	"github.com/firsthop/firsthop/model"
)

// FuzzValues runs every value parser on arbitrary text: none may panic,
// and what they accept keeps their contracts.
func FuzzValues(f *testing.F) {
	for _, s := range []string{"8m", "0", "60", "1g", "https://example.com$request_uri", "/foo(/|$)(.*)", "a(?=b)", "https://*.example.com:8443, *", "GET, POST", "X-A,X-B", "default/name", "10.0.0.0/8, ::ffff:10.0.0.1", "\x00", "9999999999999999999k"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if n, err := parseSize(v); err == nil && (n < 0 || n > maxSize) {
			t.Errorf("parseSize(%q) = %d", v, n)
		}
		if d, err := parseSeconds(v); err == nil && (d <= 0 || d.Seconds() > maxSeconds) {
			t.Errorf("parseSeconds(%q) = %v", v, d)
		}
		if r, err := parseRedirectURL(v, 301); err == nil {
			if r.Scheme != "http" && r.Scheme != "https" || r.Host == "" || (r.Path != nil && !strings.HasPrefix(r.Path.Value, "/")) {
				t.Errorf("parseRedirectURL(%q) = %+v", v, r)
			}
		}
		if list, err := parseCORSOrigins(v); err == nil && len(list) == 0 {
			t.Errorf("parseCORSOrigins(%q) accepted an empty list", v)
		}
		parseCORSMethods(v)
		parseCORSHeaders(v, true)
		parseHeaderNames(v)
		parseSecretRef(v)
		parseHost(v, true)
		parsePathValue(v)
		ParseSourceRanges(v)
		checkAuthURL(v, signInVariables)
		if re, err := CompileRegex(v); err == nil && re == nil {
			t.Errorf("CompileRegex(%q) returned nil", v)
		}
		if rp, err := CompileRegexPath(v); err == nil && rp == nil {
			t.Errorf("CompileRegexPath(%q) returned nil", v)
		}
	})
}

// FuzzParse runs Parse on an annotation of any name and value: it never
// panics, reports every ingress-nginx annotation it was given, a snippet
// or an authentication type always fails closed, and the affinity and
// rewrite it makes pass the model's Validate on a regex route.
func FuzzParse(f *testing.F) {
	f.Add("proxy-body-size", "8m")
	f.Add("auth-type", "basic")
	f.Add("configuration-snippet", "deny all;")
	f.Add("permanent-redirect", "https://x$request_uri")
	f.Add("canary-by-header-pattern", "(?!x)")
	f.Add("session-cookie-path", "/a;b")
	f.Add("session-cookie-domain", "Example.COM.")
	f.Add("rewrite-target", "/$1$host")
	f.Add("upstream-vhost", "api.internal:8080")
	f.Fuzz(func(t *testing.T, name, value string) {
		feat, findings := Parse(map[string]string{Prefix + name: value, Prefix + "canary": "true", Prefix + "enable-cors": "true", Prefix + "affinity": "cookie"})
		spec := model.TableSpec{
			Backends: []model.Backend{{Name: "b", Affinity: feat.Affinity}},
			Routes:   []model.Route{{Path: "/(.*)", PathType: model.PathRegex, Backend: "b", Rewrite: feat.Rewrite}},
		}
		if err := spec.Validate(); err != nil {
			t.Errorf("%s=%q: the affinity and rewrite Parse made do not validate: %v", name, value, err)
		}
		found := false
		for _, fd := range findings {
			found = found || fd.Annotation == name
		}
		if strings.TrimSpace(value) != "" && !found {
			t.Errorf("no finding for %s=%q: %v", name, value, findings)
		}
		if strings.TrimSpace(value) != "" && (name == "auth-type" || name == "configuration-snippet" || name == "server-snippet") && !feat.FailClosed {
			t.Errorf("%s=%q does not fail closed", name, value)
		}
	})
}
