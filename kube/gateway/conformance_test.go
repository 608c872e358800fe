package gateway

import (
	"math/rand/v2"
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/types"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

const infra = "gateway-conformance-infra"

// TestConformanceRouteConditions asserts the route conditions the
// conformance tests check, on their own manifests.
func TestConformanceRouteConditions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file, ns, route, condition, status, reason string
	}{
		{"httproute-invalid-backendref-unknown-kind", infra, "invalid-backend-ref-unknown-kind", "ResolvedRefs", "False", "InvalidKind"},
		{"httproute-invalid-backendref-unknown-kind", infra, "invalid-backend-ref-unknown-kind", "Accepted", "True", "Accepted"},
		{"httproute-invalid-cross-namespace-backend-ref", infra, "invalid-cross-namespace-backend-ref", "ResolvedRefs", "False", "RefNotPermitted"},
		{"httproute-invalid-cross-namespace-parent-ref", "gateway-conformance-web-backend", "invalid-cross-namespace-parent-ref", "Accepted", "False", "NotAllowedByListeners"},
		{"httproute-invalid-cross-namespace-parent-ref", "gateway-conformance-web-backend", "invalid-cross-namespace-parent-ref", "ResolvedRefs", "True", "ResolvedRefs"},
		{"httproute-invalid-nonexistent-backendref", infra, "invalid-nonexistent-backend-ref", "ResolvedRefs", "False", "BackendNotFound"},
		{"httproute-invalid-parentref-not-matching-listener-port", infra, "httproute-listener-not-matching-route-port", "Accepted", "False", "NoMatchingParent"},
		{"httproute-invalid-parentref-not-matching-section-name", infra, "httproute-listener-not-matching-section-name", "Accepted", "False", "NoMatchingParent"},
		{"httproute-invalid-parentref-section-name-not-matching-port", infra, "httproute-listener-section-name-not-matching-port", "Accepted", "False", "NoMatchingParent"},
		{"httproute-invalid-reference-grant", infra, "reference-grant", "ResolvedRefs", "False", "RefNotPermitted"},
		{"httproute-reference-grant", infra, "reference-grant", "ResolvedRefs", "True", "ResolvedRefs"},
		{"httproute-partially-invalid-via-invalid-reference-grant", infra, "invalid-reference-grant", "ResolvedRefs", "False", "RefNotPermitted"},
		{"httproute-hostname-intersection", infra, "no-intersecting-hosts", "Accepted", "False", "NoMatchingListenerHostname"},
		{"gateway-with-attached-routes", infra, "http-route-not-accepted", "Accepted", "False", "NoMatchingListenerHostname"},
		{"gateway-with-attached-routes", infra, "http-route-4", "ResolvedRefs", "False", "BackendNotFound"},
		{"httproute-cors", infra, "cors-multiple-origins-methods-headers", "Accepted", "True", "Accepted"},
		{"httproute-cors", infra, "cors-wildcard-methods-headers", "ResolvedRefs", "True", "ResolvedRefs"},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.route+"/"+tt.condition, func(t *testing.T) {
			t.Parallel()
			f := loadFixture(t, "testdata/base.yaml", "testdata/secrets.yaml", "testdata/conformance/"+tt.file+".yaml")
			res := Translate(f.snap, f, testOptions(f.snap))
			parents, ok := res.Status.HTTPRoutes[types.NamespacedName{Namespace: tt.ns, Name: tt.route}]
			if !ok || len(parents) != 1 {
				t.Fatalf("route %s has parents %+v, want one", tt.route, parents)
			}
			c := conditions{list: parents[0].Conditions}
			got, ok := c.get(tt.condition)
			if !ok || string(got.Status) != tt.status || got.Reason != tt.reason {
				t.Errorf("%s = %s/%s (%q), want %s/%s", tt.condition, got.Status, got.Reason, got.Message, tt.status, tt.reason)
			}
		})
	}
}

