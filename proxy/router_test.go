package proxy

import (
	"net/netip"
	"testing"

	"github.com/firsthop/firsthop/model"
)

func routingTable(t *testing.T, routes []model.Route, defaultBackend string) *Table {
	t.Helper()
	names := map[string]bool{}
	var backends []model.Backend
	for _, r := range routes {
		if !names[r.Backend] {
			names[r.Backend] = true
			backends = append(backends, model.Backend{Name: r.Backend})
		}
	}
	if defaultBackend != "" && !names[defaultBackend] {
		backends = append(backends, model.Backend{Name: defaultBackend})
	}
	tbl, err := NewTable(model.TableSpec{Routes: routes, Backends: backends, DefaultBackend: defaultBackend})
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

func TestRouting(t *testing.T) {
	t.Parallel()
	routes := []model.Route{
		{Host: "app.example.com", Path: "/", PathType: model.PathPrefix, Backend: "app-root"},
		{Host: "app.example.com", Path: "/foo", PathType: model.PathPrefix, Backend: "app-foo"},
		{Host: "app.example.com", Path: "/foo/bar/", PathType: model.PathPrefix, Backend: "app-foobar"},
		{Host: "app.example.com", Path: "/exact", PathType: model.PathExact, Backend: "app-exact"},
		{Host: "app.example.com", Path: "/tie", PathType: model.PathPrefix, Backend: "tie-prefix"},
		{Host: "app.example.com", Path: "/tie", PathType: model.PathExact, Backend: "tie-exact"},
		{Host: "*.example.com", Path: "/", PathType: model.PathPrefix, Backend: "wild"},
		{Host: "only-api.example.org", Path: "/api", PathType: model.PathPrefix, Backend: "api"},
		{Host: "", Path: "/", PathType: model.PathPrefix, Backend: "any"},
	}
	tbl := routingTable(t, routes, "")
	tests := []struct {
		name, host, path string
		want             string // "" means no route
	}{
		{"exact host, root prefix", "app.example.com", "/", "app-root"},
		{"prefix matches the element itself", "app.example.com", "/foo", "app-foo"},
		{"prefix matches with trailing slash", "app.example.com", "/foo/", "app-foo"},
		{"prefix matches deeper paths", "app.example.com", "/foo/baz", "app-foo"},
		{"prefix does not match a longer element", "app.example.com", "/foobar", "app-root"},
		{"longest prefix wins", "app.example.com", "/foo/bar/x", "app-foobar"},
		{"prefix written with trailing slash matches without it", "app.example.com", "/foo/bar", "app-foobar"},
		{"exact matches only itself", "app.example.com", "/exact", "app-exact"},
		{"exact does not match a trailing slash", "app.example.com", "/exact/", "app-root"},
		{"exact beats prefix of equal length", "app.example.com", "/tie", "tie-exact"},
		{"prefix of equal length still takes deeper paths", "app.example.com", "/tie/x", "tie-prefix"},
		{"host matching ignores case", "APP.Example.COM", "/foo", "app-foo"},
		{"host matching ignores the port", "app.example.com:8080", "/foo", "app-foo"},
		{"host matching ignores a trailing dot", "app.example.com.", "/foo", "app-foo"},
		{"wildcard covers one extra label", "x.example.com", "/anything", "wild"},
		{"wildcard does not cover two extra labels", "a.b.example.com", "/", "any"},
		{"wildcard does not cover the bare domain", "example.com", "/", "any"},
		{"unknown host goes to any-host routes", "other.test", "/x", "any"},
		{"IPv6 literal host with port", "[2001:db8::1]:80", "/", "any"},
		{"a host without a matching path does not fall through", "only-api.example.org", "/web", ""},
		{"a host's own path matches", "only-api.example.org", "/api/v1", "api"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := tbl.Lookup(tc.host, tc.path)
			if !ok {
				got = ""
			}
			if got != tc.want {
				t.Errorf("Lookup(%q, %q) = %q, want %q", tc.host, tc.path, got, tc.want)
			}
		})
	}
}

