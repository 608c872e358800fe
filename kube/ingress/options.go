package ingress

import (
	"net/netip"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/firsthop/firsthop/model"
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

// apiServerService is the Service whose endpoints are the API server's.
var apiServerService = types.NamespacedName{Namespace: metav1.NamespaceDefault, Name: "kubernetes"}

// newRefusedAddrs collects the addresses no endpoint may have: extra, the
// cluster IPs of s's Services and the endpoints of the API server's
// Service in s's EndpointSlices.
func newRefusedAddrs(s Snapshot, extra []netip.Addr) refusedAddrs {
	r := refusedAddrs{}
	for _, a := range extra {
		r[a.Unmap()] = true
	}
	for _, svc := range s.Services {
		ips := svc.Spec.ClusterIPs
		if len(ips) == 0 && svc.Spec.ClusterIP != "" {
			ips = []string{svc.Spec.ClusterIP}
		}
		for _, ip := range ips {
			if a, err := netip.ParseAddr(ip); err == nil {
				r[a.Unmap()] = true
			}
		}
	}
	for _, sl := range s.EndpointSlices {
		if sl.Namespace != apiServerService.Namespace || sl.Labels[discoveryv1.LabelServiceName] != apiServerService.Name {
			continue
		}
		for _, e := range sl.Endpoints {
			for _, ip := range e.Addresses {
				if a, err := netip.ParseAddr(ip); err == nil {
					r[a.Unmap()] = true
				}
			}
		}
	}
	return r
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
	// Ingresses, so that its first one is the default certificate; its
	// Policies (which the config file's listeners name) come before those
	// of the Ingresses' annotations. Its Routes, Backends and
	// DefaultBackend are ignored.
	Base model.TableSpec

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

	// RefusedAddrs are addresses no endpoint may have, on any port: the
	// proxy's own pod addresses, so that no Service can point the proxy at
	// its admin listener or at itself. The API server's endpoints (those
	// of default/kubernetes) and every Service's cluster IPs are refused
	// without being listed.
	RefusedAddrs []netip.Addr

	// DefaultLocality is the locality of backends whose Service and Ingress
	// set none (see [AnnotationLocality]). The zero value is PreferLocal.
	DefaultLocality model.Locality
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
