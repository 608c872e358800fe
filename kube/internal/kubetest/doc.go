// Package kubetest holds what the kube packages' tests share: builders of
// Kubernetes objects (IngressClasses, Ingresses, Services, EndpointSlices,
// TLS Secrets) and model values (endpoints), a fake DNS, a readable
// rendering of a table, and a poll. One family, so that every test builds
// the same objects the same way.
//
// It imports the Kubernetes API types and the routing model only; no kube
// package, so that each of them may use it in its own tests.
package kubetest
