package gateway

import (
	"cmp"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/firsthop/firsthop/config"
	"github.com/firsthop/firsthop/model"
)

// Translate turns the Gateway API objects of in that belong to firsthop
// (their GatewayClass's controllerName is o.ControllerName) into model
// scopes, listeners, routes and backends, and decides the status of each
// of them. It is a pure function of its arguments and r's answers; it
// modifies nothing it is given. The semantics are in the package comment.
func Translate(in Snapshot, r Resolver, o Options) Result {
	if o.ControllerName == "" {
		o.ControllerName = DefaultControllerName
	}
	t := &translator{
		opts:     o,
		resolver: r,
		grants:   indexGrants(in.ReferenceGrants),
		nsLabels: make(map[string]labels.Set, len(in.Namespaces)),
		backends: make(map[backendKey]backendResult),
		params:   make(map[string]*config.GatewayParameters),
		status: Status{
			GatewayClasses: make(map[string]gatewayv1.GatewayClassStatus),
			Gateways:       make(map[types.NamespacedName]gatewayv1.GatewayStatus),
			HTTPRoutes:     make(map[types.NamespacedName][]gatewayv1.RouteParentStatus),
			GRPCRoutes:     make(map[types.NamespacedName][]gatewayv1.RouteParentStatus),
		},
	}
	for _, ns := range in.Namespaces {
		t.nsLabels[ns.Name] = labels.Set(ns.Labels)
	}
	classes := t.classes(in.GatewayClasses)
	t.gateways(in.Gateways, classes)
	t.routes(in.HTTPRoutes, in.GRPCRoutes)
	return t.result()
}

// translator holds one translation's state.
type translator struct {
	opts     Options
	resolver Resolver
	grants   grants
	nsLabels map[string]labels.Set

	// gws are the Gateways of accepted classes of ours, oldest first;
	// byName indexes them.
	gws    []*gatewayState
	byName map[types.NamespacedName]*gatewayState

	// backends caches resolutions; used are the names routes kept.
	backends map[backendKey]backendResult

	// order is the last model.Route.Order given.
	order int

	// params are the parameters of the classes served with some, by
	// name ([Result.Parameters]).
	params map[string]*config.GatewayParameters

	status Status
}

// olderFirst orders objects as Gateway API's precedence does: the older
// first, then by namespace and name.
func olderFirst(a, b metav1.Object) int {
	ta, tb := a.GetCreationTimestamp(), b.GetCreationTimestamp()
	if !ta.Equal(&tb) {
		if ta.Before(&tb) {
			return -1
		}
		return 1
	}
	return cmp.Or(cmp.Compare(a.GetNamespace(), b.GetNamespace()), cmp.Compare(a.GetName(), b.GetName()))
}

// classes decides the status of the GatewayClasses of ours and returns
// those whose Gateways are served: the accepted ones, and those whose
// parameters became unusable but were kept (see
// [Options.KeptParameters]), each with its parameters (nil for a class
// without a parametersRef).
func (t *translator) classes(all []*gatewayv1.GatewayClass) map[string]*config.GatewayParameters {
	served := make(map[string]*config.GatewayParameters)
	for _, gc := range all {
		if string(gc.Spec.ControllerName) != t.opts.ControllerName {
			continue
		}
		c := conditions{generation: gc.Generation}
		accepted := string(gatewayv1.GatewayClassConditionStatusAccepted)
		switch ref := gc.Spec.ParametersRef; {
		case ref == nil:
			c.set(accepted, true, string(gatewayv1.GatewayClassReasonAccepted), "")
			served[gc.Name] = nil
		default:
			params, why := t.classParameters(ref)
			if why == "" {
				c.set(accepted, true, string(gatewayv1.GatewayClassReasonAccepted), warningsMessage(params.Warnings))
				served[gc.Name], t.params[gc.Name] = params, params
				break
			}
			if kept := t.opts.KeptParameters[gc.Name]; kept != nil {
				why += "; its Gateways keep the parameters last accepted until this is fixed"
				served[gc.Name], t.params[gc.Name] = kept, kept
			}
			c.set(accepted, false, string(gatewayv1.GatewayClassReasonInvalidParameters), why)
		}
		t.status.GatewayClasses[gc.Name] = gatewayv1.GatewayClassStatus{
			Conditions:        c.list,
			SupportedFeatures: supportedFeatureStatus(),
		}
	}
	return served
}

// result gathers the scopes, backends and status.
func (t *translator) result() Result {
	var res Result
	used := make(map[string]bool)
	for _, gs := range t.gws {
		t.status.Gateways[gs.nn] = gs.statusValue()
		for _, sc := range gs.scopes {
			if len(sc.Listeners) == 0 {
				continue
			}
			sc.addCatchAll(gs)
			for _, r := range sc.Routes {
				markUsed(used, r)
			}
			res.Scopes = append(res.Scopes, sc.Scope)
		}
	}
	slices.SortFunc(res.Scopes, func(a, b Scope) int { return cmp.Compare(a.Spec.Name, b.Spec.Name) })
	for _, b := range t.backends {
		if b.problem == nil && used[b.backend.Name] {
			res.Backends = append(res.Backends, b.backend)
		}
	}
	slices.SortFunc(res.Backends, func(a, b model.Backend) int { return cmp.Compare(a.Name, b.Name) })
	res.Status = t.status
	if len(t.params) > 0 {
		res.Parameters = t.params
	}
	return res
}

// markUsed records the backends r names.
func markUsed(used map[string]bool, r model.Route) {
	if r.Backend != "" {
		used[r.Backend] = true
	}
	for _, s := range r.Split {
		if s.Backend != "" {
			used[s.Backend] = true
		}
	}
	for _, m := range r.Mirror {
		used[m.Backend] = true
	}
}
