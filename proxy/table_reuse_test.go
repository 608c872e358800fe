package proxy

import (
	"net/http"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/firsthop/firsthop/model"
)

func TestApplyReusesUnchangedBackends(t *testing.T) {
	t.Parallel()
	eps := func(addrs ...string) []model.Endpoint {
		var out []model.Endpoint
		for _, a := range addrs {
			out = append(out, model.Endpoint{Addr: netip.MustParseAddrPort(a), Node: "node-a"})
		}
		return out
	}
	a, b, c := eps("10.0.0.1:80"), eps("10.0.0.2:80"), eps("10.0.0.3:80")
	spec := model.TableSpec{
		Node:     "node-a",
		Routes:   []model.Route{{Path: "/a", Backend: "a"}, {Path: "/b", Backend: "b"}, {Path: "/c", Backend: "c"}},
		Backends: []model.Backend{{Name: "a", Endpoints: a}, {Name: "b", Endpoints: b}, {Name: "c", Endpoints: c}},
	}
	s := NewServer(Options{})
	if err := s.Apply(spec); err != nil {
		t.Fatal(err)
	}
	first := s.Table()

	// b gets a new endpoint list, c an equal copy of its old one, a the
	// very same slice.
	next := spec
	next.Backends = []model.Backend{{Name: "a", Endpoints: a}, {Name: "b", Endpoints: eps("10.0.0.9:80")}, {Name: "c", Endpoints: eps("10.0.0.3:80")}}
	if err := s.Apply(next); err != nil {
		t.Fatal(err)
	}
	second := s.Table()
	if second.backends["a"] != first.backends["a"] || second.backends["c"] != first.backends["c"] {
		t.Error("unchanged backends were compiled again")
	}
	if second.backends["b"] == first.backends["b"] {
		t.Fatal("the changed backend was reused")
	}
	if got := second.backends["b"].groups[0][0].Addr.String(); got != "10.0.0.9:80" {
		t.Errorf("changed backend has endpoint %s", got)
	}
	if r := second.routeFor("", "/b"); r == nil || r.backend != second.backends["b"] {
		t.Error("the route to the changed backend does not reach its new compiled form")
	}

	// A new node changes every ranking: nothing is reused.
	moved := next
	moved.Node = "node-b"
	if err := s.Apply(moved); err != nil {
		t.Fatal(err)
	}
	for name, be := range s.Table().backends {
		if be == second.backends[name] {
			t.Errorf("backend %s reused across a node change", name)
		}
	}
}

// TestSameBackendCoversEveryField changes each field of a Backend in turn:
// sameBackend must notice every one, so that a field added later cannot be
// forgotten there (and a changed setting be ignored by a table update).
func TestSameBackendCoversEveryField(t *testing.T) {
	t.Parallel()
	base := model.Backend{
		Name:      "x",
		Endpoints: []model.Endpoint{{Addr: netip.MustParseAddrPort("10.0.0.1:80"), ForNodes: []string{"n"}, ForZones: []string{"z"}}},
	}
	v := reflect.ValueOf(&base).Elem()
	for i := range v.NumField() {
		f := v.Type().Field(i)
		changed := base
		changed.Endpoints = append([]model.Endpoint(nil), base.Endpoints...)
		cv := reflect.ValueOf(&changed).Elem().Field(i)
		switch cv.Kind() {
		case reflect.String:
			cv.SetString(cv.String() + "-changed")
		case reflect.Bool:
			cv.SetBool(!cv.Bool())
		case reflect.Int, reflect.Int64, reflect.Uint8:
			if cv.CanInt() {
				cv.SetInt(cv.Int() + 1)
			} else {
				cv.SetUint(cv.Uint() + 1)
			}
		case reflect.Struct: // PassiveHealth
			changed.PassiveHealth.Ejection += time.Second
		case reflect.Pointer: // Affinity: set, and any of its fields
			changed.Affinity = &model.Affinity{CookieName: "c"}
			other := changed
			other.Affinity = &model.Affinity{CookieName: "c", Secure: true}
			if sameBackend(&changed, &other) {
				t.Errorf("sameBackend ignores a change inside Backend.%s", f.Name)
			}
		case reflect.Slice:
			if cv.Type().Elem().Kind() == reflect.Uint8 { // TLS material
				cv.SetBytes([]byte("changed"))
				break
			}
			// Endpoints: each endpoint field
			for j := range reflect.TypeOf(model.Endpoint{}).NumField() {
				e := base.Endpoints[0]
				ev := reflect.ValueOf(&e).Elem().Field(j)
				switch ev.Kind() {
				case reflect.String:
					ev.SetString("changed")
				case reflect.Uint8:
					ev.SetUint(ev.Uint() + 1)
				case reflect.Slice:
					ev.Set(reflect.ValueOf([]string{"other"}))
				case reflect.Struct: // Addr
					e.Addr = netip.MustParseAddrPort("10.0.0.2:80")
				default:
					t.Fatalf("Endpoint.%s: kind %s not covered by this test", ev.Type().Field(j).Name, ev.Kind())
				}
				other := base
				other.Endpoints = []model.Endpoint{e}
				if sameBackend(&base, &other) {
					t.Errorf("sameBackend ignores Endpoint.%s", reflect.TypeOf(model.Endpoint{}).Field(j).Name)
				}
			}
			continue
		default:
			t.Fatalf("Backend.%s: kind %s not covered by this test", f.Name, cv.Kind())
		}
		if sameBackend(&base, &changed) {
			t.Errorf("sameBackend ignores Backend.%s", f.Name)
		}
	}
	same := base
	same.Endpoints = append([]model.Endpoint(nil), base.Endpoints...)
	if !sameBackend(&base, &same) {
		t.Error("an equal copy is not the same")
	}
}

