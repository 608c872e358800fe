package gateway

import (
	"errors"
	"slices"
	"strings"
	"syscall"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// bindFailures groups the listeners the data plane could not bind (errs,
// by listener name) by the Gateway and port they serve (listeners, from
// the Build that made them). Listeners of no Gateway are left out.
func bindFailures(errs map[string]error, listeners map[string]gatewayPort) map[types.NamespacedName]map[int32][]error {
	out := make(map[types.NamespacedName]map[int32][]error)
	for name, err := range errs {
		gp, ok := listeners[name]
		if !ok {
			continue
		}
		if out[gp.gateway] == nil {
			out[gp.gateway] = make(map[int32][]error)
		}
		out[gp.gateway][gp.port] = append(out[gp.gateway][gp.port], err)
	}
	return out
}

// withBindFailures returns st, the status Translate decided for gw, with
// the listeners on the ports of failed (port -> why its sockets could not
// be bound) Programmed False (Pending: they are tried again), and the
// Gateway Programmed False: AddressNotUsable when an address is not on
// this host, else Pending. Their Accepted conditions do not change, so
// routes still attach and are served once the sockets are bound. st is
// not modified; with nothing failed it is returned as it is.
func withBindFailures(st gatewayv1.GatewayStatus, gw *gatewayv1.Gateway, failed map[int32][]error) gatewayv1.GatewayStatus {
	if len(failed) == 0 {
		return st
	}
	ports := make(map[gatewayv1.SectionName]int32, len(gw.Spec.Listeners))
	for _, l := range gw.Spec.Listeners {
		ports[l.Name] = int32(l.Port)
	}
	var all []error
	for _, errs := range failed {
		all = append(all, errs...)
	}
	msg := describeErrors(all)
	st.Listeners = slices.Clone(st.Listeners)
	for i, l := range st.Listeners {
		errs, ok := failed[ports[l.Name]]
		if !ok {
			continue
		}
		l.Conditions = withCondition(l.Conditions, metav1.Condition{
			Type: string(gatewayv1.ListenerConditionProgrammed), Status: metav1.ConditionFalse,
			Reason: string(gatewayv1.ListenerReasonPending), ObservedGeneration: gw.Generation,
			Message: "the listener's sockets cannot be bound (retrying): " + describeErrors(errs),
		})
		st.Listeners[i] = l
	}
	reason := gatewayv1.GatewayReasonPending
	if slices.ContainsFunc(all, func(err error) bool { return errors.Is(err, syscall.EADDRNOTAVAIL) }) {
		reason = gatewayv1.GatewayReasonAddressNotUsable
	}
	st.Conditions = withCondition(st.Conditions, metav1.Condition{
		Type: string(gatewayv1.GatewayConditionProgrammed), Status: metav1.ConditionFalse,
		Reason: string(reason), ObservedGeneration: gw.Generation,
		Message: "some listeners cannot be bound (retrying): " + msg,
	})
	return st
}

// withCondition returns a copy of conds with c in place of the condition
// of its type (appended when there is none).
func withCondition(conds []metav1.Condition, c metav1.Condition) []metav1.Condition {
	out := slices.Clone(conds)
	for i := range out {
		if out[i].Type == c.Type {
			out[i] = c
			return out
		}
	}
	return append(out, c)
}

// describeErrors returns the errors' texts, sorted, joined by "; ".
func describeErrors(errs []error) string {
	s := make([]string, len(errs))
	for i, e := range errs {
		s[i] = e.Error()
	}
	slices.Sort(s)
	return strings.Join(slices.Compact(s), "; ")
}
