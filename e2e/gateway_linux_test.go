package e2e

import (
	"fmt"
	"net/http"
	"net/netip"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
	gatewayclient "sigs.k8s.io/gateway-api/pkg/client/clientset/versioned"
)

// TestGatewayAPI runs `firsthop ingress` with Gateway API on a node host
// whose address pool is on the host: a Gateway gets the pool's first
// address and serves its HTTPRoute to echo-basic pods with the client's
// address in X-Forwarded-For; a second Gateway on port 80 without a
// hostname does not see those routes; a Gateway whose address is not on
// the host is reported AddressNotUsable while the others and the Ingress
// listener keep serving; the statuses are as the spec says; an
// HTTPRoute change reaches traffic (the convergence median is logged); and
// a GatewayClass's client-IP parameters apply to its Gateway (see
// testGatewayParameters).
func TestGatewayAPI(t *testing.T) {
	w := newWorkloads(t)
	InstallGatewayAPICRDs(t, w.cluster)
	gwPool := w.fabric.ReserveAddressPool(t, Node, 29)
	pool := gwPool.IPv4Addrs()
	// Half the pool on the host; pool[7] stays off it.
	w.nodeA.AddAddresses(t, pool[:4]...)
	gc := Must[*gatewayclient.Clientset](t, "the Gateway API client")(gatewayclient.NewForConfig(w.cluster.RestConfig()))
	gw := gc.GatewayV1()

	t.Run("the example passes server-side dry-run apply", func(t *testing.T) {
		CreateNamespace(t, w.cs, "demo")
		objs, err := ReadManifest(filepath.Join(kubeExamples, "gateway", "echo.yaml"))
		if err != nil || len(objs) != 3 {
			t.Fatalf("%d objects, %v; want a GatewayClass, a Gateway and an HTTPRoute", len(objs), err)
		}
		a := w.cluster.NewApplier(t)
		for _, o := range objs {
			if _, err := a.Apply(t, o, true); err != nil {
				t.Errorf("%s: %v", describeObject(o), err)
			}
		}
	})

	const app, class = "echo", "firsthop-e2e"
	Must[any](t, "creating the Service")(w.cs.CoreV1().Services(kubeNS).Create(Ctx(t), selectorService(kubeNS, app), metav1.CreateOptions{}))
	Must[any](t, "creating the Deployment")(w.cs.AppsV1().Deployments(kubeNS).Create(Ctx(t), echoDeployment(app, 2), metav1.CreateOptions{}))
	Must[any](t, "creating the GatewayClass")(gw.GatewayClasses().Create(Ctx(t), &gatewayv1.GatewayClass{
		ObjectMeta: metav1.ObjectMeta{Name: class},
		Spec:       gatewayv1.GatewayClassSpec{ControllerName: "firsthop.io/gateway-controller"},
	}, metav1.CreateOptions{}))
	gateway := func(name string, addrs ...netip.Addr) *gatewayv1.Gateway {
		g := &gatewayv1.Gateway{
			ObjectMeta: metav1.ObjectMeta{Namespace: kubeNS, Name: name},
			Spec: gatewayv1.GatewaySpec{
				GatewayClassName: class,
				Listeners:        []gatewayv1.Listener{{Name: "http", Port: 80, Protocol: gatewayv1.HTTPProtocolType}},
			},
		}
		for _, a := range addrs {
			g.Spec.Addresses = append(g.Spec.Addresses, gatewayv1.GatewaySpecAddress{Value: a.String()})
		}
		return g
	}
	Must[any](t, "creating Gateway a")(gw.Gateways(kubeNS).Create(Ctx(t), gateway("a"), metav1.CreateOptions{}))
	time.Sleep(1100 * time.Millisecond) // a is older than b (creationTimestamp has seconds)
	Must[any](t, "creating Gateway b")(gw.Gateways(kubeNS).Create(Ctx(t), gateway("b"), metav1.CreateOptions{}))
	Must[any](t, "creating Gateway off-host")(gw.Gateways(kubeNS).Create(Ctx(t), gateway("off-host", pool[7]), metav1.CreateOptions{}))
	port := gatewayv1.PortNumber(80)
	route := &gatewayv1.HTTPRoute{
		ObjectMeta: metav1.ObjectMeta{Namespace: kubeNS, Name: "app"},
		Spec: gatewayv1.HTTPRouteSpec{
			CommonRouteSpec: gatewayv1.CommonRouteSpec{ParentRefs: []gatewayv1.ParentReference{{Name: "a"}}},
			Hostnames:       []gatewayv1.Hostname{"app.example.com"},
			Rules: []gatewayv1.HTTPRouteRule{{
				BackendRefs: []gatewayv1.HTTPBackendRef{{BackendRef: gatewayv1.BackendRef{
					BackendObjectReference: gatewayv1.BackendObjectReference{Name: app, Port: &port},
				}}},
			}},
		},
	}
	Must[any](t, "creating the HTTPRoute")(gw.HTTPRoutes(kubeNS).Create(Ctx(t), route, metav1.CreateOptions{}))

	cfg := fmt.Sprintf("admin:\n  address: %s\nlisteners:\n  - name: direct\n    address: \"0.0.0.0:%d\"\n", DefaultAdmin, l7Port)
	fh := w.nodeA.FirsthopIngress(t, w.cluster, IngressSpec{Config: cfg, Args: []string{
		"--election-id", "", "--default-locality", "Cluster", "--gateway-addresses", gwPool.IPv4.String(),
	}})
	waitAvailable(t, w.cs, app, 2)

	gatewayAddr := func(name string) string {
		var addr string
		Eventually(t, 60*time.Second, "Gateway "+name+" programmed with an address", func() error {
			g, err := gw.Gateways(kubeNS).Get(Ctx(t), name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			if len(g.Status.Addresses) != 1 || !meta.IsStatusConditionTrue(g.Status.Conditions, "Programmed") {
				return fmt.Errorf("status %+v", g.Status)
			}
			addr = g.Status.Addresses[0].Value
			return nil
		})
		return addr
	}
	addrA, addrB := gatewayAddr("a"), gatewayAddr("b")
	if addrA != pool[0].String() || addrB != pool[1].String() {
		t.Errorf("Gateway addresses a %s, b %s; want the pool's first two, %s and %s (older first)", addrA, addrB, pool[0], pool[1])
	}
	hc := w.client.HTTPClient(5 * time.Second)
	viaA := "http://" + addrA + ":80/"

	t.Run("the Gateway serves its route with the client's address", func(t *testing.T) {
		r := waitFor(t, hc, "an echo answer through Gateway a", viaA, "app.example.com", func(r reply) error {
			if r.status != http.StatusOK || r.echo.Pod == "" {
				return fmt.Errorf("status %d: %.200s", r.status, r.body)
			}
			return nil
		})
		r.echo.WantXFF(t, w.client.IPv4.String())
	})

	t.Run("a second Gateway on port 80 without a hostname does not see the first's routes", func(t *testing.T) {
		waitFor(t, hc, "404 through Gateway b", "http://"+addrB+":80/", "app.example.com", status(http.StatusNotFound))
	})

	t.Run("a Gateway whose address is not on the host is not programmed; the others serve", func(t *testing.T) {
		Eventually(t, 60*time.Second, "off-host Programmed False AddressNotUsable", func() error {
			g, err := gw.Gateways(kubeNS).Get(Ctx(t), "off-host", metav1.GetOptions{})
			if err != nil {
				return err
			}
			c := meta.FindStatusCondition(g.Status.Conditions, "Programmed")
			if c == nil || c.Status != metav1.ConditionFalse || c.Reason != "AddressNotUsable" {
				return fmt.Errorf("status %+v", g.Status)
			}
			return nil
		})
		waitFor(t, hc, "Gateway a still serving", viaA, "app.example.com", status(http.StatusOK))
		waitFor(t, hc, "the Ingress listener still serving", "http://"+w.nodeA.Addr4(l7Port).String()+"/", "nothing.example.com", status(http.StatusNotFound))
		if !fh.OutputContains("listener not bound") {
			t.Error("no log of the listener not bound")
		}
	})

	t.Run("statuses", func(t *testing.T) {
		c := Must[*gatewayv1.GatewayClass](t, "getting the GatewayClass")(gw.GatewayClasses().Get(Ctx(t), class, metav1.GetOptions{}))
		if acc := meta.FindStatusCondition(c.Status.Conditions, "Accepted"); acc == nil || acc.Status != metav1.ConditionTrue || acc.ObservedGeneration != c.Generation {
			t.Errorf("GatewayClass conditions %+v", c.Status.Conditions)
		}
		if !slices.ContainsFunc(c.Status.SupportedFeatures, func(f gatewayv1.SupportedFeature) bool { return f.Name == "HTTPRoute" }) {
			t.Errorf("GatewayClass supportedFeatures %v", c.Status.SupportedFeatures)
		}
		for name, attached := range map[string]int32{"a": 1, "b": 0} {
			g := Must[*gatewayv1.Gateway](t, "getting Gateway "+name)(gw.Gateways(kubeNS).Get(Ctx(t), name, metav1.GetOptions{}))
			for _, typ := range []string{"Accepted", "Programmed"} {
				if c := meta.FindStatusCondition(g.Status.Conditions, typ); c == nil || c.Status != metav1.ConditionTrue || c.ObservedGeneration != g.Generation {
					t.Errorf("Gateway %s %s: %+v", name, typ, c)
				}
			}
			if len(g.Status.Listeners) != 1 || g.Status.Listeners[0].AttachedRoutes != attached {
				t.Errorf("Gateway %s listeners %+v, want attachedRoutes %d", name, g.Status.Listeners, attached)
			}
		}
		rt := Must[*gatewayv1.HTTPRoute](t, "getting the HTTPRoute")(gw.HTTPRoutes(kubeNS).Get(Ctx(t), "app", metav1.GetOptions{}))
		if len(rt.Status.Parents) != 1 || rt.Status.Parents[0].ControllerName != "firsthop.io/gateway-controller" ||
			!meta.IsStatusConditionTrue(rt.Status.Parents[0].Conditions, "Accepted") ||
			!meta.IsStatusConditionTrue(rt.Status.Parents[0].Conditions, "ResolvedRefs") {
			t.Errorf("HTTPRoute parents %+v", rt.Status.Parents)
		}
	})

	t.Run("an HTTPRoute change reaches traffic", func(t *testing.T) {
		// Each round sets a request header on the route and times the
		// first answer whose echo shows it.
		var took []time.Duration
		for i := range 20 {
			value := strconv.Itoa(i)
			// firsthop writes the route's status after each change: an
			// update may conflict with it, and is then made again.
			err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
				rt, err := gw.HTTPRoutes(kubeNS).Get(Ctx(t), "app", metav1.GetOptions{})
				if err != nil {
					return err
				}
				rt.Spec.Rules[0].Filters = []gatewayv1.HTTPRouteFilter{{
					Type:                  gatewayv1.HTTPRouteFilterRequestHeaderModifier,
					RequestHeaderModifier: &gatewayv1.HTTPHeaderFilter{Set: []gatewayv1.HTTPHeader{{Name: "X-Round", Value: value}}},
				}}
				_, err = gw.HTTPRoutes(kubeNS).Update(Ctx(t), rt, metav1.UpdateOptions{})
				return err
			})
			if err != nil {
				t.Fatalf("updating the HTTPRoute: %v", err)
			}
			start := time.Now()
			took = append(took, Elapsed(t, start, 30*time.Second, "X-Round "+value, func() error {
				r, err := get(hc, viaA, "app.example.com")
				if err != nil {
					return err
				}
				if r.status != http.StatusOK || r.echo.Header("X-Round") != value {
					return fmt.Errorf("status %d, X-Round %q", r.status, r.echo.Header("X-Round"))
				}
				return nil
			}))
		}
		slices.Sort(took)
		t.Logf("HTTPRoute update to traffic, %d rounds: median %v, min %v, max %v (controller hold-off 10ms)",
			len(took), took[len(took)/2], took[0], took[len(took)-1])
	})

	t.Run("a GatewayClass with client-IP parameters", func(t *testing.T) {
		testGatewayParameters(t, w, gw, app, pool[2])
	})
}
