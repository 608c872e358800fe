package proxy

import (
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/firsthop/firsthop/model"
)

func TestHeaderModApplyOrder(t *testing.T) {
	t.Parallel()
	m := newHeaderMod(&model.HeaderModifier{
		Remove: []string{"X-Gone", "X-Set"},
		Set:    []model.Header{{Name: "X-Set", Value: "set"}, {Name: "X-Both", Value: "set"}},
		Add:    []model.Header{{Name: "X-Both", Value: "added"}, {Name: "X-Add", Value: "a1"}, {Name: "X-Add", Value: "a2"}},
	})
	h := http.Header{"X-Gone": {"g"}, "X-Set": {"old"}, "X-Both": {"old"}, "X-Add": {"old"}, "X-Keep": {"k"}}
	m.apply(h)
	want := http.Header{"X-Set": {"set"}, "X-Both": {"set", "added"}, "X-Add": {"old", "a1", "a2"}, "X-Keep": {"k"}}
	if !reflect.DeepEqual(h, want) {
		t.Errorf("got %v, want %v", h, want)
	}
	// The Set values are shared by every request: an Add after a Set
	// must not write into them.
	h2 := http.Header{}
	m.apply(h2)
	if got := m.set[1].values; len(got) != 1 || got[0] != "set" {
		t.Errorf("a request's Add changed the shared Set value: %q", got)
	}
	if got := m.add[1].values; len(got) != 1 || got[0] != "a1" {
		t.Errorf("a request's second Add changed the shared value of its first: %q", got)
	}
	if want := (http.Header{"X-Set": {"set"}, "X-Both": {"set", "added"}, "X-Add": {"a1", "a2"}}); !reflect.DeepEqual(h2, want) {
		t.Errorf("on an empty header: got %v, want %v", h2, want)
	}
	var nilMod *headerMod
	nilMod.apply(h2) // nil: nothing, no panic
	if newHeaderMod(&model.HeaderModifier{}) != nil || newHeaderMod(nil) != nil {
		t.Error("an empty modifier compiles to something")
	}
}

func TestFreeConnectionListed(t *testing.T) {
	t.Parallel()
	h := http.Header{
		"Connection":        {"keep-alive, X-Set", "Upgrade, x-other, X-Forwarded-Proto"},
		"X-Set":             {"client"},
		"X-Other":           {"o"},
		"Upgrade":           {"websocket"},
		"X-Forwarded-Proto": {"https"},
		"X-Keep":            {"k"},
	}
	freeConnectionListed(h)
	want := http.Header{
		"Connection":        {"keep-alive, Upgrade, X-Forwarded-Proto"},
		"Upgrade":           {"websocket"},
		"X-Forwarded-Proto": {"https"},
		"X-Keep":            {"k"},
	}
	if !reflect.DeepEqual(h, want) {
		t.Errorf("got %v, want %v", h, want)
	}
	h = http.Header{"Connection": {"X-A"}, "X-A": {"a"}}
	if freeConnectionListed(h); len(h) != 0 {
		t.Errorf("got %v, want nothing left", h)
	}
}

// TestHeaderModifiersThroughListeners: on every serving path the backend
// gets the route's request modifier (Remove, Set, Add), then the chosen
// backend's; the client gets the backend's response modifier, then the
// route's; firsthop's forwarding headers are its own.
func TestHeaderModifiersThroughListeners(t *testing.T) {
	onEveryPath(t, func(t *testing.T, path actionPath) {
		spec := model.TableSpec{
			Headers: model.ForwardedHeaders{XForwardedFor: model.HeaderAppend, Forwarded: model.HeaderAppend},
			Routes: []model.Route{{Path: "/", Split: []model.WeightedBackend{{Backend: "b", Weight: 1,
				RequestHeaders: &model.HeaderModifier{Set: []model.Header{{Name: "X-Both", Value: "backend"}},
					Add: []model.Header{{Name: "X-Order", Value: "backend"}}},
				ResponseHeaders: &model.HeaderModifier{Add: []model.Header{{Name: "X-Order", Value: "backend"}},
					Set: []model.Header{{Name: "X-Test-Backend", Value: "renamed"}}},
			}},
				RequestHeaders: &model.HeaderModifier{
					Remove: []string{"X-Secret"},
					Set:    []model.Header{{Name: "X-Both", Value: "route"}, {Name: "X-Tenant", Value: "a"}},
					Add:    []model.Header{{Name: "X-Order", Value: "route"}},
				},
				ResponseHeaders: &model.HeaderModifier{Add: []model.Header{{Name: "X-Order", Value: "route"}}},
			}},
			Backends: echoBackends(t, "b"),
		}
		addr, _ := actionProxy(t, spec, path)
		res := exchangeRaw(t, addr, "GET / HTTP/1.1\r\nHost: app.test\r\nX-Secret: s\r\nX-Tenant: evil\r\nX-Order: client\r\n"+
			"X-Forwarded-For: 6.6.6.6\r\n\r\n", "GET")
		got := echoOf(t, res)
		want := map[string][]string{
			"X-Secret": nil, "X-Both": {"backend"}, "X-Tenant": {"a"}, "X-Order": {"client", "route", "backend"},
			"X-Forwarded-For": {"127.0.0.1"},
		}
		for k, v := range want {
			if g := got.Headers[k]; !reflect.DeepEqual(g, v) {
				t.Errorf("backend saw %s %q, want %q", k, g, v)
			}
		}
		if g := res.Header["X-Order"]; !reflect.DeepEqual(g, []string{"backend", "route"}) {
			t.Errorf("client got X-Order %q, want backend, route", g)
		}
		if g := res.Header.Get("X-Test-Backend"); g != "renamed" {
			t.Errorf("client got X-Test-Backend %q, want renamed", g)
		}
		if path.listener == "std" {
			// A client cannot strip a header its route sets by naming it
			// in Connection (the fast loop hands such a request to
			// net/http).
			got := echoOf(t, exchangeRaw(t, addr, "GET / HTTP/1.1\r\nHost: app.test\r\nConnection: X-Tenant, X-Secret\r\nX-Secret: s\r\n\r\n", "GET"))
			if g := got.Headers["X-Tenant"]; !reflect.DeepEqual(g, []string{"a"}) {
				t.Errorf("with Connection: X-Tenant, backend saw X-Tenant %q, want a", g)
			}
		}
	})
}