// TestConformanceListenerConditions asserts the listener conditions and
// attached route counts the conformance tests check.
func TestConformanceListenerConditions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file, gateway, listener, condition, status, reason string
		attached                                           int32
		kinds                                              int
	}{
		{"gateway-invalid-route-kind", "gateway-only-invalid-route-kind", "http", "ResolvedRefs", "False", "InvalidRouteKinds", 0, 0},
		{"gateway-invalid-route-kind", "gateway-supported-and-invalid-route-kind", "http", "ResolvedRefs", "False", "InvalidRouteKinds", 0, 1},
		{"gateway-invalid-tls-configuration", "gateway-certificate-nonexistent-secret", "https", "ResolvedRefs", "False", "InvalidCertificateRef", 0, 2},
		{"gateway-invalid-tls-configuration", "gateway-certificate-unsupported-group", "https", "ResolvedRefs", "False", "InvalidCertificateRef", 0, 2},
		{"gateway-invalid-tls-configuration", "gateway-certificate-unsupported-kind", "https", "ResolvedRefs", "False", "InvalidCertificateRef", 0, 2},
		{"gateway-invalid-tls-configuration", "gateway-certificate-malformed-secret", "https", "ResolvedRefs", "False", "InvalidCertificateRef", 0, 2},
		{"gateway-invalid-listeners-unsupported-protocol", "gateway-only-unsupported-protocols", "invalid", "Accepted", "False", "UnsupportedProtocol", 0, 0},
		{"gateway-secret-invalid-reference-grant", "gateway-secret-invalid-reference-grant", "https", "ResolvedRefs", "False", "RefNotPermitted", 0, 2},
		{"gateway-secret-missing-reference-grant", "gateway-secret-missing-reference-grant", "https", "ResolvedRefs", "False", "RefNotPermitted", 0, 2},
		{"gateway-secret-reference-grant-all-in-namespace", "gateway-secret-reference-grant-all-in-namespace", "https", "ResolvedRefs", "True", "ResolvedRefs", 0, 2},
		{"gateway-secret-reference-grant-specific", "gateway-secret-reference-grant-specific", "https", "Programmed", "True", "Programmed", 0, 2},
		{"gateway-with-attached-routes", "gateway-with-one-attached-route", "http", "Accepted", "True", "Accepted", 1, 1},
		{"gateway-with-attached-routes", "gateway-with-two-attached-routes", "http", "ResolvedRefs", "True", "ResolvedRefs", 2, 1},
		{"gateway-with-attached-routes", "unresolved-gateway-with-one-attached-unresolved-route", "tls", "Programmed", "False", "Invalid", 1, 1},
		{"gateway-with-attached-routes-with-port-8080", "gateway-with-two-listeners-and-one-attached-route", "http", "Programmed", "True", "Programmed", 1, 1},
		{"gateway-with-attached-routes-with-port-8080", "gateway-with-two-listeners-and-one-attached-route", "http-unattached", "Accepted", "True", "Accepted", 0, 1},
		{"httproute-invalid-cross-namespace-parent-ref", "same-namespace", "http", "Accepted", "True", "Accepted", 0, 2},
		{"gateway-modify-listeners", "gateway-remove-listener", "https", "Programmed", "True", "Programmed", 1, 2},
		{"gateway-modify-listeners", "gateway-remove-listener", "http", "Programmed", "True", "Programmed", 1, 2},
	}
	for _, tt := range tests {
		t.Run(tt.gateway+"/"+tt.listener+"/"+tt.condition, func(t *testing.T) {
			t.Parallel()
			f := loadFixture(t, "testdata/base.yaml", "testdata/secrets.yaml", "testdata/conformance/"+tt.file+".yaml")
			res := Translate(f.snap, f, testOptions(f.snap))
			gs, ok := res.Status.Gateways[types.NamespacedName{Namespace: infra, Name: tt.gateway}]
			if !ok {
				t.Fatalf("no status for Gateway %s", tt.gateway)
			}
			for _, l := range gs.Listeners {
				if string(l.Name) != tt.listener {
					continue
				}
				c := conditions{list: l.Conditions}
				got, _ := c.get(tt.condition)
				if string(got.Status) != tt.status || got.Reason != tt.reason {
					t.Errorf("%s = %s/%s (%q), want %s/%s", tt.condition, got.Status, got.Reason, got.Message, tt.status, tt.reason)
				}
				if l.AttachedRoutes != tt.attached || len(l.SupportedKinds) != tt.kinds {
					t.Errorf("attachedRoutes %d, %d kinds; want %d, %d", l.AttachedRoutes, len(l.SupportedKinds), tt.attached, tt.kinds)
				}
				return
			}
			t.Fatalf("no status for listener %s", tt.listener)
		})
	}
}

