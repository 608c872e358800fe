package ingress

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/firsthop/firsthop/model"
)

// backendPlan is one backend of the table, before its endpoints are known:
// where the endpoints come from and with which locality they are ranked.
type backendPlan struct {
	// name is "namespace/service:port", port as the Ingress wrote it.
	name     string
	locality model.Locality
	protocol model.BackendProtocol

	// When fromSlices, endpoints come from the EndpointSlices of service,
	// port portName. Otherwise they are fixed (ExternalName addresses, or
	// none: a missing or refused Service).
	fromSlices bool
	service    types.NamespacedName
	portName   string
	fixed      []model.Endpoint
	refused    refusedAddrs // the plan's
}

// endpoints returns bp's endpoints given the EndpointSlices of bp.service.
func (bp *backendPlan) endpoints(from []*discoveryv1.EndpointSlice) []model.Endpoint {
	if !bp.fromSlices {
		return bp.fixed
	}
	return sliceEndpoints(from, bp.portName, bp.refused)
}

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

// servicePort returns the TCP port of svc that an Ingress backend port
// names: by Service port number or by Service port name.
func servicePort(svc *corev1.Service, p networkingv1.ServiceBackendPort) (corev1.ServicePort, bool) {
	for _, sp := range svc.Spec.Ports {
		if sp.Protocol != "" && sp.Protocol != corev1.ProtocolTCP {
			continue
		}
		if (p.Name != "" && sp.Name == p.Name) || (p.Name == "" && sp.Port == p.Number) {
			return sp, true
		}
	}
	return corev1.ServicePort{}, false
}

// portString returns the port of an Ingress backend as written.
func portString(p networkingv1.ServiceBackendPort) string {
	if p.Name != "" {
		return fmt.Sprintf("port %q", p.Name)
	}
	return fmt.Sprintf("port %d", p.Number)
}

// resolveExternal returns the endpoints of an ExternalName Service name on
// port: the name itself when it is an IP literal, else what r resolves it
// to. Unusable addresses (see upstreamaddr.IsUsable) and refused ones are dropped; none
// left is an error.
func resolveExternal(name string, port uint16, r Resolver, refused refusedAddrs) ([]model.Endpoint, error) {
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(name); err == nil {
		addrs = []netip.Addr{a}
	} else if r == nil {
		return nil, fmt.Errorf("externalName %q is not an IP address and no resolver is configured", name)
	} else if addrs, err = r.Resolve(name); err != nil {
		return nil, fmt.Errorf("resolving externalName %q: %v", name, err)
	}
	var eps []model.Endpoint
	for _, a := range addrs {
		if !refused.allows(a) {
			continue
		}
		ap := netip.AddrPortFrom(a.Unmap(), port)
		if !slices.ContainsFunc(eps, func(e model.Endpoint) bool { return e.Addr == ap }) {
			eps = append(eps, model.Endpoint{Addr: ap})
		}
	}
	if len(eps) == 0 {
		return nil, fmt.Errorf("externalName %q has no usable address (loopback, link-local, multicast, unspecified and metadata addresses, cluster IPs and the API server are refused)", name)
	}
	slices.SortFunc(eps, func(a, b model.Endpoint) int { return a.Addr.Compare(b.Addr) })
	return eps, nil
}

// parseIP reports whether s is an IP literal, and returns it.
func parseIP(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	return a, err == nil
}
