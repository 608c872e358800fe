package ingress

import (
	"errors"
	"fmt"
	"strconv"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/firsthop/firsthop/kube/resolve"
)

// checkBackend checks the shape of an Ingress backend: a Service with a
// name and exactly one of a port name or a port number in 1-65535.
// Resource backends are refused.
func checkBackend(b *networkingv1.IngressBackend) error {
	switch {
	case b.Resource != nil:
		return fmt.Errorf("resource backends (%s %q) are not supported; use a Service", b.Resource.Kind, b.Resource.Name)
	case b.Service == nil:
		return errors.New("backend has no service")
	case b.Service.Name == "":
		return errors.New("backend service has no name")
	}
	p := b.Service.Port
	switch {
	case p.Name != "" && p.Number != 0:
		return fmt.Errorf("backend service %q gives both port name %q and number %d", b.Service.Name, p.Name, p.Number)
	case p.Name == "" && (p.Number < 1 || p.Number > 65535):
		return fmt.Errorf("backend service %q needs a port name or a port number in 1-65535", b.Service.Name)
	}
	return nil
}

// backendName returns the table name of a checked Service backend in
// namespace ns: "namespace/service:port", with the port as written.
func backendName(ns string, b *networkingv1.IngressServiceBackend) string {
	port := b.Port.Name
	if port == "" {
		port = strconv.Itoa(int(b.Port.Number))
	}
	return ns + "/" + b.Name + ":" + port
}

// backendRef is the request to resolve a checked Service backend sb of
// ing, named name.
func backendRef(ing *networkingv1.Ingress, name string, sb *networkingv1.IngressServiceBackend) resolve.BackendRef {
	return resolve.BackendRef{
		Name:    name,
		Service: types.NamespacedName{Namespace: ing.Namespace, Name: sb.Name},
		Port:    resolve.Port{Name: sb.Port.Name, Number: sb.Port.Number},
		From:    resolve.Referrer{Object: ingressRef(ing), Annotations: ing.Annotations},
	}
}
