package gateway

import (
	"fmt"
	"math"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/firsthop/firsthop/model"
)

// routeInput is what HTTPRoutes and GRPCRoutes have in common.
type routeInput struct {
	kind       string // kindHTTPRoute or kindGRPCRoute
	obj        metav1.Object
	nn         types.NamespacedName
	hostnames  []gatewayv1.Hostname
	parentRefs []gatewayv1.ParentReference
	// rules translates the route's rules; called once, in precedence
	// order, only for a route with a parent of ours.
	rules func() ruleSet
}

// ruleSet is a route's rules as model routes without scope and host.
type ruleSet struct {
	// kept holds, per rule kept, one model route per match, in order.
	kept [][]model.Route
	// dropped counts the rules left out; ruleProblem is the first one's
	// reason.
	dropped     int
	ruleProblem *problem
	// refProblem is the first reference that could not be resolved.
	refProblem *problem
}

// note records p as the first problem of its kind.
func note(first **problem, p *problem) {
	if p != nil && *first == nil {
		*first = p
	}
}

// routes translates every route with a parent of ours, oldest first.
func (t *translator) routes(https []*gatewayv1.HTTPRoute, grpcs []*gatewayv1.GRPCRoute) {
	inputs := make([]routeInput, 0, len(https)+len(grpcs))
	for _, r := range https {
		inputs = append(inputs, routeInput{
			kind: kindHTTPRoute, obj: r, nn: types.NamespacedName{Namespace: r.Namespace, Name: r.Name},
			hostnames: r.Spec.Hostnames, parentRefs: r.Spec.ParentRefs,
			rules: func() ruleSet { return t.httpRules(r) },
		})
	}
	for _, r := range grpcs {
		inputs = append(inputs, routeInput{
			kind: kindGRPCRoute, obj: r, nn: types.NamespacedName{Namespace: r.Namespace, Name: r.Name},
			hostnames: r.Spec.Hostnames, parentRefs: r.Spec.ParentRefs,
			rules: func() ruleSet { return t.grpcRules(r) },
		})
	}
	slices.SortFunc(inputs, func(a, b routeInput) int {
		if c := olderFirst(a.obj, b.obj); c != 0 {
			return c
		}
		return strings.Compare(a.kind, b.kind)
	})
	for i := range inputs {
		t.route(&inputs[i])
	}
}

// parentGateway returns the Gateway of ours ref names, or nil.
func (t *translator) parentGateway(routeNamespace string, ref gatewayv1.ParentReference) *gatewayState {
	if (ref.Group != nil && *ref.Group != gatewayv1.GroupName) || (ref.Kind != nil && *ref.Kind != "Gateway") {
		return nil
	}
	ns := routeNamespace
	if ref.Namespace != nil {
		ns = string(*ref.Namespace)
	}
	return t.byName[types.NamespacedName{Namespace: ns, Name: string(ref.Name)}]
}

// route translates one route and decides its parents' status.
func (t *translator) route(in *routeInput) {
	var parents []*gatewayState
	for _, ref := range in.parentRefs {
		parents = append(parents, t.parentGateway(in.nn.Namespace, ref))
	}
	if !slices.ContainsFunc(parents, func(g *gatewayState) bool { return g != nil }) {
		return
	}

	hosts, hostProblem := routeHostnames(in.hostnames)
	rs := in.rules()
	var acceptProblem *problem
	note(&acceptProblem, hostProblem)
	if len(rs.kept) == 0 && rs.dropped > 0 {
		note(&acceptProblem, rs.ruleProblem)
	}

	generation := in.obj.GetGeneration()
	var statuses []gatewayv1.RouteParentStatus
	counted := make(map[*listenerState]bool)
	for i, ref := range in.parentRefs {
		gs := parents[i]
		if gs == nil {
			continue
		}
		c := conditions{generation: generation}
		accepted := string(gatewayv1.RouteConditionAccepted)
		att, reason, msg := t.attach(in, hosts, ref, gs)
		switch {
		case acceptProblem != nil:
			c.set(accepted, false, acceptProblem.reason, acceptProblem.message)
		case reason != "":
			c.set(accepted, false, reason, msg)
		default:
			c.set(accepted, true, string(gatewayv1.RouteReasonAccepted), "")
			for _, a := range att {
				if !counted[a.ls] {
					counted[a.ls] = true
					a.ls.attached++
				}
				t.emit(a, rs)
			}
		}
		if rs.refProblem != nil {
			c.set(string(gatewayv1.RouteConditionResolvedRefs), false, rs.refProblem.reason, rs.refProblem.message)
		} else {
			c.set(string(gatewayv1.RouteConditionResolvedRefs), true, string(gatewayv1.RouteReasonResolvedRefs), "")
		}
		if acceptProblem == nil && rs.dropped > 0 {
			c.set(string(gatewayv1.RouteConditionPartiallyInvalid), true, rs.ruleProblem.reason,
				fmt.Sprintf("%d of %d rules are not served: %s", rs.dropped, rs.dropped+len(rs.kept), rs.ruleProblem.message))
		}
		statuses = append(statuses, gatewayv1.RouteParentStatus{
			ParentRef:      ref,
			ControllerName: gatewayv1.GatewayController(t.opts.ControllerName),
			Conditions:     c.list,
		})
	}
	if in.kind == kindHTTPRoute {
		t.status.HTTPRoutes[in.nn] = statuses
	} else {
		t.status.GRPCRoutes[in.nn] = statuses
	}
}

