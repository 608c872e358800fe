package kubetest

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// ControllerName is the IngressClass controller the Ingress processor
// answers to by default (its DefaultControllerName; a test there checks
// that they agree).
const ControllerName = "firsthop.io/ingress-controller"

// ClassName is the name of the IngressClass the Ingresses of [Ingress]
// name.
const ClassName = "firsthop"

// Epoch is the creation time of an Ingress of age zero.
var Epoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// Ptr returns a pointer to v.
func Ptr[T any](v T) *T { return &v }

// MustTime parses an RFC 3339 time.
func MustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// Class returns an IngressClass of [ControllerName], the default class
// when isDefault.
func Class(name string, isDefault bool) *networkingv1.IngressClass {
	c := &networkingv1.IngressClass{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       networkingv1.IngressClassSpec{Controller: ControllerName},
	}
	if isDefault {
		c.Annotations = map[string]string{networkingv1.AnnotationIsDefaultIngressClass: "true"}
	}
	return c
}

// Service returns a Service in ns with one TCP port, 80, named "http".
func Service(ns, name string) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP}}},
	}
}

// ExternalName returns an ExternalName Service svc in ns pointing at
// name, with port 80 named "http".
func ExternalName(ns, svc, name string) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: svc, Namespace: ns},
		Spec: corev1.ServiceSpec{
			Type: corev1.ServiceTypeExternalName, ExternalName: name,
			Ports: []corev1.ServicePort{{Name: "http", Port: 80}},
		},
	}
}

// Slice returns an EndpointSlice in ns for Service svc (by label), of
// address type typ, with port "http" 8080 (TCP) and one ready endpoint
// on node-a per address.
func Slice(ns, name, svc string, typ discoveryv1.AddressType, addrs ...string) *discoveryv1.EndpointSlice {
	s := &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{discoveryv1.LabelServiceName: svc}},
		AddressType: typ,
		Ports:       []discoveryv1.EndpointPort{{Name: Ptr("http"), Port: Ptr(int32(8080)), Protocol: Ptr(corev1.ProtocolTCP)}},
	}
	for _, a := range addrs {
		s.Endpoints = append(s.Endpoints, discoveryv1.Endpoint{Addresses: []string{a}, Conditions: discoveryv1.EndpointConditions{Ready: Ptr(true)}, NodeName: Ptr("node-a")})
	}
	return s
}

// IngressOption changes an Ingress [Ingress] builds.
type IngressOption func(*networkingv1.Ingress)

// Ingress returns an Ingress in ns of class [ClassName], created at
// [Epoch], with one rule: host, path (Prefix) to port "http" of Service
// svc. opts change it.
func Ingress(ns, name, host, path, svc string, opts ...IngressOption) *networkingv1.Ingress {
	ing := &networkingv1.Ingress{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: ns, Name: name, UID: types.UID("uid-" + ns + "-" + name),
			CreationTimestamp: metav1.NewTime(Epoch),
		},
		Spec: networkingv1.IngressSpec{
			IngressClassName: Ptr(ClassName),
			Rules: []networkingv1.IngressRule{{
				Host: host,
				IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
					Paths: []networkingv1.HTTPIngressPath{{
						Path:     path,
						PathType: Ptr(networkingv1.PathTypePrefix),
						Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
							Name: svc, Port: networkingv1.ServiceBackendPort{Name: "http"},
						}},
					}},
				}},
			}},
		},
	}
	for _, o := range opts {
		o(ing)
	}
	return ing
}

// Age makes the Ingress created age before [Epoch].
func Age(age time.Duration) IngressOption {
	return func(ing *networkingv1.Ingress) { ing.CreationTimestamp = metav1.NewTime(Epoch.Add(-age)) }
}

// PathType sets the rule's pathType; "" leaves it Prefix.
func PathType(t networkingv1.PathType) IngressOption {
	return func(ing *networkingv1.Ingress) {
		if t != "" {
			ing.Spec.Rules[0].HTTP.Paths[0].PathType = &t
		}
	}
}

// PortNumber names the backend's Service port by number instead of by
// name.
func PortNumber(n int32) IngressOption {
	return func(ing *networkingv1.Ingress) {
		ing.Spec.Rules[0].HTTP.Paths[0].Backend.Service.Port = networkingv1.ServiceBackendPort{Number: n}
	}
}

// Annotations sets the Ingress's annotations.
func Annotations(a map[string]string) IngressOption {
	return func(ing *networkingv1.Ingress) { ing.Annotations = a }
}

// TLS sets spec.tls.
func TLS(entries ...networkingv1.IngressTLS) IngressOption {
	return func(ing *networkingv1.Ingress) { ing.Spec.TLS = entries }
}