// TestHeaderModifierCannotInjectFields: a modifier value holding CR or LF
// (which Validate refuses; this table is built without it) never becomes
// a field of its own, upstream or to the client: the lean path refuses to
// write it, net/http's transport too, and response values have CR and LF
// turned to spaces.
func TestHeaderModifierCannotInjectFields(t *testing.T) {
	evil := "x\r\nInjected: 1"
	onEveryPath(t, func(t *testing.T, path actionPath) {
		sb := startRawBackend(t, nil)
		spec := model.TableSpec{
			Routes: []model.Route{
				{Path: "/req", Backend: "b", RequestHeaders: &model.HeaderModifier{Set: []model.Header{{Name: "X-Evil", Value: evil}}}},
				{Path: "/resp", Backend: "b", ResponseHeaders: &model.HeaderModifier{Set: []model.Header{{Name: "X-Evil", Value: evil}}}},
				{Path: "/direct", Respond: &model.DirectResponse{Status: 200}, ResponseHeaders: &model.HeaderModifier{Set: []model.Header{{Name: "X-Evil", Value: evil}}}},
			},
			Backends: []model.Backend{{Name: "b", Endpoints: []model.Endpoint{{Addr: sb.addr}}}},
		}
		if path.protocol == model.ProtocolH2C {
			spec.Backends = echoBackends(t, "b")
		}
		addr, _ := actionProxy(t, spec, path)
		if res := exchangeRaw(t, addr, "GET /req HTTP/1.1\r\nHost: app.test\r\n\r\n", "GET"); res.Status < 400 {
			t.Errorf("/req: got %d, want a refusal", res.Status)
		}
		for _, req := range sb.requests() {
			if req.Header.Get("Injected") != "" || strings.Contains(req.Header.Get("X-Evil"), "\n") {
				t.Errorf("the backend got an injected field: %v", req.Header)
			}
		}
		for _, p := range []string{"/resp", "/direct"} {
			res := exchangeRaw(t, addr, "GET "+p+" HTTP/1.1\r\nHost: app.test\r\n\r\n", "GET")
			if res.Header.Get("Injected") != "" || res.Status != http.StatusOK {
				t.Errorf("%s: got %d with header %v, want 200 without Injected", p, res.Status, res.Header)
			}
		}
	})
}

// TestRouteIdentityHeaderWinsOverStrip: on a listener that trusts no
// peer, an identity header a route's modifier sets (ingress-nginx's
// x-forwarded-prefix) reaches the backend with the route's value, on
// every upstream path, while the client's own copies of it, and of the
// other identity headers, are still removed.
func TestRouteIdentityHeaderWinsOverStrip(t *testing.T) {
	onEveryPath(t, func(t *testing.T, path actionPath) {
		spec := model.TableSpec{
			Routes: []model.Route{{Path: "/", Backend: "b", RequestHeaders: &model.HeaderModifier{
				Set: []model.Header{{Name: "X-Forwarded-Prefix", Value: "/api"}},
				Add: []model.Header{{Name: "X-Forwarded-Tenant", Value: "route"}},
			}}},
			Backends: echoBackends(t, "b"),
		}
		addr, _ := actionProxy(t, spec, path)
		res := exchangeRaw(t, addr, "GET / HTTP/1.1\r\nHost: app.test\r\nX-Forwarded-Prefix: /evil\r\n"+
			"X-Forwarded-Tenant: client\r\nX-Client-Ip: 6.6.6.6\r\nX-Forwarded-User: mallory\r\n\r\n", "GET")
		got := echoOf(t, res)
		want := map[string][]string{
			"X-Forwarded-Prefix": {"/api"}, "X-Forwarded-Tenant": {"route"},
			"X-Client-Ip": nil, "X-Forwarded-User": nil,
		}
		for k, v := range want {
			if g := got.Headers[k]; !reflect.DeepEqual(g, v) {
				t.Errorf("backend saw %s %q, want %q", k, g, v)
			}
		}
	})
}
