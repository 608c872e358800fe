package e2e

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
	gatewayv1client "sigs.k8s.io/gateway-api/pkg/client/clientset/versioned/typed/apis/v1"
)

// testGatewayParameters is TestGatewayAPI's part on a GatewayClass with
// client-IP parameters: a ConfigMap requires the PROXY protocol from an
// HAProxy load balancer (mode tcp, send-proxy-v2) in front of the class's
// Gateway (given want, an address of the pool on node A); a request through
// HAProxy reaches the backend with the client's own address, while a
// direct connection to the Gateway is refused; then the ConfigMap is
// edited into an error: the class turns Accepted=False with the problem's
// line and column, and the Gateway keeps serving with the settings last
// accepted.
func testGatewayParameters(t *testing.T, w *workloads, gw gatewayv1client.GatewayV1Interface, app string, want netip.Addr) {
	const class, params = "firsthop-e2e-behind-lb", "behind-lb-params"
	lb := w.fabric.Infra(t, "gw-lb")
	yaml := fmt.Sprintf("proxyProtocol:\n  mode: required\n  trustedCIDRs: [%s/32]\nforwardedHeaders:\n  xRealIP: true\n", lb.IPv4)
	Must[any](t, "creating the parameters ConfigMap")(w.cs.CoreV1().ConfigMaps(kubeNS).Create(Ctx(t), &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: kubeNS, Name: params},
		Data:       map[string]string{"firsthop.yaml": yaml},
	}, metav1.CreateOptions{}))
	ns := gatewayv1.Namespace(kubeNS)
	Must[any](t, "creating the GatewayClass")(gw.GatewayClasses().Create(Ctx(t), &gatewayv1.GatewayClass{
		ObjectMeta: metav1.ObjectMeta{Name: class},
		Spec: gatewayv1.GatewayClassSpec{ControllerName: "firsthop.io/gateway-controller",
			ParametersRef: &gatewayv1.ParametersReference{Group: "", Kind: "ConfigMap", Name: params, Namespace: &ns}},
	}, metav1.CreateOptions{}))
	Must[any](t, "creating the Gateway")(gw.Gateways(kubeNS).Create(Ctx(t), &gatewayv1.Gateway{
		ObjectMeta: metav1.ObjectMeta{Namespace: kubeNS, Name: "behind-lb"},
		Spec: gatewayv1.GatewaySpec{
			GatewayClassName: class,
			Addresses:        []gatewayv1.GatewaySpecAddress{{Value: want.String()}},
			Listeners:        []gatewayv1.Listener{{Name: "http", Port: 80, Protocol: gatewayv1.HTTPProtocolType}},
		},
	}, metav1.CreateOptions{}))
	port := gatewayv1.PortNumber(80)
	Must[any](t, "creating the HTTPRoute")(gw.HTTPRoutes(kubeNS).Create(Ctx(t), &gatewayv1.HTTPRoute{
		ObjectMeta: metav1.ObjectMeta{Namespace: kubeNS, Name: "behind-lb"},
		Spec: gatewayv1.HTTPRouteSpec{
			CommonRouteSpec: gatewayv1.CommonRouteSpec{ParentRefs: []gatewayv1.ParentReference{{Name: "behind-lb"}}},
			Rules: []gatewayv1.HTTPRouteRule{{BackendRefs: []gatewayv1.HTTPBackendRef{{BackendRef: gatewayv1.BackendRef{
				BackendObjectReference: gatewayv1.BackendObjectReference{Name: gatewayv1.ObjectName(app), Port: &port},
			}}}}},
		},
	}, metav1.CreateOptions{}))
	classAccepted := func(want bool, message string) {
		t.Helper()
		Eventually(t, 60*time.Second, fmt.Sprintf("GatewayClass %s Accepted=%v", class, want), func() error {
			c, err := gw.GatewayClasses().Get(Ctx(t), class, metav1.GetOptions{})
			if err != nil {
				return err
			}
			acc := meta.FindStatusCondition(c.Status.Conditions, "Accepted")
			if acc == nil || (acc.Status == metav1.ConditionTrue) != want || !strings.Contains(acc.Message, message) {
				return fmt.Errorf("conditions %+v", c.Status.Conditions)
			}
			return nil
		})
	}
	classAccepted(true, "")
	Eventually(t, 60*time.Second, "Gateway behind-lb programmed", func() error {
		g, err := gw.Gateways(kubeNS).Get(Ctx(t), "behind-lb", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if !meta.IsStatusConditionTrue(g.Status.Conditions, "Programmed") {
			return fmt.Errorf("status %+v", g.Status)
		}
		return nil
	})
	haproxy := lb.HAProxy(t, HAProxySpec{Servers: []netip.AddrPort{netip.AddrPortFrom(want, 80)}, SendProxyV2: true})
	hc := w.client.HTTPClient(5 * time.Second)
	throughLB := func(what string) {
		t.Helper()
		r := waitFor(t, hc, what, haproxy.URL4("/"), "app.example.com", func(r reply) error {
			if r.status != http.StatusOK || r.echo.Pod == "" {
				return fmt.Errorf("status %d: %.200s", r.status, r.body)
			}
			return nil
		})
		r.echo.WantXFF(t, w.client.IPv4.String())
		if got := r.echo.Header("X-Real-Ip"); got != w.client.IPv4.String() {
			t.Errorf("X-Real-IP %q, want the client's %s", got, w.client.IPv4)
		}
	}

	t.Run("through the load balancer the backend gets the client's address from the PROXY header", func(t *testing.T) {
		throughLB("an echo answer through HAProxy and Gateway behind-lb")
	})

	t.Run("a direct connection to the Gateway is refused: the PROXY header is required from the load balancer only", func(t *testing.T) {
		if r, err := get(hc, "http://"+want.String()+":80/", "app.example.com"); err == nil {
			t.Errorf("a direct request got status %d, want the connection refused", r.status)
		}
	})

	t.Run("a bad ConfigMap edit is reported with its line and column; the Gateway keeps the last settings", func(t *testing.T) {
		cm := Must[*corev1.ConfigMap](t, "getting the ConfigMap")(w.cs.CoreV1().ConfigMaps(kubeNS).Get(Ctx(t), params, metav1.GetOptions{}))
		cm.Data["firsthop.yaml"] = "proxyProtocol:\n  mode: sometimes\n"
		Must[any](t, "updating the ConfigMap")(w.cs.CoreV1().ConfigMaps(kubeNS).Update(Ctx(t), cm, metav1.UpdateOptions{}))
		classAccepted(false, "key firsthop.yaml:2:9: proxyProtocol.mode:")
		throughLB("an echo answer through HAProxy after the bad edit")
	})
}
