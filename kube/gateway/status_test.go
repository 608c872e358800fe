package gateway

import (
	"reflect"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

var (
	before = metav1.NewTime(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	now    = metav1.NewTime(time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC))
)

func cond(typ string, ok bool, reason string, at metav1.Time) metav1.Condition {
	s := metav1.ConditionFalse
	if ok {
		s = metav1.ConditionTrue
	}
	return metav1.Condition{Type: typ, Status: s, Reason: reason, LastTransitionTime: at, ObservedGeneration: 1}
}

func TestKeepTimes(t *testing.T) {
	t.Parallel()
	have := []metav1.Condition{cond("Accepted", true, "Accepted", before), cond("ResolvedRefs", true, "ResolvedRefs", before)}
	want := []metav1.Condition{
		cond("Accepted", true, "Accepted", metav1.Time{}),             // unchanged: keeps its time
		cond("ResolvedRefs", false, "BackendNotFound", metav1.Time{}), // changed: now
		cond("Programmed", true, "Programmed", metav1.Time{}),         // new: now
	}
	got := keepTimes(have, want, now)
	wantTimes := []metav1.Time{before, now, now}
	for i, c := range got {
		if !c.LastTransitionTime.Equal(&wantTimes[i]) {
			t.Errorf("%s: lastTransitionTime %v, want %v", c.Type, c.LastTransitionTime, wantTimes[i])
		}
	}
	if want[0].LastTransitionTime != (metav1.Time{}) {
		t.Error("keepTimes modified want")
	}
	if keepTimes(have, nil, now) != nil {
		t.Error("no conditions wanted gave some")
	}
}

func TestRouteParents(t *testing.T) {
	t.Parallel()
	ns := gatewayv1.Namespace("ns")
	ref := func(name string) gatewayv1.ParentReference {
		return gatewayv1.ParentReference{Name: gatewayv1.ObjectName(name), Namespace: &ns}
	}
	theirs := gatewayv1.RouteParentStatus{ParentRef: ref("theirs"), ControllerName: otherController,
		Conditions: []metav1.Condition{cond("Accepted", false, "NotAllowedByListeners", before)}}
	oursOld := gatewayv1.RouteParentStatus{ParentRef: ref("gw"), ControllerName: DefaultControllerName,
		Conditions: []metav1.Condition{cond("Accepted", true, "Accepted", before)}}
	oursGone := gatewayv1.RouteParentStatus{ParentRef: ref("gone"), ControllerName: DefaultControllerName,
		Conditions: []metav1.Condition{cond("Accepted", true, "Accepted", before)}}
	wantOurs := gatewayv1.RouteParentStatus{ParentRef: ref("gw"), ControllerName: DefaultControllerName,
		Conditions: []metav1.Condition{cond("Accepted", true, "Accepted", metav1.Time{})}}

	tests := []struct {
		name      string
		cur, ours []gatewayv1.RouteParentStatus
		want      []gatewayv1.RouteParentStatus
	}{
		{
			name: "other controllers' entries are kept, ours added after them",
			cur:  []gatewayv1.RouteParentStatus{theirs},
			ours: []gatewayv1.RouteParentStatus{wantOurs},
			want: []gatewayv1.RouteParentStatus{theirs, withTimes(wantOurs, now)},
		},
		{
			name: "our entry for the same parent keeps its condition times",
			cur:  []gatewayv1.RouteParentStatus{oursOld, theirs},
			ours: []gatewayv1.RouteParentStatus{wantOurs},
			want: []gatewayv1.RouteParentStatus{theirs, withTimes(wantOurs, before)},
		},
		{
			name: "our entries for parents no longer ours go; theirs stay",
			cur:  []gatewayv1.RouteParentStatus{oursGone, theirs},
			want: []gatewayv1.RouteParentStatus{theirs},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := routeParents(tc.cur, tc.ours, DefaultControllerName, now); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("routeParents =\n%+v\nwant\n%+v", got, tc.want)
			}
		})
	}
}

// withTimes returns p with every condition's lastTransitionTime at.
func withTimes(p gatewayv1.RouteParentStatus, at metav1.Time) gatewayv1.RouteParentStatus {
	p.Conditions = append([]metav1.Condition(nil), p.Conditions...)
	for i := range p.Conditions {
		p.Conditions[i].LastTransitionTime = at
	}
	return p
}

func TestGatewayStatusKeepsListenerTimes(t *testing.T) {
	t.Parallel()
	cur := &gatewayv1.Gateway{Status: gatewayv1.GatewayStatus{
		Conditions: []metav1.Condition{cond("Programmed", true, "Programmed", before)},
		Listeners: []gatewayv1.ListenerStatus{{Name: "http", Conditions: []metav1.Condition{
			cond("Programmed", true, "Programmed", before),
		}}},
	}}
	want := gatewayv1.GatewayStatus{
		Conditions: []metav1.Condition{cond("Programmed", true, "Programmed", metav1.Time{})},
		Listeners: []gatewayv1.ListenerStatus{
			{Name: "http", Conditions: []metav1.Condition{cond("Programmed", true, "Programmed", metav1.Time{})}},
			{Name: "new", Conditions: []metav1.Condition{cond("Programmed", true, "Programmed", metav1.Time{})}},
		},
	}
	got := gatewayStatus(cur, want, now)
	if at := got.Conditions[0].LastTransitionTime; !at.Equal(&before) {
		t.Errorf("Gateway condition time %v, want %v", at, before)
	}
	if at := got.Listeners[0].Conditions[0].LastTransitionTime; !at.Equal(&before) {
		t.Errorf("listener http condition time %v, want %v", at, before)
	}
	if at := got.Listeners[1].Conditions[0].LastTransitionTime; !at.Equal(&now) {
		t.Errorf("listener new condition time %v, want %v", at, now)
	}
}