// routeHostnames checks a route's hostnames and returns them in model form.
func routeHostnames(hs []gatewayv1.Hostname) ([]string, *problem) {
	out := make([]string, 0, len(hs))
	for _, h := range hs {
		m, err := model.RouteHost(string(h))
		if err != nil || m == "" {
			return nil, &problem{string(gatewayv1.RouteReasonUnsupportedValue), fmt.Sprintf("hostname %q is not valid", h)}
		}
		out = append(out, m)
	}
	return out, nil
}

// attachment is a listener a route attaches to, with the route's hosts
// there.
type attachment struct {
	ls    *listenerState
	hosts []string
}

// attach returns the listeners of gs that ref selects and that take the
// route, or the reason (and message) why none does.
func (t *translator) attach(in *routeInput, hosts []string, ref gatewayv1.ParentReference, gs *gatewayState) ([]attachment, string, string) {
	if !gs.accepted {
		return nil, string(gatewayv1.RouteReasonNoMatchingParent), fmt.Sprintf("Gateway %s is not accepted", gs.nn)
	}
	var selected, usable, allowed []*listenerState
	for _, ls := range gs.listeners {
		if (ref.SectionName == nil || *ref.SectionName == ls.spec.Name) && (ref.Port == nil || *ref.Port == ls.spec.Port) {
			selected = append(selected, ls)
			if ls.accepted {
				usable = append(usable, ls)
			}
		}
	}
	switch {
	case len(selected) == 0:
		return nil, string(gatewayv1.RouteReasonNoMatchingParent), "no listener matches the parentRef's sectionName and port"
	case len(usable) == 0:
		return nil, string(gatewayv1.RouteReasonNoMatchingParent), "no listener the parentRef selects is accepted"
	}
	for _, ls := range usable {
		if t.allows(gs, ls, in) {
			allowed = append(allowed, ls)
		}
	}
	if len(allowed) == 0 {
		return nil, string(gatewayv1.RouteReasonNotAllowedByListeners),
			fmt.Sprintf("no listener the parentRef selects allows %ss from namespace %s", in.kind, in.nn.Namespace)
	}
	var att []attachment
	for _, ls := range allowed {
		if h, ok := intersect(ls.hostname, hosts); ok {
			att = append(att, attachment{ls: ls, hosts: isolated(gs, ls, h)})
		}
	}
	if len(att) == 0 {
		return nil, string(gatewayv1.RouteReasonNoMatchingListenerHostname), "no hostname of the route matches a listener's"
	}
	return att, "", ""
}

// isolated returns the hosts of hs that requests reach ls for: a host
// that a more specific listener of ls's port covers is that listener's,
// so ls's routes do not serve it (listener isolation). The route stays
// attached to ls even when no host is left.
func isolated(gs *gatewayState, ls *listenerState, hs []string) []string {
	return slices.DeleteFunc(hs, func(h string) bool {
		return slices.ContainsFunc(gs.listeners, func(o *listenerState) bool {
			return o != ls && o.scope != nil && o.scope == ls.scope && o.hostname != ls.hostname &&
				covers(ls.hostname, o.hostname) && covers(o.hostname, h)
		})
	})
}

// allows reports whether ls takes routes of in's kind from in's namespace.
func (t *translator) allows(gs *gatewayState, ls *listenerState, in *routeInput) bool {
	if !slices.ContainsFunc(ls.kinds, func(k gatewayv1.RouteGroupKind) bool { return string(k.Kind) == in.kind }) {
		return false
	}
	from := gatewayv1.NamespacesFromSame
	var sel *metav1.LabelSelector
	if ar := ls.spec.AllowedRoutes; ar != nil && ar.Namespaces != nil {
		if ar.Namespaces.From != nil {
			from = *ar.Namespaces.From
		}
		sel = ar.Namespaces.Selector
	}
	switch from {
	case gatewayv1.NamespacesFromAll:
		return true
	case gatewayv1.NamespacesFromSame:
		return in.nn.Namespace == gs.nn.Namespace
	case gatewayv1.NamespacesFromSelector:
		if sel == nil {
			return false
		}
		s, err := metav1.LabelSelectorAsSelector(sel)
		if err != nil {
			return false
		}
		l, ok := t.nsLabels[in.nn.Namespace]
		return ok && s.Matches(labels.Set(l))
	}
	return false
}

// emit adds the model routes of rs to the scope of an attachment, one per
// host and match, skipping those an earlier route (or host) already holds.
func (t *translator) emit(a attachment, rs ruleSet) {
	sc := a.ls.scope
	if sc == nil {
		return
	}
	for _, h := range a.hosts {
		for _, rule := range rs.kept {
			for _, r := range rule {
				r.Scope = sc.Spec.Name
				r.Host = h
				k := r.Key()
				if sc.keys[k] {
					continue
				}
				sc.keys[k] = true
				sc.hosts[h] = true
				sc.Routes = append(sc.Routes, r)
			}
		}
	}
}

// addCatchAll gives every listener hostname of the scope that another
// listener's hostname covers, and that no route serves, a route answering
// 404: a request goes to the routes of the most specific listener it
// matches, never to a less specific listener's (listener isolation).
func (sc *scopeState) addCatchAll(gs *gatewayState) {
	for _, ls := range gs.listeners {
		h := ls.hostname
		if ls.scope != sc || h == "" || sc.hosts[h] {
			continue
		}
		coveredByOther := slices.ContainsFunc(gs.listeners, func(o *listenerState) bool {
			return o != ls && o.scope == sc && o.hostname != h && covers(o.hostname, h)
		})
		if !coveredByOther {
			continue
		}
		sc.hosts[h] = true
		r := model.Route{Scope: sc.Spec.Name, Host: h, Path: "/", PathType: model.PathPrefix, Order: math.MaxInt32,
			Respond: &model.DirectResponse{Status: 404}}
		sc.keys[r.Key()] = true
		sc.Routes = append(sc.Routes, r)
	}
}
