package gateway

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/types"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/firsthop/firsthop/config"
	"github.com/firsthop/firsthop/proxy/listen"
)

// TestClassParametersKeptAfterABadEdit: a class whose ConfigMap turns bad
// is reported InvalidParameters, and its Gateways keep being served with
// the parameters it was last accepted with; without any kept, they are
// not served.
func TestClassParametersKeptAfterABadEdit(t *testing.T) {
	t.Parallel()
	f := loadFixture(t, "testdata/base.yaml", "testdata/cases/parameters.yaml")
	first := Translate(f.snap, f, testOptions(f.snap))
	good := first.Parameters["behind-lb"]
	if good == nil || good.ProxyProtocol.Mode != listen.ModeRequired {
		t.Fatalf("Parameters[behind-lb] = %+v, want the ConfigMap's", good)
	}
	if _, ok := first.Parameters["bad-yaml"]; ok {
		t.Fatal("a class with bad parameters has Parameters")
	}

	// The ConfigMap of behind-lb is edited into an error.
	cm := f.configMaps[types.NamespacedName{Namespace: "firsthop-system", Name: "lb-params"}].DeepCopy()
	cm.Data[config.GatewayParametersKey] = "clientIP:\n  trustedProxies: 10.0.0.0/8\n"
	f.configMaps[types.NamespacedName{Namespace: "firsthop-system", Name: "lb-params"}] = cm
	gwName := types.NamespacedName{Namespace: "gateway-conformance-infra", Name: "behind-lb"}

	for _, kept := range []bool{true, false} {
		o := testOptions(f.snap)
		if kept {
			o.KeptParameters = first.Parameters
		}
		res := Translate(f.snap, f, o)
		conds := res.Status.GatewayClasses["behind-lb"].Conditions
		if len(conds) != 1 || conds[0].Status != "False" || conds[0].Reason != string(gatewayv1.GatewayClassReasonInvalidParameters) ||
			!strings.Contains(conds[0].Message, "firsthop.yaml:2:19: clientIP.trustedProxies:") {
			t.Fatalf("kept=%v: class conditions %+v, want Accepted=False InvalidParameters naming line 2 column 19", kept, conds)
		}
		var served bool
		for _, sc := range res.Scopes {
			if sc.Gateway == gwName {
				served = true
				if sc.Listeners[0].ProxyProtocol.Mode != listen.ModeRequired || sc.Spec.ClientIP == nil {
					t.Errorf("kept=%v: served with %+v / %+v, want the kept parameters", kept, sc.Listeners[0].ProxyProtocol, sc.Spec.ClientIP)
				}
			}
		}
		switch {
		case kept && !served:
			t.Error("with kept parameters the Gateway is not served")
		case kept && !strings.Contains(conds[0].Message, "keep the parameters last accepted"):
			t.Errorf("message %q does not say the Gateways keep the last parameters", conds[0].Message)
		case kept && res.Parameters["behind-lb"] != good:
			t.Error("the kept parameters are not passed on for the next translation")
		case !kept && served:
			t.Error("without kept parameters the Gateway of a class not accepted is served")
		}
	}
}
