package ingress

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
)

// Problem is something wrong with one Kubernetes object, found while
// translating the cluster into a routing table. Problems never stop the
// translation: the object (or the part of it at fault) is left out or
// served as documented for its Reason, and everything else is served.
type Problem struct {
	// Object is the object at fault (Kind, APIVersion, Namespace, Name,
	// UID). Events about the problem are recorded on it.
	Object corev1.ObjectReference

	// Reason is a short UpperCamelCase word naming the kind of problem, one
	// of the Reason constants; it is the Event's reason.
	Reason string

	// Message says what is wrong and what firsthop did about it.
	Message string

	// Skipped reports whether the whole object was left out of the table.
	// When false, only the part named in Message was affected.
	Skipped bool
}

// String returns "Kind namespace/name: Reason: Message".
func (p Problem) String() string {
	return fmt.Sprintf("%s %s/%s: %s: %s", p.Object.Kind, p.Object.Namespace, p.Object.Name, p.Reason, p.Message)
}

// Problem reasons. An Ingress with a problem whose reason is marked
// "skipped" is left out of the table entirely; the others affect only the
// part named.
const (
	// ReasonInvalidHost: a rule's host is not a DNS name or a "*." wildcard
	// of one label. Skipped.
	ReasonInvalidHost = "InvalidHost"
	// ReasonInvalidPath: a path is not a clean absolute path, or its
	// pathType is missing or unknown. Skipped.
	ReasonInvalidPath = "InvalidPath"
	// ReasonInvalidBackend: a backend names no Service, names a resource
	// (resource backends are not supported), or gives no valid port.
	// Skipped.
	ReasonInvalidBackend = "InvalidBackend"
	// ReasonRouteConflict: an older Ingress already serves the same host,
	// path and pathType (or the default backend); this one's route is
	// ignored.
	ReasonRouteConflict = "RouteConflict"
	// ReasonServiceNotFound: the backend Service does not exist; its
	// routes answer 503 until it does.
	ReasonServiceNotFound = "ServiceNotFound"
	// ReasonPortNotFound: the backend Service has no TCP port with the
	// number or name given; its routes answer 503.
	ReasonPortNotFound = "PortNotFound"
	// ReasonExternalNameRefused: the backend is an ExternalName Service and
	// ExternalName Services are not allowed (Options.AllowExternalName);
	// its routes answer 503.
	ReasonExternalNameRefused = "ExternalNameRefused"
	// ReasonExternalNameUnresolved: an allowed ExternalName Service's name
	// did not resolve to a usable address; its routes answer 503.
	ReasonExternalNameUnresolved = "ExternalNameUnresolved"
	// ReasonInvalidLocality: the firsthop.io/locality annotation has an
	// unknown value; the value it would override is used instead.
	ReasonInvalidLocality = "InvalidLocality"
	// ReasonLocalityConflict: two Ingresses ask for different localities for
	// the same backend; the older one's wins.
	ReasonLocalityConflict = "LocalityConflict"
	// ReasonRegexPath: an ImplementationSpecific path looks like a regular
	// expression; firsthop treats it as a literal Prefix path.
	ReasonRegexPath = "RegexPathNotSupported"
	// ReasonInvalidProtocol: the firsthop.io/backend-protocol annotation
	// has an unknown value; the Service port's appProtocol (or HTTP/1.1)
	// is used instead.
	ReasonInvalidProtocol = "InvalidBackendProtocol"
	// ReasonProtocolConflict: two Ingresses ask for different protocols
	// for the same backend; the older one's wins.
	ReasonProtocolConflict = "BackendProtocolConflict"
	// ReasonInvalidRouteOption: the firsthop.io/allow-trace or
	// firsthop.io/keep-encoded-slashes annotation is neither "true" nor
	// "false"; the option stays off.
	ReasonInvalidRouteOption = "InvalidRouteOption"
	// ReasonInvalidPolicy: a policy annotation (firsthop.io/allow-source-range,
	// nginx.ingress.kubernetes.io/limit-rps, ...) is malformed; the
	// Ingress fails closed: every route of it answers 403.
	ReasonInvalidPolicy = "InvalidPolicyAnnotation"
	// ReasonPolicyAnnotationConflict: a policy setting is given both in
	// firsthop's spelling and in ingress-nginx's; firsthop's is used.
	ReasonPolicyAnnotationConflict = "PolicyAnnotationConflict"
	// ReasonInvalidTLS: a spec.tls entry has an invalid host; the entry is
	// not used (its hosts get the default certificate), the routes are
	// served.
	ReasonInvalidTLS = "InvalidTLS"
	// ReasonSecretNotFound: a spec.tls entry names a Secret that does not
	// exist or is not of type kubernetes.io/tls; its hosts get the
	// default certificate until it does.
	ReasonSecretNotFound = "SecretNotFound"
	// ReasonInvalidSecret: a spec.tls Secret holds no usable certificate
	// and key; its hosts get the default certificate.
	ReasonInvalidSecret = "InvalidSecret"
)

// ingressRef returns the object reference of ing, for Problems and Events.
func ingressRef(ing *networkingv1.Ingress) corev1.ObjectReference {
	return corev1.ObjectReference{
		Kind:       "Ingress",
		APIVersion: networkingv1.SchemeGroupVersion.String(),
		Namespace:  ing.Namespace,
		Name:       ing.Name,
		UID:        ing.UID,
	}
}

// serviceRef returns the object reference of svc, for Problems and Events.
func serviceRef(svc *corev1.Service) corev1.ObjectReference {
	return corev1.ObjectReference{
		Kind:       "Service",
		APIVersion: "v1",
		Namespace:  svc.Namespace,
		Name:       svc.Name,
		UID:        svc.UID,
	}
}
