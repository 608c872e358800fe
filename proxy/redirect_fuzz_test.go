package proxy

import (
	"net/url"
	"strings"
	"testing"

	"github.com/firsthop/firsthop/model"
)

// FuzzRedirectLocation: whatever Host and path a client sends (that
// net/http's checks let through), a redirect's Location is refused or is
// an absolute URL naming the request's host and no other, with no
// userinfo, fragment or control character, and a path starting "/".
func FuzzRedirectLocation(f *testing.F) {
	for _, s := range [][2]string{
		{"app.test", "/a"}, {"App.Test:8080", "/api/x/../y"}, {"[::1]:80", "/"}, {"a,b", "/a"},
		{"x%2F%2Fevil.test", "//evil.test/a"}, {"a@b", "/a"}, {"[fe80::1%25eth0]", "/a?x"}, {"a:1:2", "/api"},
		{"app.test", "/a?x=1#frag"}, {"app.test", "/api/a?#"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, host, uri string) {
		// Read as the server reads it: a "#" in the target stays in
		// RawQuery (http.NewRequest would cut it off as a fragment).
		r, ok := readRequest("placeholder", uri)
		if !ok || !strings.HasPrefix(uri, "/") || !strings.HasPrefix(r.URL.Path, "/") {
			return
		}
		r.Host = host
		clean, _ := model.CleanPath(r.URL.Path)
		st := &requestState{fwd: forwardContext{proto: "http", port: "8080"}}
		if clean != r.URL.Path {
			st.cleanPath = clean
		}
		for _, rd := range []*model.Redirect{{}, {Scheme: "https", Path: &model.PathRewrite{Type: model.RewritePrefix, Value: "/"}}} {
			loc, ok := redirectLocation(r, st, rd, "/api")
			if !ok {
				continue
			}
			if strings.ContainsAny(loc, "\r\n\x00#") {
				t.Fatalf("Location %q holds a control character or a fragment", loc)
			}
			u, err := url.Parse(loc)
			if err != nil {
				t.Fatalf("Location %q does not parse: %v", loc, err)
			}
			if u.User != nil || u.Hostname() != model.CanonicalHost(host) || !strings.HasPrefix(u.EscapedPath(), "/") {
				t.Fatalf("Location %q for Host %q: user %v, host %q, path %q", loc, host, u.User, u.Hostname(), u.EscapedPath())
			}
		}
	})
}
