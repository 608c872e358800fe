package proxy

import (
	"slices"
	"testing"

	"github.com/firsthop/firsthop/model"
)

// TestServeMatchesByScopeHeaderQueryMethod sends requests through real
// listeners, on the fast loop and on net/http's server, in two scopes and
// the default one, and checks the backend each reaches: both paths match
// routes with the one Table.route.
func TestServeMatchesByScopeHeaderQueryMethod(t *testing.T) {
	t.Parallel()
	names := []string{"canary", "stable", "v2", "deleter", "other", "fallback"}
	var backends []model.Backend
	for _, n := range names {
		backends = append(backends, model.Backend{Name: n, Endpoints: []model.Endpoint{{Addr: namedEchoBackend(t, n)}}})
	}
	spec := model.TableSpec{
		Routes: []model.Route{
			{Scope: "gw-a", Host: "app.test", Path: "/", Backend: "stable"},
			{Scope: "gw-a", Host: "app.test", Path: "/", Headers: []model.HeaderMatch{{Name: "X-Env", Value: "canary"}}, Backend: "canary"},
			{Scope: "gw-a", Host: "app.test", Path: "/q", Query: []model.QueryMatch{{Name: "v", Value: "2"}}, Backend: "v2"},
			{Scope: "gw-a", Host: "app.test", Path: "/m", Method: "DELETE", Backend: "deleter"},
			{Scope: "gw-b", Host: "app.test", Path: "/b-only", Backend: "other"},
		},
		Backends:       backends,
		DefaultBackend: "fallback",
	}
	p := startProxyWith(t, spec, Options{Listeners: []model.ListenerSpec{
		{Name: "fast-a", Address: "127.0.0.1:0", Scope: "gw-a"},
		{Name: "std-a", Address: "127.0.0.1:0", Scope: "gw-a", H2C: true},
		{Name: "fast-b", Address: "127.0.0.1:0", Scope: "gw-b"},
		{Name: "std-b", Address: "127.0.0.1:0", Scope: "gw-b", H2C: true},
		{Name: "fast-default", Address: "127.0.0.1:0"},
		{Name: "std-default", Address: "127.0.0.1:0", H2C: true},
	}})
	for _, l := range []string{"fast-a", "fast-b", "fast-default"} {
		if p.srv.listeners[l].fast == nil {
			t.Fatalf("listener setup: want the fast loop on %s", l)
		}
	}
	for _, l := range []string{"std-a", "std-b", "std-default"} {
		if p.srv.listeners[l].fast != nil {
			t.Fatalf("listener setup: want net/http's server on %s", l)
		}
	}
	const host = "Host: app.test\r\n"
	tests := []struct {
		name, scope, head string
		want              string // the backend, "" for 404
	}{
		{"no match: the route without", "a", "GET / HTTP/1.1\r\n" + host, "stable"},
		{"header exact, name in lower case", "a", "GET / HTTP/1.1\r\n" + host + "x-env: canary\r\n", "canary"},
		{"header value differs", "a", "GET / HTTP/1.1\r\n" + host + "X-Env: stable\r\n", "stable"},
		{"header on two lines is joined", "a", "GET / HTTP/1.1\r\n" + host + "X-Env: canary\r\nX-Env: x\r\n", "stable"},
		{"query exact", "a", "GET /q?v=2 HTTP/1.1\r\n" + host, "v2"},
		{"query percent-encoded", "a", "GET /q?w=1&v=%32 HTTP/1.1\r\n" + host, "v2"},
		{"query first value counts", "a", "GET /q?v=3&v=2 HTTP/1.1\r\n" + host, "stable"},
		{"method", "a", "DELETE /m HTTP/1.1\r\n" + host, "deleter"},
		{"another method", "a", "GET /m HTTP/1.1\r\n" + host, "stable"},
		{"another scope's route is not served", "b", "GET / HTTP/1.1\r\n" + host + "X-Env: canary\r\n", ""},
		{"the scope's own route", "b", "GET /b-only HTTP/1.1\r\n" + host, "other"},
		{"no default backend outside the default scope", "a", "GET / HTTP/1.1\r\nHost: other.test\r\n", ""},
		{"the default scope serves none of the scoped routes", "default", "GET / HTTP/1.1\r\n" + host + "X-Env: canary\r\n", "fallback"},
	}
	for _, tc := range tests {
		for _, path := range []string{"fast", "std"} {
			t.Run(tc.name+"/"+path, func(t *testing.T) {
				t.Parallel()
				addr := p.srv.Addr(path + "-" + tc.scope).String()
				got := sendRaw(t, addr, tc.head+"Connection: close\r\n\r\n")
				if len(got) != 1 {
					t.Fatalf("got %d responses, want 1", len(got))
				}
				switch {
				case tc.want == "" && got[0].status != 404:
					t.Errorf("got %d from %q, want 404", got[0].status, got[0].header.Get("X-Test-Backend"))
				case tc.want != "" && (got[0].status != 200 || got[0].header.Get("X-Test-Backend") != tc.want):
					t.Errorf("got %d from %q, want 200 from %q", got[0].status, got[0].header.Get("X-Test-Backend"), tc.want)
				}
			})
		}
	}
}

