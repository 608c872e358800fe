package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// WorkloadControllers are the kube-controller-manager controllers a
// workload needs: Deployments make ReplicaSets, ReplicaSets make Pods,
// Services with a selector get EndpointSlices (and selectorless ones with
// Endpoints mirrored ones), every namespace gets its default ServiceAccount
// and kube-root-ca.crt ConfigMap, deleted namespaces are emptied, owned
// objects are collected, and pods of deleted Nodes are removed.
//
// node-lifecycle-controller is left out on purpose: no kubelet sends Node
// heartbeats here, so it would mark every pod NotReady and taint the Nodes.
var WorkloadControllers = []string{
	"deployment-controller",
	"replicaset-controller",
	"endpointslice-controller",
	"endpointslice-mirroring-controller",
	"serviceaccount-controller",
	"root-ca-certificate-publisher-controller",
	"namespace-controller",
	"garbage-collector-controller",
	"pod-garbage-collector-controller",
}

// StartControllerManager starts kube-controller-manager next to the API
// server (same namespace, the admin kubeconfig, no leader election, no
// serving port) with [WorkloadControllers], and waits until it works: the
// namespace "default" has its ServiceAccount "default", which the
// serviceaccount controller creates. It runs until the test that started
// the cluster ends.
func (c *Cluster) StartControllerManager(t testing.TB) {
	t.Helper()
	start := time.Now()
	c.ControllerManager = StartProc(c.owner, c.Netns, ProcSpec{
		Name: "kube-controller-manager",
		Args: []string{c.bins.KubeControllerManager,
			"--kubeconfig", c.Kubeconfig,
			"--controllers", strings.Join(WorkloadControllers, ","),
			"--leader-elect=false",
			"--use-service-account-credentials=false",
			"--root-ca-file", filepath.Join(c.dir, "ca.crt"),
			"--secure-port", "0",
			"--v", "1",
		},
		StopTimeout: -1,
	})
	cs := c.Clientset(t)
	Eventually(t, ClusterReadyTimeout, "kube-controller-manager working (ServiceAccount default/default)", func() error {
		if c.ControllerManager.Exited() {
			return fmt.Errorf("kube-controller-manager exited: %v\n%s", c.ControllerManager.ExitError(), lastLines([]byte(c.ControllerManager.Output()), 10))
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err := cs.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{})
		return err
	})
	t.Logf("kube-controller-manager working in %v", time.Since(start).Round(time.Millisecond))
}
