package ingress

import (
	"fmt"
	"net/netip"
	"reflect"
	"slices"
	"testing"

	"github.com/firsthop/firsthop/kube/internal/kubetest"
	"github.com/firsthop/firsthop/kube/resolve"
	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy"
	"github.com/firsthop/firsthop/proxy/clientip"
)

// summary is what a test asserts about a Problem: the message is for
// people and is only checked for being there.
func summary(p resolve.Problem) string {
	s := fmt.Sprintf("%s %s/%s %s", p.Object.Kind, p.Object.Namespace, p.Object.Name, p.Reason)
	if p.Skipped {
		s += " (skipped)"
	}
	return s
}

func TestTranslate(t *testing.T) {
	t.Parallel()
	web := func(ns string, port string, eps ...model.Endpoint) model.Backend {
		return model.Backend{Name: ns + "/web:" + port, Endpoints: eps}
	}
	prefix := func(host, path, backend string) model.Route {
		return model.Route{Host: host, Path: path, PathType: model.PathPrefix, Backend: backend}
	}
	exact := func(host, path, backend string) model.Route {
		return model.Route{Host: host, Path: path, PathType: model.PathExact, Backend: backend}
	}
	base := model.TableSpec{
		Node:     "node-a",
		Zone:     "zone-1",
		ClientIP: clientip.Policy{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}},
		Headers:  model.ForwardedHeaders{XForwardedFor: model.HeaderReplace, XRealIP: true},
		// Ignored: they come from the cluster.
		Routes:         []model.Route{prefix("", "/", "file")},
		Backends:       []model.Backend{{Name: "file"}},
		DefaultBackend: "file",
	}
	classWeb := web("shop", "80", kubetest.Endpoint("10.1.0.5:8080", "node-a", "zone-1"))

	tests := []struct {
		name         string
		fixture      string
		opts         Options
		ro           resolve.Options
		want         model.TableSpec
		wantProblems []string
	}{
		{
			name:    "class filtering: spec class name and annotation naming our class",
			fixture: "class-filtering",
			want: model.TableSpec{
				Routes: []model.Route{
					prefix("annotation.example.com", "/", "shop/web:80"),
					prefix("class-name.example.com", "/", "shop/web:80"),
				},
				Backends: []model.Backend{classWeb},
			},
		},
		{
			name:    "class filtering: --watch-ingress-without-class adds Ingresses naming no class",
			fixture: "class-filtering",
			opts:    Options{WatchWithoutClass: true},
			want: model.TableSpec{
				Routes: []model.Route{
					prefix("annotation.example.com", "/", "shop/web:80"),
					prefix("class-name.example.com", "/", "shop/web:80"),
					prefix("no-class.example.com", "/", "shop/web:80"),
				},
				Backends: []model.Backend{classWeb},
			},
		},
		{
			name:    "class filtering: another controller name sees other Ingresses",
			fixture: "class-filtering",
			opts:    Options{ControllerName: "k8s.io/ingress-nginx"},
			want: model.TableSpec{
				Routes: []model.Route{
					prefix("no-class.example.com", "/", "shop/web:80"),
					prefix("other-annotation.example.com", "/", "shop/web:80"),
					prefix("other-class.example.com", "/", "shop/web:80"),
					prefix("spec-wins.example.com", "/", "shop/web:80"),
				},
				Backends: []model.Backend{classWeb},
			},
		},
		{
			name:    "class filtering: our default class claims Ingresses naming no class",
			fixture: "class-default",
			want: model.TableSpec{
				Routes:   []model.Route{prefix("no-class.example.com", "/", "shop/web:80")},
				Backends: []model.Backend{web("shop", "80")},
			},
		},
		{
			name:    "default backend: the oldest Ingress's defaultBackend wins",
			fixture: "default-backend",
			want: model.TableSpec{
				Routes:         []model.Route{prefix("shop.example.com", "/cart", "edge/fallback:80")},
				Backends:       []model.Backend{{Name: "edge/fallback:80", Endpoints: []model.Endpoint{kubetest.Endpoint("10.2.0.7:8080", "", "")}}},
				DefaultBackend: "edge/fallback:80",
			},
			wantProblems: []string{"Ingress edge/newer RouteConflict"},
		},
		{
			name:    "wildcard hosts: exact, wildcard and any host, made canonical; a bad wildcard skips its Ingress",
			fixture: "wildcard-hosts",
			want: model.TableSpec{
				Routes: []model.Route{
					exact("", "/any", "sites/web:80"),
					prefix("*.example.com", "/", "sites/web:80"),
					prefix("example.com", "/", "sites/web:80"),
				},
				Backends: []model.Backend{web("sites", "80", kubetest.Endpoint("10.3.0.1:8080", "", ""))},
			},
			wantProblems: []string{"Ingress sites/bad-wildcard InvalidHost (skipped)"},
		},
		{
			name:    "port by name: Service port number or name, slice ports by the Service port's name",
			fixture: "port-by-name",
			want: model.TableSpec{
				Routes: []model.Route{
					prefix("api.example.com", "/", "shop/api:http"),
					prefix("api.example.com", "/gone", "shop/missing:80"),
					exact("api.example.com", "/metrics", "shop/api:9090"),
					prefix("api.example.com", "/nope", "shop/api:grpc"),
					prefix("api.example.com", "/udp", "shop/api:53"),
					prefix("api.example.com", "/v80", "shop/api:80"),
				},
				Backends: []model.Backend{
					{Name: "shop/api:53"},
					{Name: "shop/api:80", Endpoints: []model.Endpoint{kubetest.Endpoint("10.4.0.1:8080", "node-a", "zone-1"), kubetest.Endpoint("10.4.0.2:8081", "node-b", "zone-2")}},
					{Name: "shop/api:9090", Endpoints: []model.Endpoint{kubetest.Endpoint("10.4.0.1:9090", "node-a", "zone-1")}},
					{Name: "shop/api:grpc"},
					{Name: "shop/api:http", Endpoints: []model.Endpoint{kubetest.Endpoint("10.4.0.1:8080", "node-a", "zone-1"), kubetest.Endpoint("10.4.0.2:8081", "node-b", "zone-2")}},
					{Name: "shop/missing:80"},
				},
			},
			wantProblems: []string{
				"Ingress shop/api PortNotFound",
				"Ingress shop/api PortNotFound",
				"Ingress shop/api ServiceNotFound",
			},
		},
		{
			name:    "conflict resolution: the oldest Ingress wins, ties by namespace then name",
			fixture: "conflict-resolution",
			want: model.TableSpec{
				Routes: []model.Route{
					prefix("app.example.com", "/", "team-a/blue:80"),
					prefix("app.example.com", "/docs", "team-a/blue:80"),
					exact("app.example.com", "/docs", "team-a/blue:80"),
					prefix("app.example.com", "/only-newer", "team-b/green:80"),
					exact("app.example.com", "/tie", "team-a/green:80"),
				},
				Backends: []model.Backend{{Name: "team-a/blue:80"}, {Name: "team-a/green:80"}, {Name: "team-b/green:80"}},
			},
			wantProblems: []string{
				"Ingress team-a/tie RouteConflict",
				"Ingress team-b/newer RouteConflict",
				"Ingress team-b/newer RouteConflict",
				"Ingress team-b/newer RouteConflict",
			},
		},
		{
			name:    "ExternalName refused: routes kept, backends answer 503",
			fixture: "externalname",
			want: model.TableSpec{
				Routes: []model.Route{
					prefix("shop.example.com", "/meta", "shop/metadata:80"),
					prefix("shop.example.com", "/partner", "shop/partner:https"),
				},
				Backends: []model.Backend{{Name: "shop/metadata:80"}, {Name: "shop/partner:https"}},
			},
			wantProblems: []string{"Ingress shop/partner ExternalNameRefused", "Ingress shop/partner ExternalNameRefused"},
		},
		{
			name:    "ExternalName allowed: resolved, loopback and link-local refused",
			fixture: "externalname",
			ro: resolve.Options{AllowExternalName: true, DNS: kubetest.DNS{
				"partner.example.net": {netip.MustParseAddr("2001:db8::10"), netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("192.0.2.10")},
			}},
			want: model.TableSpec{
				Routes: []model.Route{
					prefix("shop.example.com", "/meta", "shop/metadata:80"),
					prefix("shop.example.com", "/partner", "shop/partner:https"),
				},
				Backends: []model.Backend{
					{Name: "shop/metadata:80"},
					{Name: "shop/partner:https", Endpoints: []model.Endpoint{kubetest.Endpoint("192.0.2.10:443", "", ""), kubetest.Endpoint("[2001:db8::10]:443", "", "")}},
				},
			},
			wantProblems: []string{"Ingress shop/partner ExternalNameUnresolved"},
		},
		{
			name:    "terminating endpoints: kept as terminating, not-serving left out",
			fixture: "terminating-endpoints",
			want: model.TableSpec{
				Routes: []model.Route{
					prefix("", "/", "shop/web:http"),
					prefix("", "/draining", "shop/draining:http"),
				},
				Backends: []model.Backend{
					{Name: "shop/draining:http", Endpoints: []model.Endpoint{
						kubetest.Terminating(kubetest.Endpoint("10.6.0.1:8080", "node-a", "")),
						kubetest.Terminating(kubetest.Endpoint("10.6.0.2:8080", "", "")),
					}},
					{Name: "shop/web:http", Endpoints: []model.Endpoint{
						kubetest.Endpoint("10.5.0.1:8080", "", ""),
						kubetest.Endpoint("10.5.0.2:8080", "", ""),
						kubetest.Terminating(kubetest.Endpoint("10.5.0.3:8080", "", "")),
					}},
				},
			},
		},
		{
			name:    "slices merged: duplicates removed, FQDN and foreign slices ignored, IPv6 kept, hints kept",
			fixture: "slices-merged",
			want: model.TableSpec{
				Routes: []model.Route{prefix("", "/", "shop/web:80")},
				Backends: []model.Backend{web("shop", "80",
					model.Endpoint{Addr: netip.MustParseAddrPort("10.7.0.1:8080"), Node: "node-a", Zone: "zone-1", ForNodes: []string{"node-a"}, ForZones: []string{"zone-1"}},
					kubetest.Endpoint("10.7.0.2:8080", "node-b", "zone-2"),
					kubetest.Endpoint("[fd00:10:7::1]:8080", "node-c", "zone-3"),
				)},
			},
		},
		{
			name:    "bad Ingresses are skipped whole, the good one is served",
			fixture: "bad-ingress",
			want: model.TableSpec{
				Routes: []model.Route{
					prefix("good.example.com", "/", "shop/web:80"),
					prefix("good.example.com", "/ok", "shop/web:80"),
				},
				Backends: []model.Backend{web("shop", "80")},
			},
			wantProblems: []string{
				"Ingress shop/no-port InvalidBackend (skipped)",
				"Ingress shop/resource-backend InvalidBackend (skipped)",
				"Ingress shop/unclean-path InvalidPath (skipped)",
			},
		},
		{
			name:    "locality: Service annotation, Ingress annotation, trafficDistribution, default",
			fixture: "locality",
			want: model.TableSpec{
				Routes: []model.Route{
					prefix("", "/annotated", "loc/annotated:80"),
					prefix("", "/bad", "loc/bad-annotation:80"),
					prefix("", "/close", "loc/close:80"),
					prefix("", "/plain", "loc/plain:80"),
					prefix("", "/same-node", "loc/same-node:80"),
					prefix("", "/same-zone", "loc/same-zone:80"),
					prefix("local.example.com", "/annotated", "loc/annotated:80"),
					prefix("local.example.com", "/only-local", "loc/only-local:80"),
					prefix("local.example.com", "/plain", "loc/plain:80"),
				},
				Backends: []model.Backend{
					{Name: "loc/annotated:80", Locality: model.LocalityCluster},
					{Name: "loc/bad-annotation:80", Locality: model.LocalityPreferZone},
					{Name: "loc/close:80", Locality: model.LocalityPreferZone},
					{Name: "loc/only-local:80", Locality: model.LocalityLocal},
					{Name: "loc/plain:80", Locality: model.LocalityCluster},
					{Name: "loc/same-node:80", Locality: model.LocalityPreferLocal},
					{Name: "loc/same-zone:80", Locality: model.LocalityPreferZone},
				},
			},
			ro: resolve.Options{DefaultLocality: model.LocalityCluster},
			wantProblems: []string{
				"Service loc/bad-annotation InvalidLocality",
				"Ingress loc/wants-local LocalityConflict",
			},
		},
		{
			name:    "ImplementationSpecific is Prefix; regular expressions are literal and reported",
			fixture: "implementation-specific",
			want: model.TableSpec{
				Routes: []model.Route{
					prefix("impl.example.com", "/", "shop/web:80"),
					prefix("impl.example.com", "/api", "shop/web:80"),
					exact("impl.example.com", "/café", "shop/web:80"),
					prefix("impl.example.com", "/v1(/|$)(.*)", "shop/web:80"),
				},
				Backends: []model.Backend{web("shop", "80")},
			},
			wantProblems: []string{"Ingress shop/impl RegexPathNotSupported"},
		},
		{
			name:    "backend protocol: the Ingress annotation, else the Service port's appProtocol, else HTTP/1.1",
			fixture: "backend-protocol",
			want: model.TableSpec{
				Routes: []model.Route{
					prefix("annotated.example.com", "/", "shop/grpc:h2c"),
					prefix("app.example.com", "/odd", "shop/grpc:81"),
					prefix("app.example.com", "/tls", "shop/grpc:tls"),
					prefix("conflict.example.com", "/", "shop/grpc:h2c"),
				},
				Backends: []model.Backend{
					{Name: "shop/grpc:81"},
					{Name: "shop/grpc:h2c", Protocol: model.ProtocolHTTPS, TLSInsecureSkipVerify: true},
					{Name: "shop/grpc:tls", Protocol: model.ProtocolHTTPS, TLSInsecureSkipVerify: true},
				},
			},
			wantProblems: []string{
				"Ingress shop/conflicting InvalidBackendProtocol",
				"Ingress shop/conflicting BackendProtocolConflict",
			},
		},
		{
			name:    "route options: allow-trace and keep-encoded-slashes reach every route of their Ingress",
			fixture: "route-options",
			want: model.TableSpec{
				Routes: []model.Route{
					prefix("plain.example.com", "/", "shop/web:80"),
					{Host: "registry.example.com", Path: "/health", PathType: model.PathExact, Backend: "shop/web:80",
						AllowTrace: true, KeepEncodedSlashes: true},
					{Host: "registry.example.com", Path: "/v2", PathType: model.PathPrefix, Backend: "shop/web:80",
						AllowTrace: true, KeepEncodedSlashes: true},
					prefix("unclear.example.com", "/", "shop/web:80"),
				},
				Backends: []model.Backend{web("shop", "80")},
			},
			wantProblems: []string{"Ingress shop/unclear InvalidRouteOption"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			snap := loadFixture(t, tc.fixture)
			got, problems := Translate(snap, base, tc.opts, tc.ro)

			want := tc.want
			want.Node, want.Zone, want.ClientIP, want.Headers = base.Node, base.Zone, base.ClientIP, base.Headers
			if !reflect.DeepEqual(got, want) {
				t.Errorf("table:\n%s\nwant:\n%s", kubetest.Render(got), kubetest.Render(want))
			}
			var gotProblems []string
			for _, p := range problems {
				gotProblems = append(gotProblems, summary(p))
				if p.Message == "" || p.Object.APIVersion == "" {
					t.Errorf("problem without message or API version: %+v", p)
				}
			}
			if !slices.Equal(gotProblems, tc.wantProblems) {
				t.Errorf("problems:\n%q\nwant:\n%q", gotProblems, tc.wantProblems)
				for _, p := range problems {
					t.Logf("  %s", p)
				}
			}
			if _, err := proxy.NewTable(got); err != nil {
				t.Errorf("proxy.NewTable: %v", err)
			}
		})
	}
}

// TestTestClassIsOurs: kubetest's IngressClasses name this processor's
// default controller, so that the tests' Ingresses are served.
func TestTestClassIsOurs(t *testing.T) {
	t.Parallel()
	if kubetest.ControllerName != DefaultControllerName {
		t.Errorf("kubetest.ControllerName = %q, want %q", kubetest.ControllerName, DefaultControllerName)
	}
}