// TestDebugShowsRouteMatches: /debug/table shows each route's scope,
// method, header and query matches and order, and /debug/client-ip finds
// the route of the named listener's scope.
func TestDebugShowsRouteMatches(t *testing.T) {
	t.Parallel()
	spec := model.TableSpec{
		Routes: []model.Route{
			{Path: "/", Backend: "b"},
			{Scope: "gw", Host: "app.test", Path: "/api", Method: "GET", Order: 3, Backend: "b",
				Headers: []model.HeaderMatch{{Name: "X-Env", Value: "canary"}, {Name: "X-Debug", Type: model.MatchPresent}},
				Query:   []model.QueryMatch{{Name: "v", Type: model.MatchRegex, Value: "[0-9]+"}}},
			{Scope: "gw", Host: "app.test", Path: "/p", Backend: "b", Policies: []string{"office"}},
		},
		Backends: []model.Backend{{Name: "b"}},
		Policies: []model.Policy{{Name: "office", Allow: prefixList("198.51.100.0/24")}},
	}
	p := startProxyWith(t, spec, Options{Listeners: []model.ListenerSpec{
		{Name: "public", Address: "127.0.0.1:0"},
		{Name: "gateway", Address: "127.0.0.1:0", Scope: "gw"},
	}})
	admin := "http://" + p.srv.AdminAddr().String()
	var table debugTable
	getJSON(t, admin+"/debug/table", &table)
	if len(table.Routes) != 3 {
		t.Fatalf("routes %+v", table.Routes)
	}
	if r := table.Routes[0]; r.Scope != "" || r.Method != "" || r.Headers != nil || r.Query != nil || r.Order != 0 {
		t.Errorf("a plain route shows %+v", r)
	}
	r := table.Routes[1]
	wantHeaders := []debugMatch{{Name: "X-Env", Type: "Exact", Value: "canary"}, {Name: "X-Debug", Type: "Present"}}
	wantQuery := []debugMatch{{Name: "v", Type: "RegularExpression", Value: "[0-9]+"}}
	if r.Scope != "gw" || r.Method != "GET" || r.Order != 3 || r.Host != "app.test" || r.Path != "/api" ||
		!slices.Equal(r.Headers, wantHeaders) || !slices.Equal(r.Query, wantQuery) {
		t.Errorf("route %+v, want scope gw, method GET, order 3, headers %+v, query %+v", r, wantHeaders, wantQuery)
	}

	for _, tc := range []struct {
		listener string
		want     int // verdicts
	}{{"gateway", 1}, {"public", 0}} {
		var d debugDecision
		getJSON(t, admin+"/debug/client-ip?peer=198.51.100.7&listener="+tc.listener+"&host=app.test&path=/p", &d)
		if len(d.Policies) != tc.want {
			t.Errorf("listener %s: verdicts %+v, want %d", tc.listener, d.Policies, tc.want)
		}
	}
}
