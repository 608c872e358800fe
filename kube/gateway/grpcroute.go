package gateway

import (
	"fmt"
	"net/textproto"
	"strings"

	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/firsthop/firsthop/model"
)

// grpcRules translates the rules of a GRPCRoute. A gRPC call is a POST to
// "/<service>/<method>" over HTTP/2; its backends are spoken h2c unless
// their appProtocol says otherwise.
func (t *translator) grpcRules(r *gatewayv1.GRPCRoute) ruleSet {
	return translateRules(r.Spec.Rules, func(rule *gatewayv1.GRPCRouteRule) ([]model.Route, *problem, *problem) {
		return t.grpcRule(r.Namespace, rule)
	})
}

// grpcRule translates one rule into one model route per match.
func (t *translator) grpcRule(ns string, rule *gatewayv1.GRPCRouteRule) (routes []model.Route, ruleP, refP *problem) {
	if rule.SessionPersistence != nil {
		return nil, unsupported("sessionPersistence is not supported"), nil
	}
	var base model.Route
	var p *problem
	seen := make(map[gatewayv1.GRPCRouteFilterType]bool)
	for _, f := range rule.Filters {
		if seen[f.Type] && f.Type != gatewayv1.GRPCRouteFilterRequestMirror {
			return nil, &problem{string(gatewayv1.RouteReasonIncompatibleFilters), fmt.Sprintf("filter %s is given twice", f.Type)}, nil
		}
		seen[f.Type] = true
		switch f.Type {
		case gatewayv1.GRPCRouteFilterRequestHeaderModifier:
			if base.RequestHeaders, p = headerModifier(f.RequestHeaderModifier); p != nil {
				return nil, p, nil
			}
		case gatewayv1.GRPCRouteFilterResponseHeaderModifier:
			if base.ResponseHeaders, p = headerModifier(f.ResponseHeaderModifier); p != nil {
				return nil, p, nil
			}
		case gatewayv1.GRPCRouteFilterRequestMirror:
			if f.RequestMirror == nil {
				return nil, unsupported("RequestMirror filter without requestMirror"), nil
			}
			m, mp := t.mirror(kindGRPCRoute, ns, f.RequestMirror, true)
			note(&refP, mp)
			if m != nil {
				base.Mirror = append(base.Mirror, *m)
			}
		default:
			return nil, unsupported("filter %s is not supported", f.Type), nil
		}
	}

	refs := make([]weightedRef, len(rule.BackendRefs))
	for i, br := range rule.BackendRefs {
		refs[i] = weightedRef{ref: br.BackendRef}
		for _, f := range br.Filters {
			if p := refs[i].filter(gatewayv1.HTTPRouteFilterType(f.Type), f.RequestHeaderModifier, f.ResponseHeaderModifier); p != nil {
				return nil, p, refP
			}
		}
	}
	var rp *problem
	base, rp = t.forward(kindGRPCRoute, ns, base, refs, true)
	note(&refP, rp)

	matches := rule.Matches
	if len(matches) == 0 {
		matches = []gatewayv1.GRPCRouteMatch{{}}
	}
	for _, m := range matches {
		r := base
		if p := grpcMatch(&r, m); p != nil {
			return nil, p, refP
		}
		t.order++
		r.Order = t.order
		routes = append(routes, r)
	}
	return routes, nil, refP
}

// grpcMatch sets r's path, method and header matches from m: service and
// method give the exact path "/service/method", a service alone the
// prefix "/service", neither the prefix "/".
func grpcMatch(r *model.Route, m gatewayv1.GRPCRouteMatch) *problem {
	r.Method = "POST"
	r.Path, r.PathType = "/", model.PathPrefix
	if mm := m.Method; mm != nil {
		if mm.Type != nil && *mm.Type != gatewayv1.GRPCMethodMatchExact {
			return unsupported("method match type %s is not supported", *mm.Type)
		}
		var svc, method string
		if mm.Service != nil {
			svc = *mm.Service
		}
		if mm.Method != nil {
			method = *mm.Method
		}
		switch {
		case strings.ContainsAny(svc, "/?#") || strings.ContainsAny(method, "/?#"):
			return unsupported("service %q or method %q holds a character a gRPC name cannot", svc, method)
		case svc != "" && method != "":
			r.Path, r.PathType = "/"+svc+"/"+method, model.PathExact
		case svc != "":
			r.Path = "/" + svc
		case method != "":
			return unsupported("a method match without a service is not supported")
		}
	}
	r.Headers = nil
	for _, h := range m.Headers {
		name := textproto.CanonicalMIMEHeaderKey(string(h.Name))
		if hasHeader(r.Headers, name) {
			continue
		}
		hm, p := headerMatch(name, h.Type == nil || *h.Type == gatewayv1.GRPCHeaderMatchExact,
			h.Type != nil && *h.Type == gatewayv1.GRPCHeaderMatchRegularExpression, h.Value)
		if p != nil {
			return p
		}
		r.Headers = append(r.Headers, hm)
	}
	return nil
}