// TestGatewayConditions asserts the Gateway conditions of the
// unsupported-protocol and static-address tests.
func TestGatewayConditions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file, gateway, condition, status, reason string
		addresses                                int
	}{
		{"conformance/gateway-invalid-listeners-unsupported-protocol", "gateway-only-unsupported-protocols", "Accepted", "False", "ListenersNotValid", 1},
		{"conformance/gateway-invalid-listeners-unsupported-protocol", "gateway-supported-and-unsupported-protocols", "Accepted", "True", "ListenersNotValid", 1},
		{"cases/static-addresses", "static-invalid-type", "Accepted", "False", "UnsupportedAddress", 0},
		{"cases/static-addresses", "static-unusable", "Accepted", "True", "Accepted", 0},
		{"cases/static-addresses", "static-unusable", "Programmed", "False", "AddressNotUsable", 0},
		{"cases/static-addresses", "static-usable", "Programmed", "True", "Programmed", 1},
	}
	for _, tt := range tests {
		t.Run(tt.gateway+"/"+tt.condition, func(t *testing.T) {
			t.Parallel()
			f := loadFixture(t, "testdata/base.yaml", "testdata/"+tt.file+".yaml")
			res := Translate(f.snap, f, testOptions(f.snap))
			gs := res.Status.Gateways[types.NamespacedName{Namespace: infra, Name: tt.gateway}]
			c := conditions{list: gs.Conditions}
			got, _ := c.get(tt.condition)
			if string(got.Status) != tt.status || got.Reason != tt.reason {
				t.Errorf("%s = %s/%s (%q), want %s/%s", tt.condition, got.Status, got.Reason, got.Message, tt.status, tt.reason)
			}
			if len(gs.Addresses) != tt.addresses {
				t.Errorf("addresses %v, want %d", gs.Addresses, tt.addresses)
			}
		})
	}
}

// TestGatewaysIsolated: the four base Gateways all listen on port 80 with
// no hostname; a route attached to one is in that Gateway's scope only.
// The fifth, on 443, has HTTPS listeners whose certificates are of its
// scope only.
func TestGatewaysIsolated(t *testing.T) {
	t.Parallel()
	f := loadFixture(t, "testdata/base.yaml", "testdata/secrets.yaml", "testdata/conformance/httproute-simple-same-namespace.yaml")
	res := Translate(f.snap, f, testOptions(f.snap))
	routes, certs := 0, 0
	addrs := map[string]string{}
	for _, sc := range res.Scopes {
		for _, c := range sc.Certificates {
			certs++
			if c.Scope != sc.Spec.Name {
				t.Errorf("certificate %v of scope %q, want %q", c.Names, c.Scope, sc.Spec.Name)
			}
		}
		for _, l := range sc.Listeners {
			if l.Scope != sc.Spec.Name {
				t.Errorf("listener %s serves scope %q, want %q", l.Name, l.Scope, sc.Spec.Name)
			}
			if prev, ok := addrs[l.Address]; ok {
				t.Errorf("address %s bound by %s and %s", l.Address, prev, sc.Spec.Name)
			}
			addrs[l.Address] = sc.Spec.Name
		}
		for _, r := range sc.Routes {
			if r.Scope != sc.Spec.Name {
				t.Errorf("route in scope %q, want %q", r.Scope, sc.Spec.Name)
			}
			if r.Respond == nil {
				routes++
				if sc.Gateway.Name != "same-namespace" {
					t.Errorf("the route is in Gateway %s's scope", sc.Gateway)
				}
			}
		}
	}
	if routes != 1 {
		t.Errorf("%d routes forward, want 1", routes)
	}
	if certs == 0 {
		t.Error("no scope has a certificate")
	}
}

