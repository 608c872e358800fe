package ingress

import (
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
)

// Problem reasons of the Ingress processor (those of resolution, the same
// for every processor, are in package resolve). An Ingress with a problem
// whose reason is marked "skipped" is left out of the table entirely; the
// others affect only the part named.
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
	// ReasonLocalityConflict: two Ingresses ask for different localities for
	// the same backend; the older one's wins.
	ReasonLocalityConflict = "LocalityConflict"
	// ReasonRegexPath: an ImplementationSpecific path looks like a regular
	// expression; firsthop treats it as a literal Prefix path.
	ReasonRegexPath = "RegexPathNotSupported"
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

	// The ingress-nginx annotations of an Ingress read with them (see
	// [AnnotationIngressNginx]); the message names the annotation.
	//
	// ReasonNginxAnnotationDiffers: served with a difference a person
	// should know (a Normal Event).
	ReasonNginxAnnotationDiffers = "IngressNginxAnnotationDiffers"
	// ReasonNginxAnnotationNotServed: refused (snippets), not served yet,
	// or not an annotation ingress-nginx documents. Where it guards
	// access, every route of the Ingress answers 403.
	ReasonNginxAnnotationNotServed = "IngressNginxAnnotationNotServed"
	// ReasonInvalidNginxAnnotation: a malformed value, not used (the
	// message says what is done instead). Where the annotation guards
	// access, every route of the Ingress answers 403.
	ReasonInvalidNginxAnnotation = "InvalidIngressNginxAnnotation"
	// ReasonNginxAnnotationsIgnored: an Ingress not read with its
	// ingress-nginx annotations sets one that guards access
	// (authentication, a snippet); it is not applied.
	ReasonNginxAnnotationsIgnored = "IngressNginxAnnotationsIgnored"
	// ReasonCanaryNotJoined: a canary Ingress's path has no main route to
	// join (no Ingress serves its host and path, the main route
	// redirects, or it already has a canary); the canary's backend is not
	// used for it.
	ReasonCanaryNotJoined = "CanaryNotJoined"
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
