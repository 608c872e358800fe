package gateway

import (
	"fmt"
	"net/textproto"
	"regexp"
	"strings"
	"time"

	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/firsthop/firsthop/model"
)

// httpRules translates the rules of an HTTPRoute.
func (t *translator) httpRules(r *gatewayv1.HTTPRoute) ruleSet {
	return translateRules(r.Spec.Rules, func(rule *gatewayv1.HTTPRouteRule) ([]model.Route, *problem, *problem) {
		return t.httpRule(r.Namespace, rule)
	})
}

// translateRules translates a route's rules with one, the kind's rule
// translation: a rule one refuses is dropped and counted, its problem
// kept (the first), and so is the first unresolved reference. No rules
// is the API server's default, one rule with no match and no backend.
func translateRules[R any](rules []R, one func(*R) (routes []model.Route, ruleP, refP *problem)) ruleSet {
	var rs ruleSet
	if len(rules) == 0 {
		rules = make([]R, 1)
	}
	for i := range rules {
		routes, ruleP, refP := one(&rules[i])
		note(&rs.refProblem, refP)
		if ruleP != nil {
			rs.dropped++
			note(&rs.ruleProblem, &problem{ruleP.reason, fmt.Sprintf("rule %d: %s", i, ruleP.message)})
			continue
		}
		rs.kept = append(rs.kept, routes)
	}
	return rs
}

// httpRule translates one rule into one model route per match, or returns
// the problem that leaves it out; refP is the first reference that could
// not be resolved.
func (t *translator) httpRule(ns string, rule *gatewayv1.HTTPRouteRule) (routes []model.Route, ruleP, refP *problem) {
	switch {
	case rule.Retry != nil:
		return nil, unsupported("retry is not supported"), nil
	case rule.SessionPersistence != nil:
		return nil, unsupported("sessionPersistence is not supported"), nil
	}
	var base model.Route
	var p *problem
	if rule.Timeouts != nil {
		if base.Timeout, base.BackendTimeout, p = timeouts(rule.Timeouts); p != nil {
			return nil, p, nil
		}
	}

	// Route-level filters; redirect and rewrite depend on the match's
	// path type, so they are converted per match below.
	var redirectF *gatewayv1.HTTPRequestRedirectFilter
	var rewriteF *gatewayv1.HTTPURLRewriteFilter
	seen := make(map[gatewayv1.HTTPRouteFilterType]bool)
	for _, f := range rule.Filters {
		if seen[f.Type] && f.Type != gatewayv1.HTTPRouteFilterRequestMirror {
			return nil, &problem{string(gatewayv1.RouteReasonIncompatibleFilters), fmt.Sprintf("filter %s is given twice", f.Type)}, nil
		}
		seen[f.Type] = true
		switch f.Type {
		case gatewayv1.HTTPRouteFilterRequestHeaderModifier:
			if base.RequestHeaders, p = headerModifier(f.RequestHeaderModifier); p != nil {
				return nil, p, nil
			}
		case gatewayv1.HTTPRouteFilterResponseHeaderModifier:
			if base.ResponseHeaders, p = headerModifier(f.ResponseHeaderModifier); p != nil {
				return nil, p, nil
			}
		case gatewayv1.HTTPRouteFilterRequestRedirect:
			if redirectF = f.RequestRedirect; redirectF == nil {
				return nil, unsupported("RequestRedirect filter without requestRedirect"), nil
			}
		case gatewayv1.HTTPRouteFilterURLRewrite:
			if rewriteF = f.URLRewrite; rewriteF == nil {
				return nil, unsupported("URLRewrite filter without urlRewrite"), nil
			}
		case gatewayv1.HTTPRouteFilterCORS:
			if f.CORS == nil {
				return nil, unsupported("CORS filter without cors"), nil
			}
			if base.CORS, p = corsPolicy(f.CORS); p != nil {
				return nil, p, nil
			}
		case gatewayv1.HTTPRouteFilterRequestMirror:
			if f.RequestMirror == nil {
				return nil, unsupported("RequestMirror filter without requestMirror"), nil
			}
			m, mp := t.mirror(kindHTTPRoute, ns, f.RequestMirror, false)
			note(&refP, mp)
			if m != nil {
				base.Mirror = append(base.Mirror, *m)
			}
		default:
			return nil, unsupported("filter %s is not supported", f.Type), nil
		}
	}
	if redirectF != nil && rewriteF != nil {
		return nil, &problem{string(gatewayv1.RouteReasonIncompatibleFilters), "RequestRedirect and URLRewrite cannot be used together"}, nil
	}

	if redirectF == nil {
		refs := make([]weightedRef, len(rule.BackendRefs))
		for i, br := range rule.BackendRefs {
			refs[i] = weightedRef{ref: br.BackendRef}
			for _, f := range br.Filters {
				if p := refs[i].filter(f.Type, f.RequestHeaderModifier, f.ResponseHeaderModifier); p != nil {
					return nil, p, nil
				}
			}
		}
		var rp *problem
		base, rp = t.forward(kindHTTPRoute, ns, base, refs, false)
		note(&refP, rp)
	}

	matches := rule.Matches
	if len(matches) == 0 {
		matches = []gatewayv1.HTTPRouteMatch{{}}
	}
	for _, m := range matches {
		r := base
		if p := httpMatch(&r, m); p != nil {
			return nil, p, refP
		}
		if redirectF != nil {
			if r.Redirect, p = redirect(redirectF, r.PathType); p != nil {
				return nil, p, refP
			}
		}
		if rewriteF != nil {
			if r.Rewrite, p = rewrite(rewriteF, r.PathType); p != nil {
				return nil, p, refP
			}
		}
		t.order++
		r.Order = t.order
		routes = append(routes, r)
	}
	return routes, nil, refP
}

