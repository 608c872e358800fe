package resolve

import (
	"net/netip"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/firsthop/firsthop/proxy/upstreamaddr"
)

// APIServerService is the Service whose endpoints are the API server's.
// Its EndpointSlices are read for the addresses no backend may have: a
// change to them needs a new [Resolver].
var APIServerService = types.NamespacedName{Namespace: metav1.NamespaceDefault, Name: "kubernetes"}

// refusedAddrs are addresses no backend may have, beyond those
// [upstreamaddr.IsUsable] refuses: the API server's own endpoints, every
// Service's cluster IP (an endpoint is a pod, never a virtual IP), and
// what Options.RefusedAddrs lists (the proxy's own pod addresses). nil
// refuses nothing more.
type refusedAddrs map[netip.Addr]bool

// newRefusedAddrs collects the addresses no endpoint may have: extra, the
// cluster IPs of services and the endpoints of the API server's Service
// in slices (other slices are passed over).
func newRefusedAddrs(services []*corev1.Service, slices []*discoveryv1.EndpointSlice, extra []netip.Addr) refusedAddrs {
	r := refusedAddrs{}
	for _, a := range extra {
		r[a.Unmap()] = true
	}
	for _, svc := range services {
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
	for _, sl := range slices {
		if sl.Namespace != APIServerService.Namespace || sl.Labels[discoveryv1.LabelServiceName] != APIServerService.Name {
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

// allows reports whether a may be an endpoint address.
func (r refusedAddrs) allows(a netip.Addr) bool { return upstreamaddr.IsUsable(a) && !r[a.Unmap()] }
