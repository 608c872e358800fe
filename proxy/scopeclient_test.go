package proxy

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/clientip"
)

// TestScopeClientIPSettings: a scope with a client-IP policy and
// forwarding headers of its own (a Gateway whose class names client-IP
// parameters) believes the proxies it trusts and writes its headers, on the
// fast loop and on net/http's server, while the default scope keeps the
// table's settings, which trust nobody.
func TestScopeClientIPSettings(t *testing.T) {
	t.Parallel()
	be := startRawBackend(t, nil)
	gwHeaders := model.ForwardedHeaders{XForwardedFor: model.HeaderReplace, Forwarded: model.HeaderOff, XRealIP: true}
	spec := model.TableSpec{
		Routes: []model.Route{
			{Scope: "gw", Path: "/", Backend: "b"},
			{Path: "/", Backend: "b"},
		},
		Backends: []model.Backend{{Name: "b", Endpoints: []model.Endpoint{{Addr: be.addr}}}},
		Scopes: []model.ScopeSpec{{Name: "gw", Wildcards: model.WildcardSuffix,
			ClientIP: &clientip.Policy{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
				Headers: []clientip.Header{clientip.HeaderXForwardedFor}},
			Headers: &gwHeaders}},
	}
	p := startProxyWith(t, spec, Options{Listeners: []model.ListenerSpec{
		{Name: "fast-gw", Address: "127.0.0.1:0", Scope: "gw"},
		{Name: "std-gw", Address: "127.0.0.1:0", Scope: "gw", H2C: true},
		{Name: "fast-default", Address: "127.0.0.1:0"},
	}})
	const req = "GET / HTTP/1.1\r\nHost: app.test\r\nX-Forwarded-For: 203.0.113.7\r\nConnection: close\r\n\r\n"
	for _, l := range []string{"fast-gw", "std-gw", "fast-default"} {
		got := sendRaw(t, p.srv.Addr(l).String(), req)
		if len(got) != 1 || got[0].status != 200 {
			t.Fatalf("%s: got %v, want one 200", l, statuses(got))
		}
	}
	seen := be.requests()
	if len(seen) != 3 {
		t.Fatalf("backend saw %d requests, want 3", len(seen))
	}
	for i, l := range []string{"fast-gw", "std-gw"} {
		h := seen[i].Header
		if xff, real, fwd := h.Values("X-Forwarded-For"), h.Get("X-Real-Ip"), h.Values("Forwarded"); strings.Join(xff, ",") != "203.0.113.7" ||
			real != "203.0.113.7" || len(fwd) != 0 {
			t.Errorf("%s: X-Forwarded-For %q, X-Real-IP %q, Forwarded %q; want the scope's settings: 203.0.113.7 replaced, 203.0.113.7, none",
				l, xff, real, fwd)
		}
	}
	h := seen[2].Header
	if xff, real := h.Values("X-Forwarded-For"), h.Get("X-Real-Ip"); strings.Join(xff, ",") != "127.0.0.1" || real != "" {
		t.Errorf("default scope: X-Forwarded-For %q, X-Real-IP %q; want the table's settings: the peer only, no X-Real-IP", xff, real)
	}
	if len(h.Values("Forwarded")) != 1 {
		t.Errorf("default scope: Forwarded %q, want the table's (appended)", h.Values("Forwarded"))
	}
}

// TestScopeSpecEqual: scopes compare by value, so that a table rebuilt
// from equal settings reuses its router, and a changed policy does not.
func TestScopeSpecEqual(t *testing.T) {
	mk := func(trust string, xrealip bool) model.ScopeSpec {
		return model.ScopeSpec{Name: "gw", ClientIP: &clientip.Policy{TrustedProxies: []netip.Prefix{netip.MustParsePrefix(trust)}},
			Headers: &model.ForwardedHeaders{XRealIP: xrealip}}
	}
	if !mk("10.0.0.0/8", true).Equal(mk("10.0.0.0/8", true)) {
		t.Error("equal settings in different pointers compare unequal")
	}
	if mk("10.0.0.0/8", true).Equal(mk("10.0.0.0/16", true)) || mk("10.0.0.0/8", true).Equal(mk("10.0.0.0/8", false)) {
		t.Error("different settings compare equal")
	}
	if (model.ScopeSpec{Name: "gw"}).Equal(mk("10.0.0.0/8", true)) {
		t.Error("a scope without settings equals one with")
	}
}
