// Package e2e holds firsthop's end-to-end tests: the built binary against real
// parts — HAProxy and nginx as load balancers in front, curl as the client,
// firsthop echo backends in "pod" network namespaces, and a kube-apiserver,
// kube-controller-manager and etcd compiled from pinned modules (see tools/),
// with a pod runner ([StartPodRunner]) standing in for kubelets so that
// Deployments run, and the Gateway API conformance suite (see conformance/).
//
// The non-test files are the harness: a network fabric of `ip netns`
// namespaces on a bridge ([NewFabric]), processes started inside them
// ([Host.Start]), the control plane ([StartCluster]) and helpers for each
// real part. README.md shows the layout and how to add a scenario.
//
// Everything here needs Linux; most of it needs root. Tests skip with the
// reason when a prerequisite is missing, except under CI=true, where a missing
// prerequisite fails the test so that CI never silently runs no e2e test.
package e2e