func TestRoutingDefaultBackend(t *testing.T) {
	t.Parallel()
	tbl := routingTable(t, []model.Route{{Host: "a.test", Path: "/x", PathType: model.PathExact, Backend: "x"}}, "fallback")
	if got, _ := tbl.Lookup("b.test", "/"); got != "fallback" {
		t.Errorf("unmatched host went to %q, want the default backend", got)
	}
	if got, _ := tbl.Lookup("a.test", "/y"); got != "fallback" {
		t.Errorf("unmatched path went to %q, want the default backend", got)
	}
	tbl = routingTable(t, []model.Route{{Host: "a.test", Path: "/x", PathType: model.PathExact, Backend: "x"}}, "")
	if got, ok := tbl.Lookup("b.test", "/"); ok {
		t.Errorf("unmatched request went to %q with no default backend, want no route", got)
	}
}

func TestNewTableRejects(t *testing.T) {
	t.Parallel()
	ep := []model.Endpoint{{Addr: netip.MustParseAddrPort("127.0.0.1:1")}}
	tests := []struct {
		name string
		spec model.TableSpec
	}{
		{"route to undefined backend", model.TableSpec{Routes: []model.Route{{Path: "/", Backend: "nope"}}}},
		{"duplicate route", model.TableSpec{
			Backends: []model.Backend{{Name: "a", Endpoints: ep}},
			Routes:   []model.Route{{Host: "h", Path: "/p", Backend: "a"}, {Host: "h", Path: "/p/", Backend: "a"}},
		}},
		{"undefined default backend", model.TableSpec{DefaultBackend: "nope"}},
		{"duplicate backend", model.TableSpec{Backends: []model.Backend{{Name: "a"}, {Name: "a"}}}},
		{"relative path", model.TableSpec{Backends: []model.Backend{{Name: "a"}}, Routes: []model.Route{{Path: "p", Backend: "a"}}}},
		{"host not canonical", model.TableSpec{Backends: []model.Backend{{Name: "a"}}, Routes: []model.Route{{Host: "A.test", Path: "/", Backend: "a"}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := NewTable(tc.spec); err == nil {
				t.Error("NewTable accepted it, want an error")
			}
		})
	}
}

func FuzzRouting(f *testing.F) {
	for _, s := range []string{"/", "/foo", "/foo/", "/foobar", "//foo/../bar", "/%2e%2e/", "/a/./b/"} {
		f.Add("app.example.com", s)
	}
	f.Add("X.EXAMPLE.COM:80", "/foo/bar")
	f.Add("[::1]:8080", "/")
	tbl, err := NewTable(model.TableSpec{
		Backends: []model.Backend{{Name: "root"}, {Name: "foo"}, {Name: "exact"}, {Name: "wild"}},
		Routes: []model.Route{
			{Host: "app.example.com", Path: "/", Backend: "root"},
			{Host: "app.example.com", Path: "/foo", Backend: "foo"},
			{Host: "app.example.com", Path: "/foo/bar", PathType: model.PathExact, Backend: "exact"},
			{Host: "*.example.com", Path: "/", Backend: "wild"},
		},
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, host, p string) {
		clean, ok := model.CleanPath(p)
		if !ok {
			return
		}
		if again, _ := model.CleanPath(clean); again != clean {
			t.Fatalf("CleanPath is not idempotent: %q -> %q -> %q", p, clean, again)
		}
		name, found := tbl.Lookup(host, clean)
		if !found {
			return
		}
		// The route chosen must be one whose path the clean path really has.
		switch name {
		case "foo":
			if clean != "/foo" && !hasPrefixElem(clean, "/foo") {
				t.Fatalf("%q routed to foo", clean)
			}
		case "exact":
			if clean != "/foo/bar" {
				t.Fatalf("%q routed to exact", clean)
			}
		}
	})
}

func hasPrefixElem(p, prefix string) bool {
	return len(p) > len(prefix) && p[:len(prefix)] == prefix && p[len(prefix)] == '/'
}

// routeFor returns t's rule for a request of the default scope with no
// method, header or query.
func (t *Table) routeFor(host, path string) *pathRule {
	return t.route(&routeRequest{host: host, path: path})
}
