package resolve

import (
	"fmt"
	"net/netip"
	"slices"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/firsthop/firsthop/model"
)

// BackendRef is a processor's request for one backend: a port of a
// Service, named by an object (an Ingress, a route).
type BackendRef struct {
	// Name is the backend's name in the table, chosen by the processor
	// (see the kube package's rule on names).
	Name string
	// Service is the Service, in whatever namespace the processor
	// allows.
	Service types.NamespacedName
	// Port is the Service port.
	Port Port
	// From is the object that names the backend: problems are reported
	// on it, and its annotations are read (see [Resolver.Backend]).
	From Referrer
}

// Port names a Service port: by Name when it is set, else by Number.
type Port struct {
	Name   string
	Number int32
}

// String returns the port as written: `port "http"` or `port 80`.
func (p Port) String() string {
	if p.Name != "" {
		return fmt.Sprintf("port %q", p.Name)
	}
	return fmt.Sprintf("port %d", p.Number)
}

// Referrer is the object that names a backend.
type Referrer struct {
	// Object is its reference, for Problems and Events.
	Object corev1.ObjectReference
	// Annotations are its annotations, of which [AnnotationLocality] and
	// [AnnotationBackendProtocol] are read; nil reads none.
	Annotations map[string]string
}

// Backend is one backend of the table before its endpoints are known:
// where the endpoints come from, and with which locality and protocol
// they are used. Make one with [Resolver.Backend]; it is not modified
// afterwards and may be shared between tables.
type Backend struct {
	// Name is the name asked for in [BackendRef.Name].
	Name     string
	Locality model.Locality
	Protocol model.BackendProtocol

	// Tune, when not nil, is called by [Backend.Model] on the backend it
	// built, last: a processor's own settings for the backend beyond what
	// resolution decides (timeouts, TLS verification). It must depend only
	// on what it captured, as Model may be called on every endpoint
	// change, and must not change the name or the endpoints.
	Tune func(*model.Backend)

	// When fromSlices, endpoints come from the EndpointSlices of service,
	// port portName. Otherwise they are fixed (ExternalName addresses, or
	// none: a missing or refused Service).
	fromSlices bool
	service    types.NamespacedName
	portName   string
	fixed      []model.Endpoint
	refused    refusedAddrs // the resolver's
}

// Service returns the Service whose EndpointSlices hold b's endpoints,
// and false when b's endpoints are fixed (an ExternalName, or none).
func (b *Backend) Service() (types.NamespacedName, bool) {
	return b.service, b.fromSlices
}

// Endpoints returns b's endpoints given the EndpointSlices of the Service
// [Backend.Service] names (any number, in any order; they are not read
// when b's endpoints are fixed), sorted by address. See the package
// documentation for which endpoints are used.
func (b *Backend) Endpoints(from []*discoveryv1.EndpointSlice) []model.Endpoint {
	if !b.fromSlices {
		return b.fixed
	}
	return sliceEndpoints(from, b.portName, b.refused)
}

// Model returns b as the table's backend, with endpoints eps. An https
// backend is encrypted but its certificates are not verified: pods rarely
// hold a certificate for their own address (ingress-nginx's default too),
// unless b.Tune says otherwise.
func (b *Backend) Model(eps []model.Endpoint) model.Backend {
	m := model.Backend{
		Name:                  b.Name,
		Locality:              b.Locality,
		Endpoints:             eps,
		Protocol:              b.Protocol,
		TLSInsecureSkipVerify: b.Protocol == model.ProtocolHTTPS,
	}
	if b.Tune != nil {
		b.Tune(&m)
	}
	return m
}

// servicePort returns the TCP port of svc that p names: by Service port
// number or by Service port name.
func servicePort(svc *corev1.Service, p Port) (corev1.ServicePort, bool) {
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

// resolveExternal returns the endpoints of an ExternalName Service name on
// port: the name itself when it is an IP literal, else what r resolves it
// to. Unusable addresses (see upstreamaddr.IsUsable) and refused ones are dropped; none
// left is an error.
func resolveExternal(name string, port uint16, r DNS, refused refusedAddrs) ([]model.Endpoint, error) {
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
