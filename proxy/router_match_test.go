package proxy

import (
	"net/http"
	"testing"

	"github.com/firsthop/firsthop/model"
)

// matchTable compiles spec, adding a backend for every name its routes and
// default backend use.
func matchTable(t testing.TB, spec model.TableSpec) *Table {
	t.Helper()
	names := map[string]bool{}
	add := func(n string) {
		if n != "" && !names[n] {
			names[n] = true
			spec.Backends = append(spec.Backends, model.Backend{Name: n})
		}
	}
	for _, r := range spec.Routes {
		add(r.Backend)
	}
	add(spec.DefaultBackend)
	tbl, err := NewTable(spec)
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

// matchCase is one request and the backend it must reach ("" for none).
type matchCase struct {
	name  string
	q     routeRequest
	lines []string // header field lines "Name: value", added in order
	want  string
}

func (c matchCase) run(t *testing.T, tbl *Table) {
	t.Helper()
	q := c.q
	if q.path == "" {
		q.path = "/"
	}
	if len(c.lines) > 0 {
		q.header = http.Header{}
		for _, l := range c.lines {
			name, value, _ := cutField(l)
			q.header.Add(name, value) // canonicalises the name
		}
	}
	got := ""
	if r := tbl.route(&q); r != nil {
		got = r.backend.name
	}
	if got != c.want {
		t.Errorf("route(%+v) reaches %q, want %q", q, got, c.want)
	}
}

func cutField(l string) (name, value string, ok bool) {
	for i := 0; i < len(l); i++ {
		if l[i] == ':' {
			v := l[i+1:]
			for len(v) > 0 && v[0] == ' ' {
				v = v[1:]
			}
			return l[:i], v, true
		}
	}
	return l, "", false
}

// TestRouterPrecedence takes each step of the model's precedence (a-f in
// match.go) on routes listed in the order that would win without it.
func TestRouterPrecedence(t *testing.T) {
	t.Parallel()
	present := func(names ...string) []model.HeaderMatch {
		var out []model.HeaderMatch
		for _, n := range names {
			out = append(out, model.HeaderMatch{Name: n, Type: model.MatchPresent})
		}
		return out
	}
	param := func(names ...string) []model.QueryMatch {
		var out []model.QueryMatch
		for _, n := range names {
			out = append(out, model.QueryMatch{Name: n, Type: model.MatchPresent})
		}
		return out
	}
	tbl := matchTable(t, model.TableSpec{Routes: []model.Route{
		// a: path length, then Exact before Prefix; a longer path beats a method.
		{Host: "a.test", Path: "/x", Method: "GET", Backend: "short-get"},
		{Host: "a.test", Path: "/x/y", Backend: "long"},
		{Host: "a.test", Path: "/e", Method: "GET", Headers: present("X-A"), Backend: "prefix-matches"},
		{Host: "a.test", Path: "/e", PathType: model.PathExact, Backend: "exact"},
		// b: a method before none, even against more headers.
		{Host: "b.test", Path: "/", Headers: present("X-A", "X-B"), Query: param("q"), Backend: "headers"},
		{Host: "b.test", Path: "/", Method: "GET", Backend: "get"},
		// c: more headers first, even against more query matches.
		{Host: "c.test", Path: "/", Headers: present("X-A"), Query: param("p", "q"), Backend: "one-header"},
		{Host: "c.test", Path: "/", Headers: present("X-A", "X-B"), Backend: "two-headers"},
		// d: more query matches first, even against a lower Order.
		{Host: "d.test", Path: "/", Query: param("p"), Order: -5, Backend: "one-param"},
		{Host: "d.test", Path: "/", Query: param("p", "q"), Order: 5, Backend: "two-params"},
		// e: lower Order first.
		{Host: "e.test", Path: "/", Headers: present("X-A"), Order: 2, Backend: "order-2"},
		{Host: "e.test", Path: "/", Headers: present("X-B"), Order: 1, Backend: "order-1"},
		// f: the order of the routes, all else equal.
		{Host: "f.test", Path: "/", Headers: present("X-A"), Backend: "first"},
		{Host: "f.test", Path: "/", Headers: present("X-B"), Backend: "second"},
	}})
	for _, c := range []matchCase{
		{name: "a: longer path before a method", q: routeRequest{host: "a.test", path: "/x/y", method: "GET"}, want: "long"},
		{name: "a: the shorter path still takes its own", q: routeRequest{host: "a.test", path: "/x/z", method: "GET"}, want: "short-get"},
		{name: "a: Exact before Prefix at equal length", q: routeRequest{host: "a.test", path: "/e", method: "GET"},
			lines: []string{"X-A: 1"}, want: "exact"},
		{name: "a: Prefix where Exact does not match", q: routeRequest{host: "a.test", path: "/e/f", method: "GET"},
			lines: []string{"X-A: 1"}, want: "prefix-matches"},
		{name: "b: method first", q: routeRequest{host: "b.test", method: "GET", rawQuery: "q"}, lines: []string{"X-A: 1", "X-B: 1"}, want: "get"},
		{name: "b: the next when the method differs", q: routeRequest{host: "b.test", method: "HEAD", rawQuery: "q"},
			lines: []string{"X-A: 1", "X-B: 1"}, want: "headers"},
		{name: "b: a method is compared exactly", q: routeRequest{host: "b.test", method: "get"}, want: ""},
		{name: "c: more headers first", q: routeRequest{host: "c.test", rawQuery: "p&q"}, lines: []string{"X-A: 1", "X-B: 1"}, want: "two-headers"},
		{name: "c: the next when one is missing", q: routeRequest{host: "c.test", rawQuery: "p&q"}, lines: []string{"X-A: 1"}, want: "one-header"},
		{name: "d: more query matches first", q: routeRequest{host: "d.test", rawQuery: "q=1&p=2"}, want: "two-params"},
		{name: "d: the next when one is missing", q: routeRequest{host: "d.test", rawQuery: "p=2"}, want: "one-param"},
		{name: "e: lower Order first", q: routeRequest{host: "e.test"}, lines: []string{"X-A: 1", "X-B: 1"}, want: "order-1"},
		{name: "e: the other when only it matches", q: routeRequest{host: "e.test"}, lines: []string{"X-A: 1"}, want: "order-2"},
		{name: "f: the first route, all else equal", q: routeRequest{host: "f.test"}, lines: []string{"X-B: 1", "X-A: 1"}, want: "first"},
		{name: "f: a host with no matching rule does not fall through", q: routeRequest{host: "f.test"}, want: ""},
	} {
		t.Run(c.name, func(t *testing.T) { t.Parallel(); c.run(t, tbl) })
	}
}

// TestRouterScopes: a request is matched against the routes of its
// listener's scope only, and the default backend serves the default scope
// only.
func TestRouterScopes(t *testing.T) {
	t.Parallel()
	tbl := matchTable(t, model.TableSpec{
		Routes: []model.Route{
			{Host: "app.test", Path: "/", Backend: "default-scope"},
			{Scope: "gw-a", Host: "app.test", Path: "/", Backend: "a"},
			{Scope: "gw-b", Host: "app.test", Path: "/b", Backend: "b"},
			{Scope: "gw-b", Path: "/any", Backend: "b-any"},
		},
		DefaultBackend: "fallback",
	})
	for _, c := range []matchCase{
		{name: "default scope", q: routeRequest{host: "app.test"}, want: "default-scope"},
		{name: "scope a", q: routeRequest{scope: "gw-a", host: "app.test", path: "/b"}, want: "a"},
		{name: "scope b", q: routeRequest{scope: "gw-b", host: "app.test", path: "/b"}, want: "b"},
		{name: "a route of another scope is not served", q: routeRequest{scope: "gw-b", host: "app.test", path: "/"}, want: ""},
		{name: "nor another scope's any-host route", q: routeRequest{scope: "gw-a", host: "other.test", path: "/any"}, want: ""},
		{name: "a scope without routes", q: routeRequest{scope: "none", host: "app.test"}, want: ""},
		{name: "the default backend serves the default scope", q: routeRequest{host: "other.test"}, want: "fallback"},
		{name: "and no other", q: routeRequest{scope: "gw-a", host: "other.test"}, want: ""},
	} {
		t.Run(c.name, func(t *testing.T) { t.Parallel(); c.run(t, tbl) })
	}
}

// TestRouterWildcards: a WildcardSuffix scope's wildcards cover any number
// of extra labels, the longest suffix first; the default rule covers one.
func TestRouterWildcards(t *testing.T) {
	t.Parallel()
	var routes []model.Route
	for _, scope := range []string{"", "gw"} {
		routes = append(routes,
			model.Route{Scope: scope, Host: "*.example.com", Path: "/", Backend: scope + "*.example.com"},
			model.Route{Scope: scope, Host: "*.b.example.com", Path: "/", Backend: scope + "*.b.example.com"},
			model.Route{Scope: scope, Host: "x.b.example.com", Path: "/", Backend: scope + "x.b.example.com"},
		)
	}
	tbl := matchTable(t, model.TableSpec{Routes: routes, Scopes: []model.ScopeSpec{{Name: "gw", Wildcards: model.WildcardSuffix}}})
	for _, c := range []matchCase{
		{name: "one label: one extra label", q: routeRequest{host: "a.example.com"}, want: "*.example.com"},
		{name: "one label: the nearer suffix", q: routeRequest{host: "a.b.example.com"}, want: "*.b.example.com"},
		{name: "one label: not two extra labels", q: routeRequest{host: "a.c.example.com"}, want: ""},
		{name: "one label: not the bare domain", q: routeRequest{host: "example.com"}, want: ""},
		{name: "suffix: one extra label", q: routeRequest{scope: "gw", host: "a.example.com"}, want: "gw*.example.com"},
		{name: "suffix: two extra labels", q: routeRequest{scope: "gw", host: "a.c.example.com"}, want: "gw*.example.com"},
		{name: "suffix: the longest suffix wins", q: routeRequest{scope: "gw", host: "a.a.b.example.com"}, want: "gw*.b.example.com"},
		{name: "suffix: an exact host first", q: routeRequest{scope: "gw", host: "x.b.example.com"}, want: "gwx.b.example.com"},
		{name: "suffix: *.b.example.com does not cover b.example.com", q: routeRequest{scope: "gw", host: "b.example.com"}, want: "gw*.example.com"},
		{name: "suffix: not the bare domain of the top", q: routeRequest{scope: "gw", host: "example.com"}, want: ""},
	} {
		t.Run(c.name, func(t *testing.T) { t.Parallel(); c.run(t, tbl) })
	}
}

// TestRouterHeaderAndQueryMatches takes each kind of header, query and
// method match.
func TestRouterHeaderAndQueryMatches(t *testing.T) {
	t.Parallel()
	tbl := matchTable(t, model.TableSpec{Routes: []model.Route{
		{Host: "h.test", Path: "/", Headers: []model.HeaderMatch{{Name: "X-Env", Value: "canary"}}, Backend: "exact"},
		{Host: "h.test", Path: "/", Headers: []model.HeaderMatch{{Name: "X-Version", Type: model.MatchRegex, Value: "v[0-9]+"}}, Backend: "regex"},
		{Host: "h.test", Path: "/", Headers: []model.HeaderMatch{{Name: "X-Debug", Type: model.MatchPresent}}, Backend: "present"},
		{Host: "h.test", Path: "/", Headers: []model.HeaderMatch{{Name: "X-List", Value: "a,b"}}, Backend: "list"},
		{Host: "h.test", Path: "/", Headers: []model.HeaderMatch{{Name: "X-Rlist", Type: model.MatchRegex, Value: "a,b+"}}, Backend: "regex-list"},
		{Host: "h.test", Path: "/", Backend: "none"},
		{Host: "q.test", Path: "/", Query: []model.QueryMatch{{Name: "env", Value: "can ary/1"}}, Backend: "exact"},
		{Host: "q.test", Path: "/", Query: []model.QueryMatch{{Name: "v", Type: model.MatchRegex, Value: "v[0-9]+"}}, Backend: "regex"},
		{Host: "q.test", Path: "/", Query: []model.QueryMatch{{Name: "debug", Type: model.MatchPresent}}, Backend: "present"},
		{Host: "q.test", Path: "/", Query: []model.QueryMatch{{Name: "Debug", Value: ""}}, Backend: "case"},
		{Host: "q.test", Path: "/", Backend: "none"},
		{Host: "m.test", Path: "/", Method: "DELETE", Backend: "delete"},
		{Host: "m.test", Path: "/", Method: "PROPFIND", Backend: "propfind"},
	}})
	for _, c := range []matchCase{
		{name: "header exact", q: routeRequest{host: "h.test"}, lines: []string{"X-Env: canary"}, want: "exact"},
		{name: "header name in any case", q: routeRequest{host: "h.test"}, lines: []string{"x-ENV: canary"}, want: "exact"},
		{name: "header value compared exactly", q: routeRequest{host: "h.test"}, lines: []string{"X-Env: Canary"}, want: "none"},
		{name: "header exact, two lines, joined", q: routeRequest{host: "h.test"}, lines: []string{"X-Env: canary", "X-Env: canary"}, want: "none"},
		{name: "header exact on two lines", q: routeRequest{host: "h.test"}, lines: []string{"X-List: a", "X-List: b"}, want: "list"},
		{name: "header exact on one line", q: routeRequest{host: "h.test"}, lines: []string{"X-List: a,b"}, want: "list"},
		{name: "header exact on two lines, one too many", q: routeRequest{host: "h.test"}, lines: []string{"X-List: a", "X-List: b", "X-List: "},
			want: "none"},
		{name: "header regex", q: routeRequest{host: "h.test"}, lines: []string{"X-Version: v12"}, want: "regex"},
		{name: "header regex is anchored", q: routeRequest{host: "h.test"}, lines: []string{"X-Version: xv12"}, want: "none"},
		{name: "header regex is anchored at the end", q: routeRequest{host: "h.test"}, lines: []string{"X-Version: v12x"}, want: "none"},
		{name: "header regex on two lines", q: routeRequest{host: "h.test"}, lines: []string{"X-Rlist: a", "X-Rlist: bbb"}, want: "regex-list"},
		{name: "header present", q: routeRequest{host: "h.test"}, lines: []string{"X-Debug: "}, want: "present"},
		{name: "header absent", q: routeRequest{host: "h.test"}, lines: []string{"X-Other: canary"}, want: "none"},
		{name: "no header at all", q: routeRequest{host: "h.test"}, want: "none"},

		{name: "query exact, decoded", q: routeRequest{host: "q.test", rawQuery: "env=can+ary%2F1"}, want: "exact"},
		{name: "query exact, name encoded", q: routeRequest{host: "q.test", rawQuery: "%65nv=can%20ary/1"}, want: "exact"},
		{name: "query exact, first value counts", q: routeRequest{host: "q.test", rawQuery: "env=x&env=can+ary/1"}, want: "none"},
		{name: "query exact, first value matches", q: routeRequest{host: "q.test", rawQuery: "env=can+ary/1&env=x"}, want: "exact"},
		{name: "query exact, a badly escaped pair is skipped", q: routeRequest{host: "q.test", rawQuery: "env=%zz&env=can+ary/1"}, want: "exact"},
		{name: "query exact, a pair with ; is skipped", q: routeRequest{host: "q.test", rawQuery: "env=x;y&env=can+ary/1"}, want: "exact"},
		{name: "query regex, decoded", q: routeRequest{host: "q.test", rawQuery: "v=v%31%32"}, want: "regex"},
		{name: "query regex is anchored", q: routeRequest{host: "q.test", rawQuery: "v=v1+"}, want: "none"},
		{name: "query present without =", q: routeRequest{host: "q.test", rawQuery: "a=1&debug"}, want: "present"},
		{name: "query names are case-sensitive", q: routeRequest{host: "q.test", rawQuery: "Debug="}, want: "case"},
		{name: "query absent", q: routeRequest{host: "q.test", rawQuery: "debugx=1&xdebug"}, want: "none"},

		{name: "method", q: routeRequest{host: "m.test", method: "DELETE"}, want: "delete"},
		{name: "extension method", q: routeRequest{host: "m.test", method: "PROPFIND"}, want: "propfind"},
		{name: "method in another case", q: routeRequest{host: "m.test", method: "delete"}, want: ""},
		{name: "another method", q: routeRequest{host: "m.test", method: "GET"}, want: ""},
	} {
		t.Run(c.name, func(t *testing.T) { t.Parallel(); c.run(t, tbl) })
	}
}