// TestDeterministic: the order of the snapshot's slices changes nothing.
func TestDeterministic(t *testing.T) {
	t.Parallel()
	f := loadFixture(t, "testdata/base.yaml", "testdata/secrets.yaml",
		"testdata/conformance/httproute-query-param-matching.yaml", "testdata/conformance/gateway-with-attached-routes.yaml",
		"testdata/conformance/grpcroute-header-matching.yaml")
	want := Translate(f.snap, f, testOptions(f.snap))
	r := rand.New(rand.NewPCG(1, 2))
	for range 5 {
		s := f.snap
		s.Gateways = shuffled(r, s.Gateways)
		s.HTTPRoutes = shuffled(r, s.HTTPRoutes)
		s.GRPCRoutes = shuffled(r, s.GRPCRoutes)
		got := Translate(s, f, testOptions(s))
		if !reflect.DeepEqual(render(got), render(want)) {
			t.Fatalf("shuffled input gives another result:\n%s", diffLines(render(want), render(got)))
		}
	}
}

func shuffled[T any](r *rand.Rand, s []T) []T {
	s = append([]T(nil), s...)
	r.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
	return s
}

// TestOneBadRouteDoesNotDisturbOthers: a route with only unsupported rules
// is not accepted, and the other routes on the same listener are served.
func TestOneBadRouteDoesNotDisturbOthers(t *testing.T) {
	t.Parallel()
	f := loadFixture(t, "testdata/base.yaml", "testdata/conformance/httproute-simple-same-namespace.yaml", "testdata/cases/unsupported.yaml")
	res := Translate(f.snap, f, testOptions(f.snap))
	bad := res.Status.HTTPRoutes[types.NamespacedName{Namespace: infra, Name: "all-rules-unsupported"}]
	if len(bad) != 1 || bad[0].Conditions[0].Status != "False" || bad[0].Conditions[0].Reason != string(gatewayv1.RouteReasonUnsupportedValue) {
		t.Errorf("all-rules-unsupported: %+v", bad)
	}
	good := res.Status.HTTPRoutes[types.NamespacedName{Namespace: infra, Name: "gateway-conformance-infra-test"}]
	if len(good) != 1 || good[0].Conditions[0].Status != "True" {
		t.Errorf("the good route: %+v", good)
	}
	for _, sc := range res.Scopes {
		if sc.Gateway.Name == "same-namespace" && len(sc.Routes) == 0 {
			t.Error("the good route is not served")
		}
	}
}

// TestListenerIsolationWithHostnameIntersection asserts that a route
// serves none of its hosts that a more specific listener of its port
// covers: such a request is that listener's (GatewayHTTPListenerIsolation,
// "intersecting hostnames are configured in listeners and HTTPRoutes":
// bar.foo.example.com/wildcard-example-com answers 404).
func TestListenerIsolationWithHostnameIntersection(t *testing.T) {
	t.Parallel()
	f := loadFixture(t, "testdata/base.yaml", "testdata/secrets.yaml", "testdata/conformance/gateway-http-listener-isolation-with-hostname-intersection.yaml")
	res := Translate(f.snap, f, testOptions(f.snap))
	const scope = "gateway/" + infra + "/http-listener-isolation-with-hostname-intersection:80"
	got := map[string][]string{}
	for _, sc := range res.Scopes {
		if sc.Spec.Name != scope {
			continue
		}
		for _, r := range sc.Routes {
			if r.Respond == nil {
				got[r.Path] = append(got[r.Path], r.Host)
			}
		}
	}
	want := map[string][]string{
		"/empty-hostname":           {"bar.com"},
		"/wildcard-example-com":     {"*.example.com"},
		"/wildcard-foo-example-com": {"*.foo.example.com"},
		"/abc-foo-example-com":      {"abc.foo.example.com"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("hosts by path = %v, want %v", got, want)
	}
}
