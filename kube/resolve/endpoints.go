package resolve

import (
	"cmp"
	"net/netip"
	"slices"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/upstreamaddr"
)

// sliceEndpoints returns the endpoints of one Service port from the
// Service's EndpointSlices (any number, in any order), sorted by address.
//
// portName is the Service port's name ("" for an unnamed port): the
// EndpointSlice controller names each slice port after the Service port
// it resolves, so a targetPort given by name works, and so do endpoints
// whose pods resolve it to different numbers (they come in different
// slices). Only TCP ports count.
//
// Per endpoint, only the first address is used (as kube-proxy does); FQDN
// slices are ignored, and so are addresses that do not match the slice's
// address type or that are unspecified, loopback, link-local or multicast.
// Conditions map to [model.EndpointState]: ready (nil counts as true) is
// EndpointReady; else serving (nil counts as true) and terminating is
// EndpointTerminating; anything else is not serving and left out. An
// address:port listed more than once (an endpoint moving between slices)
// appears once, with its best state.
func sliceEndpoints(from []*discoveryv1.EndpointSlice, portName string, refused refusedAddrs) []model.Endpoint {
	from = slices.Clone(from)
	slices.SortFunc(from, func(a, b *discoveryv1.EndpointSlice) int { return cmp.Compare(a.Name, b.Name) })
	byAddr := make(map[netip.AddrPort]int)
	var out []model.Endpoint
	for _, s := range from {
		port, ok := slicePort(s, portName)
		if !ok {
			continue
		}
		for i := range s.Endpoints {
			e := &s.Endpoints[i]
			if len(e.Addresses) == 0 {
				continue
			}
			addr, ok := sliceAddr(s.AddressType, e.Addresses[0])
			if !ok || !refused.allows(addr) {
				continue
			}
			state := endpointState(e.Conditions)
			if state == model.EndpointNotServing {
				continue
			}
			ap := netip.AddrPortFrom(addr, port)
			if j, dup := byAddr[ap]; dup {
				if state < out[j].State {
					out[j] = toEndpoint(ap, e, state)
				}
				continue
			}
			byAddr[ap] = len(out)
			out = append(out, toEndpoint(ap, e, state))
		}
	}
	slices.SortFunc(out, func(a, b model.Endpoint) int { return a.Addr.Compare(b.Addr) })
	return out
}

// slicePort returns the number of the TCP port named name in s.
func slicePort(s *discoveryv1.EndpointSlice, name string) (uint16, bool) {
	for _, p := range s.Ports {
		if p.Port == nil || *p.Port < 1 || *p.Port > 65535 {
			continue
		}
		if p.Protocol != nil && *p.Protocol != corev1.ProtocolTCP {
			continue
		}
		if ptrValue(p.Name) == name {
			return uint16(*p.Port), true
		}
	}
	return 0, false
}

// sliceAddr parses an endpoint address of a slice of type t.
func sliceAddr(t discoveryv1.AddressType, s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil || !upstreamaddr.IsUsable(a) {
		return netip.Addr{}, false
	}
	switch t {
	case discoveryv1.AddressTypeIPv4:
		return a, a.Is4()
	case discoveryv1.AddressTypeIPv6:
		return a, a.Is6() && !a.Is4In6()
	}
	return netip.Addr{}, false
}

// endpointState maps EndpointSlice conditions to an endpoint state; nil
// ready and serving count as true, nil terminating as false (API doc).
func endpointState(c discoveryv1.EndpointConditions) model.EndpointState {
	switch {
	case c.Ready == nil || *c.Ready:
		return model.EndpointReady
	case (c.Serving == nil || *c.Serving) && c.Terminating != nil && *c.Terminating:
		return model.EndpointTerminating
	}
	return model.EndpointNotServing
}

func toEndpoint(ap netip.AddrPort, e *discoveryv1.Endpoint, state model.EndpointState) model.Endpoint {
	ep := model.Endpoint{Addr: ap, Node: ptrValue(e.NodeName), Zone: ptrValue(e.Zone), State: state}
	if h := e.Hints; h != nil {
		for _, n := range h.ForNodes {
			ep.ForNodes = append(ep.ForNodes, n.Name)
		}
		for _, z := range h.ForZones {
			ep.ForZones = append(ep.ForZones, z.Name)
		}
	}
	return ep
}

func ptrValue[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

// IndexSlices groups EndpointSlices by the Service they belong to (their
// kubernetes.io/service-name label), for [Backend.Endpoints]. Slices
// without the label belong to no Service and are left out.
func IndexSlices(all []*discoveryv1.EndpointSlice) map[types.NamespacedName][]*discoveryv1.EndpointSlice {
	m := make(map[types.NamespacedName][]*discoveryv1.EndpointSlice)
	for _, s := range all {
		name := s.Labels[discoveryv1.LabelServiceName]
		if name == "" {
			continue
		}
		k := types.NamespacedName{Namespace: s.Namespace, Name: name}
		m[k] = append(m[k], s)
	}
	return m
}