// timeouts converts a rule's timeouts; "0s" (or none) is no bound.
func timeouts(to *gatewayv1.HTTPRouteTimeouts) (request, backend time.Duration, p *problem) {
	parse := func(d *gatewayv1.Duration, what string) (time.Duration, *problem) {
		if d == nil {
			return 0, nil
		}
		v, err := time.ParseDuration(string(*d))
		if err != nil || v < 0 {
			return 0, unsupported("timeouts.%s %q is not a duration", what, *d)
		}
		return v, nil
	}
	if request, p = parse(to.Request, "request"); p != nil {
		return 0, 0, p
	}
	if backend, p = parse(to.BackendRequest, "backendRequest"); p != nil {
		return 0, 0, p
	}
	if request > 0 && backend > request {
		return 0, 0, unsupported("timeouts.backendRequest %s is longer than timeouts.request %s", backend, request)
	}
	return request, backend, nil
}

// httpMatch sets r's path, method, header and query matches from m.
func httpMatch(r *model.Route, m gatewayv1.HTTPRouteMatch) *problem {
	r.Path, r.PathType = "/", model.PathPrefix
	if pm := m.Path; pm != nil {
		if pm.Value != nil {
			r.Path = *pm.Value
		}
		if !strings.HasPrefix(r.Path, "/") {
			return unsupported("path %q does not start with /", r.Path)
		}
		if clean, _ := model.CleanPath(r.Path); clean != r.Path {
			return unsupported("path %q is not in canonical form (%q)", r.Path, clean)
		}
		switch {
		case pm.Type == nil || *pm.Type == gatewayv1.PathMatchPathPrefix:
			r.Path = model.PrefixPath(r.Path)
		case *pm.Type == gatewayv1.PathMatchExact:
			r.PathType = model.PathExact
		default:
			return unsupported("path match type %s is not supported", *pm.Type)
		}
	}
	if m.Method != nil {
		r.Method = string(*m.Method)
	}
	r.Headers = nil
	for _, h := range m.Headers {
		name := textproto.CanonicalMIMEHeaderKey(string(h.Name))
		if hasHeader(r.Headers, name) {
			continue // the first match of a name wins
		}
		hm, p := headerMatch(name, h.Type == nil || *h.Type == gatewayv1.HeaderMatchExact,
			h.Type != nil && *h.Type == gatewayv1.HeaderMatchRegularExpression, h.Value)
		if p != nil {
			return p
		}
		r.Headers = append(r.Headers, hm)
	}
	r.Query = nil
	for _, q := range m.QueryParams {
		name := string(q.Name)
		if hasQuery(r.Query, name) {
			continue
		}
		st, p := stringMatch(q.Type == nil || *q.Type == gatewayv1.QueryParamMatchExact,
			q.Type != nil && *q.Type == gatewayv1.QueryParamMatchRegularExpression, q.Value, "query parameter "+name)
		if p != nil {
			return p
		}
		r.Query = append(r.Query, model.QueryMatch{Name: name, Type: st, Value: q.Value})
	}
	return nil
}

// headerMatch returns the model match of a header match.
func headerMatch(canonicalName string, exact, regex bool, value string) (model.HeaderMatch, *problem) {
	st, p := stringMatch(exact, regex, value, "header "+canonicalName)
	return model.HeaderMatch{Name: canonicalName, Type: st, Value: value}, p
}

// stringMatch returns the model type of an Exact or RegularExpression
// match, checking the expression compiles.
func stringMatch(exact, regex bool, value, what string) (model.StringMatch, *problem) {
	switch {
	case exact:
		return model.MatchExact, nil
	case regex:
		if _, err := regexp.Compile(value); err != nil {
			return 0, unsupported("%s: %v", what, err)
		}
		return model.MatchRegex, nil
	}
	return 0, unsupported("%s: match type is not supported", what)
}

func hasHeader(hs []model.HeaderMatch, name string) bool {
	for _, h := range hs {
		if h.Name == name {
			return true
		}
	}
	return false
}

func hasQuery(qs []model.QueryMatch, name string) bool {
	for _, q := range qs {
		if q.Name == name {
			return true
		}
	}
	return false
}
