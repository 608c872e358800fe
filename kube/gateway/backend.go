package gateway

import (
	"errors"
	"fmt"
	"strconv"

	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/firsthop/firsthop/model"
)

// BackendName returns the model name of port of Service namespace/name as
// Gateway API routes use it: "gateway:<namespace>/<name>:<port>", with
// "+h2c" appended when a GRPCRoute needs it spoken as h2c though its
// appProtocol does not say so. An Ingress backend's name never starts
// with "gateway:" (its namespace would hold a colon).
func BackendName(namespace, name string, port int32, h2c bool) string {
	n := "gateway:" + namespace + "/" + name + ":" + strconv.Itoa(int(port))
	if h2c {
		n += "+h2c"
	}
	return n
}

// backendKey identifies one resolution.
type backendKey struct {
	namespace, name string
	port            int32
	grpc            bool
}

// backendResult is a resolution: a backend, or why there is none.
type backendResult struct {
	backend model.Backend
	problem *problem
}

// problem is why a reference or a rule cannot be used: the condition
// reason and a message.
type problem struct {
	reason  string
	message string
}

// backendRef resolves a backendRef (or a mirror's) of a route of kind
// fromKind in namespace fromNamespace. grpc asks for a backend spoken as
// h2c. It returns the backend's name, or the problem that leaves the
// reference unusable.
func (t *translator) backendRef(fromKind, fromNamespace string, ref gatewayv1.BackendObjectReference, grpc bool) (string, *problem) {
	ns := fromNamespace
	if ref.Namespace != nil {
		ns = string(*ref.Namespace)
	}
	switch {
	case ref.Group != nil && *ref.Group != "", ref.Kind != nil && *ref.Kind != "Service":
		group, kind := "", "Service"
		if ref.Group != nil {
			group = string(*ref.Group)
		}
		if ref.Kind != nil {
			kind = string(*ref.Kind)
		}
		return "", &problem{string(gatewayv1.RouteReasonInvalidKind),
			fmt.Sprintf("backendRef %s: kind %s of group %q is not supported (only Services)", ref.Name, kind, group)}
	case !t.grants.permits(fromKind, fromNamespace, "", "Service", ns, string(ref.Name)):
		return "", &problem{string(gatewayv1.RouteReasonRefNotPermitted),
			fmt.Sprintf("no ReferenceGrant in %s lets %ss of %s use Service %s", ns, fromKind, fromNamespace, ref.Name)}
	case ref.Port == nil:
		return "", &problem{string(gatewayv1.RouteReasonBackendNotFound),
			fmt.Sprintf("backendRef %s/%s has no port", ns, ref.Name)}
	}
	k := backendKey{namespace: ns, name: string(ref.Name), port: int32(*ref.Port), grpc: grpc}
	if r, ok := t.backends[k]; ok {
		return r.backend.Name, r.problem
	}
	r := t.resolveService(k)
	t.backends[k] = r
	return r.backend.Name, r.problem
}

// resolveService asks the Resolver for a Service port.
func (t *translator) resolveService(k backendKey) backendResult {
	b, err := t.resolver.Service(k.namespace, k.name, k.port)
	switch {
	case errors.Is(err, ErrUnsupportedProtocol):
		return backendResult{problem: &problem{string(gatewayv1.RouteReasonUnsupportedProtocol),
			fmt.Sprintf("Service %s/%s port %d: %v", k.namespace, k.name, k.port, err)}}
	case err != nil:
		return backendResult{problem: &problem{string(gatewayv1.RouteReasonBackendNotFound),
			fmt.Sprintf("Service %s/%s port %d: %v", k.namespace, k.name, k.port, err)}}
	}
	// gRPC is HTTP/2: a Service port that does not say h2c (or https) is
	// spoken h2c for GRPCRoutes, under a name of its own.
	forced := k.grpc && b.Protocol == model.ProtocolHTTP1
	if forced {
		b.Protocol = model.ProtocolH2C
	}
	b.Name = BackendName(k.namespace, k.name, k.port, forced)
	return backendResult{backend: b}
}

// weightedRef is a backendRef with its own header filters.
type weightedRef struct {
	ref              gatewayv1.BackendRef
	request, respond *model.HeaderModifier
}

// filter adds a backendRef filter; only header modifiers are supported.
func (w *weightedRef) filter(typ gatewayv1.HTTPRouteFilterType, req, resp *gatewayv1.HTTPHeaderFilter) *problem {
	var p *problem
	switch {
	case typ == gatewayv1.HTTPRouteFilterRequestHeaderModifier && req != nil && w.request == nil:
		w.request, p = headerModifier(req)
	case typ == gatewayv1.HTTPRouteFilterResponseHeaderModifier && resp != nil && w.respond == nil:
		w.respond, p = headerModifier(resp)
	default:
		p = unsupported("backendRef %s: filter %s is not supported there", w.ref.Name, typ)
	}
	return p
}

// forward sets r's action to the backends of refs: a 500 answer when there
// are none, the backend itself for one usable backend of positive weight
// without filters, else a weighted split in which unusable references keep
// their weight and an empty name (answered 500). It returns the first
// reference that could not be resolved.
func (t *translator) forward(fromKind, ns string, r model.Route, refs []weightedRef, grpc bool) (model.Route, *problem) {
	if len(refs) == 0 {
		r.Respond = &model.DirectResponse{Status: 500}
		return r, nil
	}
	var first *problem
	split := make([]model.WeightedBackend, len(refs))
	for i, w := range refs {
		name, p := t.backendRef(fromKind, ns, w.ref.BackendObjectReference, grpc)
		note(&first, p)
		weight := uint32(1)
		if w.ref.Weight != nil {
			weight = uint32(max(*w.ref.Weight, 0))
		}
		split[i] = model.WeightedBackend{Backend: name, Weight: weight, RequestHeaders: w.request, ResponseHeaders: w.respond}
	}
	if s := split[0]; len(split) == 1 && s.Backend != "" && s.Weight > 0 && s.RequestHeaders == nil && s.ResponseHeaders == nil {
		r.Backend = s.Backend
		return r, first
	}
	r.Split = split
	return r, first
}