func TestApplyRebindsTheRouterOfUnchangedRoutes(t *testing.T) {
	t.Parallel()
	ep := func(a string) []model.Endpoint { return []model.Endpoint{{Addr: netip.MustParseAddrPort(a)}} }
	spec := model.TableSpec{
		Routes: []model.Route{
			{Host: "a.example", Path: "/", Backend: "a"},
			{Host: "a.example", Path: "/b", Backend: "b"},
			{Host: "*.w.example", Path: "/", Backend: "b"},
			{Host: "c.example", Path: "/", Backend: "c"},
			{Path: "/any", Backend: "b"},
		},
		Backends: []model.Backend{{Name: "a", Endpoints: ep("10.0.0.1:80")}, {Name: "b", Endpoints: ep("10.0.0.2:80")}, {Name: "c", Endpoints: ep("10.0.0.3:80")}},
	}
	s := NewServer(Options{})
	if err := s.Apply(spec); err != nil {
		t.Fatal(err)
	}
	first := s.Table()

	// The same routes and backends: the router itself is kept.
	if err := s.Apply(spec); err != nil {
		t.Fatal(err)
	}
	if s.Table().router != first.router {
		t.Error("an unchanged table got a new router")
	}

	// b changes: every rule naming it follows, and only its path sets
	// are new.
	next := spec
	next.Backends = []model.Backend{spec.Backends[0], {Name: "b", Endpoints: ep("10.0.0.9:80")}, spec.Backends[2]}
	if err := s.Apply(next); err != nil {
		t.Fatal(err)
	}
	second := s.Table()
	b := second.backends["b"]
	for _, req := range []struct{ host, path, backend string }{
		{"a.example", "/b/x", "b"}, {"a.example", "/", "a"}, {"x.w.example", "/", "b"},
		{"c.example", "/", "c"}, {"other.example", "/any", "b"},
	} {
		r := second.routeFor(req.host, req.path)
		if r == nil || r.backend != second.backends[req.backend] {
			t.Errorf("%s%s: does not reach backend %s as compiled now", req.host, req.path, req.backend)
		}
	}
	if b == first.backends["b"] {
		t.Fatal("the changed backend was reused")
	}
	if second.router.def.exact["c.example"] != first.router.def.exact["c.example"] {
		t.Error("a path set without the changed backend was copied")
	}
	if first.routeFor("x.w.example", "/").backend != first.backends["b"] || first.routeFor("", "/any").backend != first.backends["b"] {
		t.Error("rebinding modified the previous table's router")
	}
}

// TestApplyRebindsScopedRoutes: a rebound router keeps each rule's scope,
// matches and order, follows a changed backend in every scope, leaves a
// rule with no backend (another action) without one, and is built anew
// when the scopes' settings change under the same routes.
func TestApplyRebindsScopedRoutes(t *testing.T) {
	t.Parallel()
	ep := func(a string) []model.Endpoint { return []model.Endpoint{{Addr: netip.MustParseAddrPort(a)}} }
	spec := model.TableSpec{
		Routes: []model.Route{
			{Scope: "gw", Host: "*.example", Path: "/", Backend: "a"},
			{Scope: "gw", Host: "*.example", Path: "/", Headers: []model.HeaderMatch{{Name: "X-Env", Value: "canary"}}, Backend: "b"},
			{Scope: "gw", Host: "*.example", Path: "/moved", Redirect: &model.Redirect{Host: "new.example"}},
			{Path: "/", Backend: "a"},
		},
		Backends: []model.Backend{{Name: "a", Endpoints: ep("10.0.0.1:80")}, {Name: "b", Endpoints: ep("10.0.0.2:80")}},
	}
	s := NewServer(Options{})
	if err := s.Apply(spec); err != nil {
		t.Fatal(err)
	}
	first := s.Table()
	next := spec
	next.Backends = []model.Backend{spec.Backends[0], {Name: "b", Endpoints: ep("10.0.0.9:80")}}
	if err := s.Apply(next); err != nil {
		t.Fatal(err)
	}
	second := s.Table()
	canary := &routeRequest{scope: "gw", host: "x.example", path: "/", header: http.Header{"X-Env": {"canary"}}}
	if r := second.route(canary); r == nil || r.backend != second.backends["b"] || r.backend == first.backends["b"] {
		t.Error("the header route of a scope does not reach its changed backend as compiled now")
	}
	if r := second.route(&routeRequest{scope: "gw", host: "x.example", path: "/"}); r == nil || r.backend != second.backends["a"] {
		t.Error("the plain route of a scope lost its place")
	}
	if r := second.route(&routeRequest{scope: "gw", host: "x.example", path: "/moved"}); r == nil || r.backend != nil {
		t.Errorf("the redirect route became %+v", r)
	}
	if r := second.route(&routeRequest{scope: "gw", host: "a.b.example", path: "/"}); r != nil {
		t.Error("a one-label wildcard covered two labels")
	}

	// The same routes, a scope's wildcards changed: a new router.
	suffix := next
	suffix.Scopes = []model.ScopeSpec{{Name: "gw", Wildcards: model.WildcardSuffix}}
	if err := s.Apply(suffix); err != nil {
		t.Fatal(err)
	}
	if r := s.Table().route(&routeRequest{scope: "gw", host: "a.b.example", path: "/"}); r == nil || r.backend.name != "a" {
		t.Error("the scope's new wildcard rule was not applied to its kept routes")
	}
}
