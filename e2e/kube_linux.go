package e2e

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// RestConfig returns a client-go configuration for the cluster admin that
// dials in the cluster's namespace.
func (c *Cluster) RestConfig() *rest.Config {
	return &rest.Config{
		Host:            c.URL,
		BearerToken:     c.Token,
		TLSClientConfig: rest.TLSClientConfig{CAData: c.CACert},
		Dial:            c.Netns.DialContext,
		UserAgent:       "firsthop-e2e",
		QPS:             200,
		Burst:           400,
		Timeout:         30 * time.Second,
	}
}

// Clientset returns a client-go clientset for the cluster admin.
func (c *Cluster) Clientset(t testing.TB) *kubernetes.Clientset {
	t.Helper()
	cs, err := kubernetes.NewForConfig(c.RestConfig())
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// KubeconfigFor writes a kubeconfig for the cluster that authenticates
// with token and returns its path.
func (c *Cluster) KubeconfigFor(t testing.TB, token string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(path, kubeconfig(c.URL, c.CACert, token), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// ServiceAccountKubeconfig creates (if needed) the ServiceAccount ns/name,
// asks the API server for a token of it (TokenRequest, one hour) and
// writes a kubeconfig with that token: a process using it has exactly the
// permissions RBAC gives the ServiceAccount.
func (c *Cluster) ServiceAccountKubeconfig(t testing.TB, ns, name string) string {
	t.Helper()
	cs := c.Clientset(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	if _, err := cs.CoreV1().ServiceAccounts(ns).Create(ctx, sa, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("creating ServiceAccount %s/%s: %v", ns, name, err)
	}
	hour := int64(3600)
	tr, err := cs.CoreV1().ServiceAccounts(ns).CreateToken(ctx, name, &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &hour},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("token for ServiceAccount %s/%s: %v", ns, name, err)
	}
	return c.KubeconfigFor(t, tr.Status.Token)
}

// IngressSpec says how to run `firsthop ingress`.
type IngressSpec struct {
	// Config is the YAML config file's text (listeners, clientIP,
	// forwardedHeaders, admin; no routes or backends). It must set
	// admin.address to Admin.
	Config string
	// Admin is the admin listener's address inside the host. Empty means
	// [DefaultAdmin].
	Admin string
	// Kubeconfig is the kubeconfig path. Empty means the cluster admin's.
	Kubeconfig string
	// Args are extra command-line arguments (--node-name is set to the
	// host's name unless Args sets it).
	Args []string
	// Env is added to the process environment.
	Env []string
}

// FirsthopIngress validates spec.Config in ingress mode, starts `firsthop
// ingress` inside h against c, and waits until its /readyz answers 200,
// which it does once the caches have synced and the first table is
// published. It is stopped by a cleanup on t.
func (h *Host) FirsthopIngress(t testing.TB, c *Cluster, spec IngressSpec) *Firsthop {
	t.Helper()
	path := writeConfig(t, spec.Config, "validate", "--ingress", "--config")
	kc := spec.Kubeconfig
	if kc == "" {
		kc = c.Kubeconfig
	}
	args := []string{"ingress", "--kubeconfig", kc, "--config", path}
	if !strings.Contains(strings.Join(spec.Args, " "), "--node-name") {
		args = append(args, "--node-name", h.Name)
	}
	return h.startFirsthop(t, "firsthop-ingress", append(args, spec.Args...), spec.Env, spec.Admin, path)
}

// Objects for Kubernetes scenarios.

// IngressClassObject is the IngressClass of firsthop's controller.
func IngressClassObject(name string, isDefault bool) *networkingv1.IngressClass {
	ic := &networkingv1.IngressClass{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       networkingv1.IngressClassSpec{Controller: "firsthop.io/ingress-controller"},
	}
	if isDefault {
		ic.Annotations = map[string]string{networkingv1.AnnotationIsDefaultIngressClass: "true"}
	}
	return ic
}

// ServiceObject is a ClusterIP Service ns/name with one TCP port "http",
// port 80, targetPort "http".
func ServiceObject(ns, name string) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: corev1.ServiceSpec{
			Ports: []corev1.ServicePort{{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP}},
		},
	}
}

// PodEndpoint is one endpoint of an EndpointSlice: a pod's address, its
// node and zone, and its conditions.
type PodEndpoint struct {
	Addr        netip.Addr
	Node, Zone  string
	NotReady    bool // ready: false
	Terminating bool // terminating: true (and serving)
}

// EndpointSliceObject is EndpointSlice ns/name of Service svc, port "http"
// 8080, holding eps (all of one address family, the first's).
func EndpointSliceObject(ns, name, svc string, eps ...PodEndpoint) *discoveryv1.EndpointSlice {
	family := discoveryv1.AddressTypeIPv4
	if len(eps) > 0 && eps[0].Addr.Is6() {
		family = discoveryv1.AddressTypeIPv6
	}
	port, portName, tcp := int32(8080), "http", corev1.ProtocolTCP
	s := &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: ns, Name: name,
			Labels: map[string]string{discoveryv1.LabelServiceName: svc, discoveryv1.LabelManagedBy: "firsthop-e2e"},
		},
		AddressType: family,
		Ports:       []discoveryv1.EndpointPort{{Name: &portName, Port: &port, Protocol: &tcp}},
		Endpoints:   []discoveryv1.Endpoint{},
	}
	for _, e := range eps {
		ready, serving, terminating := !e.NotReady && !e.Terminating, !e.NotReady, e.Terminating
		ep := discoveryv1.Endpoint{
			Addresses:  []string{e.Addr.String()},
			Conditions: discoveryv1.EndpointConditions{Ready: &ready, Serving: &serving, Terminating: &terminating},
		}
		if e.Node != "" {
			ep.NodeName = &e.Node
		}
		if e.Zone != "" {
			ep.Zone = &e.Zone
		}
		s.Endpoints = append(s.Endpoints, ep)
	}
	return s
}

// IngressRoute is one host and path of an Ingress, to a Service port.
type IngressRoute struct {
	Host, Path string
	Exact      bool
	Service    string
	Port       string // a port name; empty means "http"
}

// IngressObject is Ingress ns/name of class, with one rule per route.
func IngressObject(ns, name, class string, routes ...IngressRoute) *networkingv1.Ingress {
	ing := &networkingv1.Ingress{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       networkingv1.IngressSpec{IngressClassName: &class},
	}
	for _, r := range routes {
		pt := networkingv1.PathTypePrefix
		if r.Exact {
			pt = networkingv1.PathTypeExact
		}
		port := r.Port
		if port == "" {
			port = "http"
		}
		ing.Spec.Rules = append(ing.Spec.Rules, networkingv1.IngressRule{
			Host: r.Host,
			IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
				Paths: []networkingv1.HTTPIngressPath{{
					Path: r.Path, PathType: &pt,
					Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
						Name: r.Service, Port: networkingv1.ServiceBackendPort{Name: port},
					}},
				}},
			}},
		})
	}
	return ing
}

// CreateNamespace creates namespace name.
func CreateNamespace(t testing.TB, cs kubernetes.Interface, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating namespace %s: %v", name, err)
	}
}

// Must fails t when err is not nil, naming what was done.
func Must[T any](t testing.TB, what string) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
}

// Ctx returns a context for one API call: 30 seconds.
func Ctx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}
