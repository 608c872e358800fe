package e2e

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// TestGatewayAPISuite checks the Gateway API conformance pieces the
// Gateway API issue builds on: the suite's binary runs inside a fabric
// client host (its -h lists the suite's flags), and the release's CRDs
// install and serve their resources. The conformance run itself is not
// here.
func TestGatewayAPISuite(t *testing.T) {
	f := NewFabric(t)
	c := StartCluster(t, ClusterSpec{Host: f.Infra(t, "cp")})
	client := f.Client(t, "client")

	t.Run("the suite's binary runs in a client host", func(t *testing.T) {
		p := StartGatewayAPISuite(t, client, c, "-h")
		if err := p.Wait(60 * time.Second); err != nil {
			t.Fatalf("suite -h: %v\n%s", err, p.Output())
		}
		for _, flag := range []string{"-gateway-class", "-supported-features", "-test.run"} {
			if !p.OutputContains(flag) {
				t.Errorf("suite -h does not list %s:\n%s", flag, lastLines([]byte(p.Output()), 20))
			}
		}
	})

	t.Run("the CRDs install", func(t *testing.T) {
		InstallGatewayAPICRDs(t, c)
		a := c.NewApplier(t)
		for _, r := range []string{"gatewayclasses", "gateways", "httproutes", "grpcroutes", "referencegrants"} {
			gvr := schema.GroupVersionResource{Group: "gateway.networking.k8s.io", Version: "v1", Resource: r}
			if _, err := a.dyn.Resource(gvr).List(Ctx(t), metav1.ListOptions{}); err != nil {
				t.Errorf("listing %s: %v", gvr, err)
			}
		}
	})
}
