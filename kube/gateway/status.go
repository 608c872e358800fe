package gateway

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/firsthop/firsthop/kube"
)

// WriteStatus writes the status the last Build decided, where it differs
// from the object's: the GatewayClasses and Gateways of ours whole, and in
// every HTTPRoute and GRPCRoute the parents whose controllerName is ours
// (other controllers' entries are kept as they are; ours that no longer
// apply are removed). A condition whose status did not change keeps its
// lastTransitionTime. The listeners the data plane could not bind
// ([kube.Watch.ListenerErrors]) are not programmed, nor their Gateway
// (see [withBindFailures]). Each write is an update of the status
// subresource from the cached object, retried from a fresh read on a
// conflict. The published addresses are not used: a Gateway's own are in
// its status.
func (p *Processor) WriteStatus(ctx context.Context, _ []kube.Address) (int, error) {
	b := p.last.Load()
	if b == nil {
		return 0, nil
	}
	now := metav1.NewTime(time.Now().Truncate(time.Second))
	failed := bindFailures(p.w.ListenerErrors(), b.listeners)
	gw := p.o.Client.GatewayV1()
	written := 0
	var errs []error
	note := func(what string, nn types.NamespacedName, ok bool, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", what, nn, err))
		}
		if ok {
			written++
			p.w.Logger().Info(what+" status updated", "namespace", nn.Namespace, "name", nn.Name)
		}
	}

	for _, name := range slices.Sorted(maps.Keys(b.status.GatewayClasses)) {
		cached, err := p.classes.Get(name)
		if err != nil {
			continue // deleted since
		}
		want := b.status.GatewayClasses[name]
		ok, err := writeOne(ctx, cached,
			func(ctx context.Context) (*gatewayv1.GatewayClass, error) {
				return gw.GatewayClasses().Get(ctx, name, metav1.GetOptions{})
			},
			func(cur *gatewayv1.GatewayClass) (*gatewayv1.GatewayClass, bool) {
				st := gatewayv1.GatewayClassStatus{
					Conditions:        keepTimes(cur.Status.Conditions, want.Conditions, now),
					SupportedFeatures: want.SupportedFeatures,
				}
				if equality.Semantic.DeepEqual(cur.Status, st) {
					return nil, false
				}
				out := cur.DeepCopy()
				out.Status = st
				return out, true
			},
			func(ctx context.Context, o *gatewayv1.GatewayClass) error {
				_, err := gw.GatewayClasses().UpdateStatus(ctx, o, metav1.UpdateOptions{})
				return err
			})
		note("GatewayClass", types.NamespacedName{Name: name}, ok, err)
	}

	for _, nn := range gatewayKeys(b.status.Gateways) {
		cached, err := p.gateways.Gateways(nn.Namespace).Get(nn.Name)
		if err != nil {
			continue
		}
		want := b.status.Gateways[nn]
		ok, err := writeOne(ctx, cached,
			func(ctx context.Context) (*gatewayv1.Gateway, error) {
				return gw.Gateways(nn.Namespace).Get(ctx, nn.Name, metav1.GetOptions{})
			},
			func(cur *gatewayv1.Gateway) (*gatewayv1.Gateway, bool) {
				st := gatewayStatus(cur, withBindFailures(want, cur, failed[nn]), now)
				if equality.Semantic.DeepEqual(cur.Status, st) {
					return nil, false
				}
				out := cur.DeepCopy()
				out.Status = st
				return out, true
			},
			func(ctx context.Context, o *gatewayv1.Gateway) error {
				_, err := gw.Gateways(o.Namespace).UpdateStatus(ctx, o, metav1.UpdateOptions{})
				return err
			})
		note("Gateway", nn, ok, err)
	}

	https, _ := p.httpRoutes.List(labels.Everything())
	writeRouteParents(ctx, https, b.status.HTTPRoutes, p.o.ControllerName, now,
		func(r *gatewayv1.HTTPRoute) *[]gatewayv1.RouteParentStatus { return &r.Status.Parents },
		(*gatewayv1.HTTPRoute).DeepCopy,
		func(ctx context.Context, nn types.NamespacedName) (*gatewayv1.HTTPRoute, error) {
			return gw.HTTPRoutes(nn.Namespace).Get(ctx, nn.Name, metav1.GetOptions{})
		},
		func(ctx context.Context, o *gatewayv1.HTTPRoute) error {
			_, err := gw.HTTPRoutes(o.Namespace).UpdateStatus(ctx, o, metav1.UpdateOptions{})
			return err
		},
		func(nn types.NamespacedName, ok bool, err error) { note("HTTPRoute", nn, ok, err) })

	grpcs, _ := p.grpcRoutes.List(labels.Everything())
	writeRouteParents(ctx, grpcs, b.status.GRPCRoutes, p.o.ControllerName, now,
		func(r *gatewayv1.GRPCRoute) *[]gatewayv1.RouteParentStatus { return &r.Status.Parents },
		(*gatewayv1.GRPCRoute).DeepCopy,
		func(ctx context.Context, nn types.NamespacedName) (*gatewayv1.GRPCRoute, error) {
			return gw.GRPCRoutes(nn.Namespace).Get(ctx, nn.Name, metav1.GetOptions{})
		},
		func(ctx context.Context, o *gatewayv1.GRPCRoute) error {
			_, err := gw.GRPCRoutes(o.Namespace).UpdateStatus(ctx, o, metav1.UpdateOptions{})
			return err
		},
		func(nn types.NamespacedName, ok bool, err error) { note("GRPCRoute", nn, ok, err) })
	return written, errors.Join(errs...)
}

