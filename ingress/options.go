package ingress

import (
	"net/netip"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/firsthop/firsthop/proxy"
)

// Snapshot is the set of cluster objects a routing table is built from.
// [Translate] only reads them; objects from informer caches may be passed
// as they are. Order does not matter.
type Snapshot struct {
	Ingresses      []*networkingv1.Ingress
	IngressClasses []*networkingv1.IngressClass
	Services       []*corev1.Service
	EndpointSlices []*discoveryv1.EndpointSlice
	// Secrets may hold any Secrets; only those of type kubernetes.io/tls
	// that an Ingress served names in spec.tls are read.
	Secrets []*corev1.Secret
}

// Options say how [Translate] reads a [Snapshot]. The zero value serves
// the Ingresses of IngressClasses whose controller is
// [DefaultControllerName], refuses ExternalName Services, and gives
// backends the locality PreferLocal unless their Service or Ingress says
// otherwise.
type Options struct {
	// Base holds what the table takes from elsewhere than Ingresses: Node,
	// Zone, ClientIP and Headers are copied into the result, and its
	// Certificates (from the config file) come before those of the
	// Ingresses, so that its first one is the default certificate. Its
	// Routes, Backends and DefaultBackend are ignored.
	Base proxy.TableSpec

	// ControllerName is the IngressClass spec.controller value this
	// controller answers to. Empty means [DefaultControllerName].
	ControllerName string

	// WatchWithoutClass makes Ingresses that name no class (neither
	// spec.ingressClassName nor the kubernetes.io/ingress.class annotation)
	// ours even when none of our IngressClasses is the default.
	WatchWithoutClass bool

	// AllowExternalName lets backends be ExternalName Services. It is off
	// by default because whoever can create a Service could then make the
	// proxy connect to any host. Even when allowed, addresses that are
	// loopback, link-local, multicast or unspecified are refused.
	AllowExternalName bool

	// Resolver resolves the names of allowed ExternalName Services that are
	// not IP literals. Nil means such names are not resolved: their
	// backends answer 503, with a problem reported.
	Resolver Resolver

	// DefaultLocality is the locality of backends whose Service and Ingress
	// set none (see [AnnotationLocality]). The zero value is PreferLocal.
	DefaultLocality proxy.Locality
}

// Resolver resolves a DNS name to addresses. It must return within a
// bounded time: the translation waits for it.
type Resolver interface {
	Resolve(host string) ([]netip.Addr, error)
}

func (o *Options) controllerName() string {
	if o.ControllerName == "" {
		return DefaultControllerName
	}
	return o.ControllerName
}
