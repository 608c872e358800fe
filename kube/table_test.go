package kube

import (
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/firsthop/firsthop/kube/internal/kubetest"
	"github.com/firsthop/firsthop/kube/resolve"
	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/clientip"
)

// testBackend resolves a backend named name to port 80 of Service
// ns/svc, which exists.
func testBackend(t *testing.T, name, ns, svc string) *resolve.Backend {
	t.Helper()
	r := resolve.New(resolve.Cluster{Services: []*corev1.Service{kubetest.Service(ns, svc)}}, resolve.Options{}, nil)
	b, problems := r.Backend(resolve.BackendRef{Name: name, Service: types.NamespacedName{Namespace: ns, Name: svc}, Port: resolve.Port{Number: 80}})
	if len(problems) != 0 {
		t.Fatalf("resolving %s: %v", name, problems)
	}
	return b
}

// TestMergeRule: the parts of several processors are merged in order;
// a part that takes a name or a scope the base or an earlier part has
// is left out whole, never merged over the other.
func TestMergeRule(t *testing.T) {
	t.Parallel()
	web := testBackend(t, "shop/web:80", "shop", "web")
	gwWeb := testBackend(t, "gateway:shop/web:80", "shop", "web")
	ingressPart := Part{
		Routes:         []model.Route{{Host: "a.example.com", Path: "/", PathType: model.PathPrefix, Backend: web.Name}},
		DefaultBackend: web.Name,
		Backends:       []*resolve.Backend{web},
		Policies:       []model.Policy{{Name: "Ingress shop/web", Allow: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}},
		Problems:       []resolve.Problem{{Reason: "FromIngress"}},
	}
	gatewayPart := func() Part {
		return Part{
			Routes:    []model.Route{{Scope: "gateway/shop/gw", Host: "a.example.com", Path: "/", PathType: model.PathPrefix, Backend: gwWeb.Name}},
			Backends:  []*resolve.Backend{gwWeb},
			Scopes:    []model.ScopeSpec{{Name: "gateway/shop/gw", Wildcards: model.WildcardSuffix}},
			Listeners: []model.ListenerSpec{{Name: "gateway/shop/gw/http", Address: "127.0.0.1:0", Scope: "gateway/shop/gw"}},
			Problems:  []resolve.Problem{{Reason: "FromGateway"}},
		}
	}
	base := model.TableSpec{
		Node:     "node-a",
		ClientIP: clientip.Policy{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}},
		Policies: []model.Policy{{Name: "edge", Deny: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}}},
	}
	baseListeners := []model.ListenerSpec{{Name: "http", Address: "127.0.0.1:0"}}
	names := []string{"ingress", "gateway"}

	t.Run("distinct parts are merged in order", func(t *testing.T) {
		t.Parallel()
		m, refused := merge(base, baseListeners, names, []Part{ingressPart, gatewayPart()})
		if len(refused) != 0 {
			t.Fatalf("refused %v", refused)
		}
		spec := m.spec(base, func(*resolve.Backend) []model.Endpoint { return nil })
		if len(spec.Routes) != 2 || spec.Routes[0].Scope != "" || spec.Routes[1].Scope != "gateway/shop/gw" {
			t.Errorf("routes %+v, want the Ingress one, then the Gateway one", spec.Routes)
		}
		if got := []string{spec.Backends[0].Name, spec.Backends[1].Name}; !slices.Equal(got, []string{"gateway:shop/web:80", "shop/web:80"}) {
			t.Errorf("backends %q, want both, by name", got)
		}
		if len(spec.Policies) != 2 || spec.Policies[0].Name != "edge" {
			t.Errorf("policies %+v, want the config file's first", spec.Policies)
		}
		if spec.DefaultBackend != web.Name || len(spec.Scopes) != 1 || spec.Node != "node-a" || !reflect.DeepEqual(spec.ClientIP, base.ClientIP) {
			t.Errorf("table %+v", spec)
		}
		if got := m.listenersFor(baseListeners); len(got) != 2 || got[0].Name != "http" || got[1].Name != "gateway/shop/gw/http" {
			t.Errorf("listeners %+v, want the base's, then the Gateway's", got)
		}
		if err := spec.Validate(); err != nil {
			t.Errorf("Validate: %v", err)
		}
	})

	refusals := []struct {
		name string
		edit func(*Part)
		want string
	}{
		{"a backend name an earlier part has", func(p *Part) { p.Backends = append(p.Backends, web) }, `backend "shop/web:80" is ingress's`},
		{"a policy name of the config file", func(p *Part) { p.Policies = []model.Policy{{Name: "edge"}} }, `policy "edge" is the config file's`},
		{"a policy name of an earlier part", func(p *Part) { p.Policies = []model.Policy{{Name: "Ingress shop/web"}} }, `policy "Ingress shop/web" is ingress's`},
		{"a listener name of the config file", func(p *Part) { p.Listeners[0].Name = "http" }, `listener "http" is the config file's`},
		{"a route in an earlier part's scope", func(p *Part) { p.Routes[0].Scope = "" }, `scope "" is ingress's`},
		{"a listener in an earlier part's scope", func(p *Part) { p.Listeners[0].Scope = "" }, `scope "" is ingress's`},
		{"a second default backend", func(p *Part) { p.DefaultBackend = gwWeb.Name }, "the default backend is ingress's"},
	}
	for _, tc := range refusals {
		t.Run("a part taking "+tc.name+" is left out whole", func(t *testing.T) {
			t.Parallel()
			gw := gatewayPart()
			tc.edit(&gw)
			m, refused := merge(base, baseListeners, names, []Part{ingressPart, gw})
			if len(refused) != 1 || refused[0].Processor != "gateway" || !strings.Contains(refused[0].Reason, tc.want) {
				t.Fatalf("refused %v, want the gateway part, for %s", refused, tc.want)
			}
			alone, _ := merge(base, baseListeners, names[:1], []Part{ingressPart})
			eps := func(*resolve.Backend) []model.Endpoint { return nil }
			if got, want := m.spec(base, eps), alone.spec(base, eps); !reflect.DeepEqual(got, want) {
				t.Errorf("table\n%s\nwant the Ingress part's alone\n%s", kubetest.Render(got), kubetest.Render(want))
			}
			if got := m.listenersFor(baseListeners); !reflect.DeepEqual(got, baseListeners) {
				t.Errorf("listeners %+v, want the base's only", got)
			}
			var reasons []string
			for _, p := range m.problems {
				reasons = append(reasons, p.Reason)
			}
			if !slices.Equal(reasons, []string{"FromIngress", "FromGateway"}) {
				t.Errorf("problems %q: a refused part's problems are still reported", reasons)
			}
		})
	}
}