// writeRouteParents writes, in the status of each route of one kind
// (cached, from the informer), the parents of ours that status gives it
// (ours, by route), keeping other controllers' entries (see routeParents);
// a route with none of ours, now or written before, is left alone.
// parents returns a route's status.parents; deepCopy, get and update copy,
// read and write a route of the kind; note is told each outcome.
func writeRouteParents[R metav1.Object](ctx context.Context, cached []R, ours map[types.NamespacedName][]gatewayv1.RouteParentStatus,
	controller string, now metav1.Time, parents func(R) *[]gatewayv1.RouteParentStatus, deepCopy func(R) R,
	get func(context.Context, types.NamespacedName) (R, error), update func(context.Context, R) error,
	note func(types.NamespacedName, bool, error)) {
	for _, c := range cached {
		nn := types.NamespacedName{Namespace: c.GetNamespace(), Name: c.GetName()}
		want := ours[nn]
		if want == nil && !hasParentOf(*parents(c), controller) {
			continue
		}
		ok, err := writeOne(ctx, c,
			func(ctx context.Context) (R, error) { return get(ctx, nn) },
			func(cur R) (R, bool) {
				ps := routeParents(*parents(cur), want, controller, now)
				if equality.Semantic.DeepEqual(*parents(cur), ps) {
					var none R
					return none, false
				}
				out := deepCopy(cur)
				*parents(out) = ps
				return out, true
			},
			update)
		note(nn, ok, err)
	}
}

// writeOne writes one object's status: desired returns the object to
// write given the current one, and false when its status is as it should
// be. It starts from cached (not modified) and, when the update conflicts,
// reads the object again with fetch and starts over. It reports whether
// it wrote; an object gone is no error.
func writeOne[T any](ctx context.Context, cached T, fetch func(context.Context) (T, error),
	desired func(cur T) (T, bool), update func(context.Context, T) error) (bool, error) {
	cur := cached
	written := false
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		want, changed := desired(cur)
		if !changed {
			return nil
		}
		uctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		err := update(uctx, want)
		if apierrors.IsConflict(err) {
			fresh, ferr := fetch(uctx)
			if ferr != nil {
				return ferr
			}
			cur = fresh
			return err
		}
		written = err == nil
		return err
	})
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	return written, err
}

// keepTimes returns want's conditions with the lastTransitionTime of the
// condition of the same type in have when its status is the same, else
// now (as meta.SetStatusCondition does).
func keepTimes(have, want []metav1.Condition, now metav1.Time) []metav1.Condition {
	if want == nil {
		return nil
	}
	out := make([]metav1.Condition, len(want))
	for i, c := range want {
		c.LastTransitionTime = now
		for _, h := range have {
			if h.Type == c.Type && h.Status == c.Status {
				c.LastTransitionTime = h.LastTransitionTime
			}
		}
		out[i] = c
	}
	return out
}

// gatewayStatus returns want as cur's status, with the times of cur's
// conditions and listener conditions kept where they did not change.
func gatewayStatus(cur *gatewayv1.Gateway, want gatewayv1.GatewayStatus, now metav1.Time) gatewayv1.GatewayStatus {
	st := want
	st.Conditions = keepTimes(cur.Status.Conditions, want.Conditions, now)
	st.Listeners = make([]gatewayv1.ListenerStatus, len(want.Listeners))
	for i, l := range want.Listeners {
		var have []metav1.Condition
		for _, h := range cur.Status.Listeners {
			if h.Name == l.Name {
				have = h.Conditions
			}
		}
		l.Conditions = keepTimes(have, l.Conditions, now)
		st.Listeners[i] = l
	}
	if want.Listeners == nil {
		st.Listeners = nil
	}
	return st
}

// hasParentOf reports whether parents holds an entry of controller.
func hasParentOf(parents []gatewayv1.RouteParentStatus, controller string) bool {
	return slices.ContainsFunc(parents, func(p gatewayv1.RouteParentStatus) bool {
		return string(p.ControllerName) == controller
	})
}

// routeParents returns a route's status.parents: the entries of other
// controllers as they are, in their order, then ours, each keeping the
// times of the conditions of our current entry for the same parentRef.
func routeParents(cur, ours []gatewayv1.RouteParentStatus, controller string, now metav1.Time) []gatewayv1.RouteParentStatus {
	var out []gatewayv1.RouteParentStatus
	for _, p := range cur {
		if string(p.ControllerName) != controller {
			out = append(out, p)
		}
	}
	for _, w := range ours {
		var have []metav1.Condition
		for _, p := range cur {
			if string(p.ControllerName) == controller && equality.Semantic.DeepEqual(p.ParentRef, w.ParentRef) {
				have = p.Conditions
			}
		}
		w.Conditions = keepTimes(have, w.Conditions, now)
		out = append(out, w)
	}
	return out
}

// gatewayKeys returns m's keys, sorted.
func gatewayKeys(m map[types.NamespacedName]gatewayv1.GatewayStatus) []types.NamespacedName {
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, func(a, b types.NamespacedName) int { return strings.Compare(a.String(), b.String()) })
	return keys
}
