package ingress

import (
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
)

// Snapshot is the set of cluster objects a routing table is built from by
// [Translate]. It only reads them; objects from informer caches may be
// passed as they are. Order does not matter.
type Snapshot struct {
	Ingresses      []*networkingv1.Ingress
	IngressClasses []*networkingv1.IngressClass
	Services       []*corev1.Service
	EndpointSlices []*discoveryv1.EndpointSlice
	// Secrets may hold any Secrets; only those of type kubernetes.io/tls
	// that an Ingress served names in spec.tls are read.
	Secrets []*corev1.Secret
}

// Options say which Ingresses are the processor's, and how they are
// read. The zero value serves
// the Ingresses of IngressClasses whose controller is
// [DefaultControllerName].
type Options struct {
	// ControllerName is the IngressClass spec.controller value this
	// controller answers to. Empty means [DefaultControllerName].
	ControllerName string

	// WatchWithoutClass makes Ingresses that name no class (neither
	// spec.ingressClassName nor the kubernetes.io/ingress.class annotation)
	// ours even when none of our IngressClasses is the default.
	WatchWithoutClass bool

	// IngressNginxAnnotations has every Ingress of ours read with its
	// ingress-nginx annotations (nginx.ingress.kubernetes.io/*, with
	// ingress-nginx's meaning; see the package documentation). Without it
	// only the Ingresses of IngressClasses annotated
	// firsthop.io/ingress-nginx-annotations: "true" are.
	IngressNginxAnnotations bool
}

func (o *Options) controllerName() string {
	if o.ControllerName == "" {
		return DefaultControllerName
	}
	return o.ControllerName
}
