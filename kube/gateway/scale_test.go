package gateway

import (
	"fmt"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// scaleSnapshot is the base manifests with n HTTPRoutes on the
// all-namespaces Gateway, each with its own hostname, two rules (a path
// with a header match, and a weighted split) and a header modifier.
func scaleSnapshot(b testing.TB, n int) (*fixture, Snapshot) {
	f := loadFixture(b, "testdata/base.yaml")
	snap := f.snap
	pathPrefix := gatewayv1.PathMatchPathPrefix
	w70, w30 := int32(70), int32(30)
	port := gatewayv1.PortNumber(8080)
	for i := range n {
		path := fmt.Sprintf("/app-%d", i%50)
		r := &gatewayv1.HTTPRoute{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("route-%d", i), Namespace: infra, Generation: 1,
				CreationTimestamp: metav1.NewTime(time.Unix(int64(i), 0))},
			Spec: gatewayv1.HTTPRouteSpec{
				CommonRouteSpec: gatewayv1.CommonRouteSpec{ParentRefs: []gatewayv1.ParentReference{{Name: "all-namespaces"}}},
				Hostnames:       []gatewayv1.Hostname{gatewayv1.Hostname(fmt.Sprintf("host-%d.example.com", i))},
				Rules: []gatewayv1.HTTPRouteRule{{
					Matches: []gatewayv1.HTTPRouteMatch{{
						Path:    &gatewayv1.HTTPPathMatch{Type: &pathPrefix, Value: &path},
						Headers: []gatewayv1.HTTPHeaderMatch{{Name: "x-version", Value: "one"}},
					}},
					Filters: []gatewayv1.HTTPRouteFilter{{Type: gatewayv1.HTTPRouteFilterRequestHeaderModifier,
						RequestHeaderModifier: &gatewayv1.HTTPHeaderFilter{Set: []gatewayv1.HTTPHeader{{Name: "x-route", Value: "r"}}}}},
					BackendRefs: []gatewayv1.HTTPBackendRef{{BackendRef: gatewayv1.BackendRef{BackendObjectReference: gatewayv1.BackendObjectReference{Name: "infra-backend-v1", Port: &port}}}},
				}, {
					BackendRefs: []gatewayv1.HTTPBackendRef{
						{BackendRef: gatewayv1.BackendRef{Weight: &w70, BackendObjectReference: gatewayv1.BackendObjectReference{Name: "infra-backend-v1", Port: &port}}},
						{BackendRef: gatewayv1.BackendRef{Weight: &w30, BackendObjectReference: gatewayv1.BackendObjectReference{Name: "infra-backend-v2", Port: &port}}},
					},
				}},
			},
		}
		snap.HTTPRoutes = append(snap.HTTPRoutes, r)
	}
	return f, snap
}

// BenchmarkTranslate5000Routes translates 5,000 HTTPRoutes (10,000 model
// routes) with their status.
func BenchmarkTranslate5000Routes(b *testing.B) {
	f, snap := scaleSnapshot(b, 5000)
	o := testOptions(snap)
	b.ReportAllocs()
	for b.Loop() {
		res := Translate(snap, f, o)
		if len(res.Status.HTTPRoutes) != 5000 {
			b.Fatalf("%d routes have status", len(res.Status.HTTPRoutes))
		}
	}
}

// TestScaleRoutesAllServed: every one of 5,000 routes is accepted and
// served (the benchmark above times the same translation).
func TestScaleRoutesAllServed(t *testing.T) {
	if testing.Short() {
		t.Skip("scale test")
	}
	f, snap := scaleSnapshot(t, 5000)
	res := Translate(snap, f, testOptions(snap))
	n := 0
	for _, sc := range res.Scopes {
		if sc.Gateway.Name == "all-namespaces" {
			n = len(sc.Routes)
		}
	}
	if n != 10000 {
		t.Errorf("%d model routes, want 10000", n)
	}
}
