package proxy

import (
	"testing"

	"github.com/firsthop/firsthop/model"
)

// TestRegexPathPrecedence: regex routes match case-insensitively as
// prefixes and take their place by length among a host's routes, Exact,
// then Prefix, then Regex at equal length (the model's precedence).
func TestRegexPathPrecedence(t *testing.T) {
	t.Parallel()
	tbl := matchTable(t, model.TableSpec{Routes: []model.Route{
		{Host: "h.test", Path: "/api/v[0-9]+", PathType: model.PathRegex, Backend: "versioned"}, // 13 bytes
		{Host: "h.test", Path: "/api", Backend: "api"},
		{Host: "h.test", Path: "/api/admin/x", Backend: "admin-prefix"}, // 12 bytes: after the regex
		{Host: "h.test", Path: "/a.c", PathType: model.PathRegex, Backend: "abc-regex"},
		{Host: "h.test", Path: "/abc", PathType: model.PathExact, Backend: "abc-exact"},
		{Host: "h.test", Path: "/abd", Backend: "abd-prefix"},
		{Host: "h.test", Path: "/ab.", PathType: model.PathRegex, Backend: "abd-regex"},
		{Host: "h.test", Path: "/", Backend: "root"},
		{Host: "r.test", Path: "/.*", PathType: model.PathRegex, Backend: "any"},
		{Host: "r.test", Path: "/x", PathType: model.PathExact, Backend: "x"},
	}})
	for _, c := range []matchCase{
		{name: "regex, case-insensitive", q: routeRequest{host: "h.test", path: "/API/V2/users"}, want: "versioned"},
		{name: "regex is a prefix match", q: routeRequest{host: "h.test", path: "/api/v2users"}, want: "versioned"},
		{name: "a shorter prefix after the longer regex", q: routeRequest{host: "h.test", path: "/api/vx"}, want: "api"},
		{name: "the prefix route stays case-sensitive", q: routeRequest{host: "h.test", path: "/API/vx"}, want: "root"},
		{name: "the longer regex before a shorter prefix", q: routeRequest{host: "h.test", path: "/api/v1/admin/x"}, want: "versioned"},
		{name: "exact before regex at equal length", q: routeRequest{host: "h.test", path: "/abc"}, want: "abc-exact"},
		{name: "regex where exact does not match", q: routeRequest{host: "h.test", path: "/ABC"}, want: "abc-regex"},
		{name: "regex matches beyond the exact path", q: routeRequest{host: "h.test", path: "/abcd"}, want: "abc-regex"},
		{name: "prefix before regex at equal length", q: routeRequest{host: "h.test", path: "/abd/x"}, want: "abd-prefix"},
		{name: "regex, in the order of the routes", q: routeRequest{host: "h.test", path: "/abz"}, want: "abd-regex"},
		{name: "anchored at the start", q: routeRequest{host: "h.test", path: "/x/api/v1"}, want: "root"},
		{name: "a catch-all regex", q: routeRequest{host: "r.test", path: "/y"}, want: "any"},
		{name: "exact before a shorter regex", q: routeRequest{host: "r.test", path: "/x"}, want: "x"},
	} {
		t.Run(c.name, func(t *testing.T) { c.run(t, tbl) })
	}
}

// TestRegexRewriteThroughListeners: on every serving path a regex route's
// rewrite sends the template with the captures of the match, the query
// kept, cleaned so that no capture climbs above "/".
func TestRegexRewriteThroughListeners(t *testing.T) {
	onEveryPath(t, func(t *testing.T, path actionPath) {
		rw := func(v string) *model.Rewrite {
			return &model.Rewrite{Path: &model.PathRewrite{Type: model.RewriteRegex, Value: v}}
		}
		spec := model.TableSpec{
			Routes: []model.Route{
				{Path: "/something(/|$)(.*)", PathType: model.PathRegex, Backend: "b", Rewrite: rw("/$2")},
				{Path: "/bare(/|$)(.*)", PathType: model.PathRegex, Backend: "b", Rewrite: rw("$2")},
				{Path: `/dot([^/]*)/(.*)`, PathType: model.PathRegex, Backend: "b", Rewrite: rw("/$1$1/$2")},
				{Path: "/plain", PathType: model.PathRegex, Backend: "b"},
			},
			Backends: echoBackends(t, "b"),
		}
		addr, _ := actionProxy(t, spec, path)
		cases := []struct{ uri, path, query string }{
			{"/something/new?a=1", "/new", "a=1"},
			{"/SOMETHING/New/", "/New/", ""},
			{"/something", "/", ""},
			{"/bare/x/y", "/x/y", ""},
			{"/dot./etc", "/etc", ""}, // "/../etc" cleaned
			{"/dot%2e/etc", "/etc", ""},
			{"/PLAINer/x", "/PLAINer/x", ""},
		}
		for _, c := range cases {
			got := echoOf(t, exchangeRaw(t, addr, "GET "+c.uri+" HTTP/1.1\r\nHost: app.test\r\n\r\n", "GET"))
			if got.Path != c.path || got.Query != c.query {
				t.Errorf("%s: backend saw path %q query %q, want %q %q", c.uri, got.Path, got.Query, c.path, c.query)
			}
		}
		if res := exchangeRaw(t, addr, "GET /other HTTP/1.1\r\nHost: app.test\r\n\r\n", "GET"); res.Status != 404 {
			t.Errorf("GET /other: status %d, want 404", res.Status)
		}
	})
}

// TestRegexPathMatchDoesNotAllocate: routing by a regex path allocates
// nothing once warm.
func TestRegexPathMatchDoesNotAllocate(t *testing.T) {
	tbl := matchTable(t, model.TableSpec{Routes: []model.Route{
		{Host: "h.test", Path: `/api/v\d+/(users|groups)`, PathType: model.PathRegex, Backend: "b"},
	}})
	q := routeRequest{host: "h.test", path: "/API/v2/users/17"}
	if r := tbl.route(&q); r == nil || r.backend.name != "b" {
		t.Fatalf("route(%s) = %v, want backend b", q.path, r)
	}
	if n := testing.AllocsPerRun(100, func() { tbl.route(&q) }); n != 0 {
		t.Errorf("routing by a regex path allocates %v times, want 0", n)
	}
}
