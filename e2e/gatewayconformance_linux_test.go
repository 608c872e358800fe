package e2e

import (
	"fmt"
	"testing"
	"time"
)

// gatewayControllerName is the controllerName firsthop serves
// GatewayClasses for (its --gateway-controller-name default).
const gatewayControllerName = "firsthop.io/gateway-controller"

// TestGatewayConformance runs the Gateway API conformance suite
// (sigs.k8s.io/gateway-api/conformance v1.6.3, profiles GATEWAY-HTTP and
// GATEWAY-GRPC) unchanged against `firsthop ingress`:
//
//	cp:      etcd, kube-apiserver, kube-controller-manager; the release's CRDs
//	node-a:  the pod runner's node (every pod of the suite), firsthop ingress
//	         --gateway-controller-name firsthop.io/gateway-controller
//	         --gateway-addresses <pool>, the pool's 16 addresses on its eth0,
//	         and one more (the suite's -usable-address; -unusable-address
//	         is on no host)
//	client:  the suite's test binary: API calls to cp, requests to the
//	         Gateways' status.addresses across the bridge
//
// GatewayClass "firsthop" names firsthop's controller; the suite reads
// the features to test from its status.supportedFeatures. The test fails
// when the suite does, when its report lacks a profile, or when any test
// of a profile failed or was skipped; the report goes to
// $FIRSTHOP_CONFORMANCE_REPORT when that is set.
func TestGatewayConformance(t *testing.T) {
	f := NewFabric(t)
	c := StartCluster(t, ClusterSpec{Host: f.Infra(t, "cp"), Workloads: true})
	node := f.Node(t, "node-a")
	pool := f.ReserveAddressPool(t, Node, 28)
	node.AddAddresses(t, pool.IPv4Addrs()...)
	// GatewayStaticAddresses: one address on the node outside the pool,
	// and one the node does not have.
	usable := f.ReserveAddressPool(t, Node, 32).IPv4.Addr()
	unusable := f.ReserveAddressPool(t, Node, 32).IPv4.Addr()
	node.AddAddresses(t, usable)
	client := f.Client(t, "client")
	StartPodRunner(t, f, c, PodRunnerSpec{Nodes: []*Host{node}})
	InstallGatewayAPICRDs(t, c)
	ApplyGatewayClass(t, c, "firsthop", gatewayControllerName)

	// firsthop's own listener is on the node's address only: every port
	// of the pool's addresses is the Gateways'.
	cfg := fmt.Sprintf("admin:\n  address: %s\nlisteners:\n  - name: direct\n    address: \"%s\"\n", DefaultAdmin, node.Addr4(l7Port))
	node.FirsthopIngress(t, c, IngressSpec{Config: cfg, Args: []string{
		"--election-id", "", // one replica: it writes status
		"--gateway-controller-name", gatewayControllerName,
		"--gateway-addresses", pool.IPv4.String(),
	}})

	run := RunGatewayConformance(t, GatewayConformanceSpec{Client: client, Cluster: c, GatewayClass: "firsthop", PublishReport: true,
		UsableAddress: usable, UnusableAddress: unusable,
	})
	run.Log(t)
	for _, p := range run.Problems() {
		t.Error(p)
	}
	t.Logf("conformance run took %v", run.Duration.Round(time.Second))
}
