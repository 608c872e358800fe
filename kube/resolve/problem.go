package resolve

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

// Problem is something wrong with one Kubernetes object, found while
// translating the cluster into a routing table. Problems never stop the
// translation: the object (or the part of it at fault) is left out or
// served as documented for its Reason, and everything else is served.
// Every processor reports its problems with this type; the controller
// logs them and records them as Events.
type Problem struct {
	// Object is the object at fault (Kind, APIVersion, Namespace, Name,
	// UID). Events about the problem are recorded on it.
	Object corev1.ObjectReference

	// Reason is a short UpperCamelCase word naming the kind of problem, one
	// of the Reason constants (of this package or of the processor that
	// reports it); it is the Event's reason.
	Reason string

	// Message says what is wrong and what firsthop did about it.
	Message string

	// Skipped reports whether the whole object was left out of the table.
	// When false, only the part named in Message was affected.
	Skipped bool

	// Normal marks a note rather than a fault: something served as asked,
	// with a difference a person should know. It is logged at info level
	// and recorded as a Normal Event; every other problem is a warning.
	Normal bool
}

// String returns "Kind namespace/name: Reason: Message".
func (p Problem) String() string {
	return fmt.Sprintf("%s %s/%s: %s: %s", p.Object.Kind, p.Object.Namespace, p.Object.Name, p.Reason, p.Message)
}

// Problem reasons of resolution, the same for every processor. Each
// affects only the backend or the certificate named.
const (
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
	// ReasonInvalidProtocol: the firsthop.io/backend-protocol annotation
	// has an unknown value; the Service port's appProtocol (or HTTP/1.1)
	// is used instead.
	ReasonInvalidProtocol = "InvalidBackendProtocol"
	// ReasonSecretNotFound: a TLS certificate reference names a Secret
	// that does not exist or is not of type kubernetes.io/tls; its hosts
	// get the default certificate until it does.
	ReasonSecretNotFound = "SecretNotFound"
	// ReasonInvalidSecret: a referenced TLS Secret holds no usable
	// certificate and key; its hosts get the default certificate.
	ReasonInvalidSecret = "InvalidSecret"
)

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
