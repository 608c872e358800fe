package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	kubefake "k8s.io/client-go/kubernetes/fake"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
	gatewayfake "sigs.k8s.io/gateway-api/pkg/client/clientset/versioned/fake"

	"github.com/firsthop/firsthop/kube"
	"github.com/firsthop/firsthop/kube/internal/kubetest"
	"github.com/firsthop/firsthop/model"
)

// recordingPublisher records the last table and listener set, and fails
// to bind the listeners refuse names.
type recordingPublisher struct {
	mu        sync.Mutex
	table     model.TableSpec
	listeners []model.ListenerSpec
	refuse    map[string]error
}

func (p *recordingPublisher) Apply(spec model.TableSpec) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.table = spec
	return nil
}

func (p *recordingPublisher) Reconfigure(ls []model.ListenerSpec, spec model.TableSpec) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.table, p.listeners = spec, ls
	var errs []error
	for _, l := range ls {
		if err := p.refuse[l.Name]; err != nil {
			errs = append(errs, refusedListener{l.Name, err})
		}
	}
	return errors.Join(errs...)
}

func (p *recordingPublisher) last() (model.TableSpec, []model.ListenerSpec) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.table, p.listeners
}

// refusedListener is a listener error as proxy.ListenerError gives it.
type refusedListener struct {
	name string
	err  error
}

func (e refusedListener) Error() string        { return "listener " + e.name + ": " + e.err.Error() }
func (e refusedListener) Unwrap() error        { return e.err }
func (e refusedListener) ListenerName() string { return e.name }

const otherController = "example.com/other-controller"

// gatewayObjects are a class of ours and one of another controller, a
// Gateway of ours with one HTTP listener on port 80 and no address, and
// an HTTPRoute to Service ns/echo whose status holds another
// controller's parent.
func gatewayObjects() []runtime.Object {
	ns := gatewayv1.Namespace("ns")
	return []runtime.Object{
		&gatewayv1.GatewayClass{
			ObjectMeta: metav1.ObjectMeta{Name: "firsthop", Generation: 1},
			Spec:       gatewayv1.GatewayClassSpec{ControllerName: DefaultControllerName},
		},
		&gatewayv1.GatewayClass{
			ObjectMeta: metav1.ObjectMeta{Name: "other", Generation: 1},
			Spec:       gatewayv1.GatewayClassSpec{ControllerName: otherController},
		},
		&gatewayv1.Gateway{
			ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "gw", Generation: 2, CreationTimestamp: metav1.NewTime(kubetest.Epoch)},
			Spec: gatewayv1.GatewaySpec{
				GatewayClassName: "firsthop",
				Listeners:        []gatewayv1.Listener{{Name: "http", Port: 80, Protocol: gatewayv1.HTTPProtocolType}},
			},
		},
		&gatewayv1.HTTPRoute{
			ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "r", Generation: 3, CreationTimestamp: metav1.NewTime(kubetest.Epoch)},
			Spec: gatewayv1.HTTPRouteSpec{
				CommonRouteSpec: gatewayv1.CommonRouteSpec{ParentRefs: []gatewayv1.ParentReference{{Name: "gw"}}},
				Rules: []gatewayv1.HTTPRouteRule{{BackendRefs: []gatewayv1.HTTPBackendRef{{BackendRef: gatewayv1.BackendRef{
					BackendObjectReference: gatewayv1.BackendObjectReference{Name: "echo", Port: kubetest.Ptr(gatewayv1.PortNumber(80))},
				}}}}},
			},
			Status: gatewayv1.HTTPRouteStatus{RouteStatus: gatewayv1.RouteStatus{Parents: []gatewayv1.RouteParentStatus{{
				ParentRef:      gatewayv1.ParentReference{Name: "theirs", Namespace: &ns},
				ControllerName: otherController,
				Conditions: []metav1.Condition{{Type: "Accepted", Status: metav1.ConditionTrue, Reason: "Accepted",
					LastTransitionTime: metav1.NewTime(kubetest.Epoch)}},
			}}}},
		},
	}
}

// seededGatewayClient returns a fake Gateway API clientset holding objs,
// created through the typed client: seeding NewSimpleClientset directly
// files a v1 Gateway under v1beta1 (the same Go type in both versions).
func seededGatewayClient(t *testing.T, objs ...runtime.Object) *gatewayfake.Clientset {
	t.Helper()
	gc := gatewayfake.NewSimpleClientset()
	ctx := context.Background()
	for _, o := range objs {
		var err error
		switch o := o.(type) {
		case *gatewayv1.GatewayClass:
			_, err = gc.GatewayV1().GatewayClasses().Create(ctx, o, metav1.CreateOptions{})
		case *gatewayv1.Gateway:
			_, err = gc.GatewayV1().Gateways(o.Namespace).Create(ctx, o, metav1.CreateOptions{})
		case *gatewayv1.HTTPRoute:
			_, err = gc.GatewayV1().HTTPRoutes(o.Namespace).Create(ctx, o, metav1.CreateOptions{})
		default:
			t.Fatalf("seededGatewayClient: %T", o)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	gc.ClearActions()
	return gc
}

// processorRun is a controller running the Gateway processor over fake
// clientsets.
type processorRun struct {
	proc   *Processor
	gw     *gatewayfake.Clientset
	pub    *recordingPublisher
	cancel func()
}

func runProcessor(t *testing.T, refuse map[string]error) *processorRun {
	t.Helper()
	return runProcessorHoldOff(t, refuse, time.Millisecond)
}

// runProcessorHoldOff is runProcessor with the controller's HoldOff (its
// MaxHoldOff five times that).
func runProcessorHoldOff(t *testing.T, refuse map[string]error, holdOff time.Duration) *processorRun {
	t.Helper()
	svc := kubetest.Service("ns", "echo")
	kc := kubefake.NewClientset(
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "ns"}},
		svc, kubetest.Slice("ns", "echo-1", "echo", discoveryv1.AddressTypeIPv4, "10.0.0.1"),
	)
	gc := seededGatewayClient(t, gatewayObjects()...)
	pool, err := ParseAddressPool("192.0.2.48/30")
	if err != nil {
		t.Fatal(err)
	}
	proc := NewProcessor(ProcessorOptions{Client: gc, Pool: pool, LocalAddrs: func() []netip.Addr { return nil }})
	pub := &recordingPublisher{refuse: refuse}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	c, err := kube.NewController(kube.Config{
		Client: kc, Publisher: pub, Processors: []kube.Processor{proc}, Logger: log,
		HoldOff: holdOff, MaxHoldOff: 5 * holdOff, ListenerRetry: 20 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	r := &processorRun{proc: proc, gw: gc, pub: pub}
	r.cancel = func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}
	t.Cleanup(func() {
		if ctx.Err() == nil {
			r.cancel()
		}
	})
	return r
}

func (r *processorRun) gateway(t *testing.T) *gatewayv1.Gateway {
	t.Helper()
	gw, err := r.gw.GatewayV1().Gateways("ns").Get(context.Background(), "gw", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return gw
}

// statusUpdates counts the status updates the fake clientset received.
func (r *processorRun) statusUpdates() int {
	n := 0
	for _, a := range r.gw.Actions() {
		if a.GetVerb() == "update" && a.GetSubresource() == "status" {
			n++
		}
	}
	return n
}

// TestProcessorServesAGateway: the Gateway gets the pool's first address,
// its port is a scope of its own served by a listener on that address,
// the route's backend has the Service's endpoints; the statuses are
// written (our parent added to the route's, the other controller's kept),
// and written again only when they change.
func TestProcessorServesAGateway(t *testing.T) {
	t.Parallel()
	r := runProcessor(t, nil)
	const scope = "gateway/ns/gw:80"
	kubetest.Eventually(t, "the Gateway's listener and route", func() (bool, string) {
		spec, ls := r.pub.last()
		ok := len(ls) == 1 && ls[0].Name == scope+"@192.0.2.48" && ls[0].Address == "192.0.2.48:80" && ls[0].Scope == scope &&
			slices.ContainsFunc(spec.Routes, func(rt model.Route) bool { return rt.Scope == scope && rt.Backend == "gateway:ns/echo:80" }) &&
			len(spec.Backends) == 1 && spec.Backends[0].Name == "gateway:ns/echo:80" && len(spec.Backends[0].Endpoints) == 1
		return ok, fmt.Sprintf("listeners %+v\n%s", ls, kubetest.Render(spec))
	})
	kubetest.Eventually(t, "the statuses", func() (bool, string) {
		gw := r.gateway(t)
		rt, _ := r.gw.GatewayV1().HTTPRoutes("ns").Get(context.Background(), "r", metav1.GetOptions{})
		gc, _ := r.gw.GatewayV1().GatewayClasses().Get(context.Background(), "firsthop", metav1.GetOptions{})
		other, _ := r.gw.GatewayV1().GatewayClasses().Get(context.Background(), "other", metav1.GetOptions{})
		ok := len(gw.Status.Addresses) == 1 && gw.Status.Addresses[0].Value == "192.0.2.48" &&
			meta.IsStatusConditionTrue(gw.Status.Conditions, "Programmed") &&
			meta.IsStatusConditionTrue(gc.Status.Conditions, "Accepted") && len(other.Status.Conditions) == 0 &&
			len(rt.Status.Parents) == 2 && string(rt.Status.Parents[0].ControllerName) == otherController &&
			rt.Status.Parents[0].Conditions[0].LastTransitionTime.Time.Equal(kubetest.Epoch) &&
			string(rt.Status.Parents[1].ControllerName) == DefaultControllerName &&
			meta.IsStatusConditionTrue(rt.Status.Parents[1].Conditions, "Accepted")
		return ok, fmt.Sprintf("gateway %+v\nroute %+v\nclass %+v", gw.Status, rt.Status, gc.Status)
	})
	// WriteStatus compares with the informers' caches, which see the
	// writes a moment after the API does.
	kubetest.Eventually(t, "the processor's caches hold the statuses written", func() (bool, string) {
		gw := r.gateway(t)
		rt, err1 := r.gw.GatewayV1().HTTPRoutes("ns").Get(context.Background(), "r", metav1.GetOptions{})
		gc, err2 := r.gw.GatewayV1().GatewayClasses().Get(context.Background(), "firsthop", metav1.GetOptions{})
		cgw, err3 := r.proc.gateways.Gateways("ns").Get("gw")
		crt, err4 := r.proc.httpRoutes.HTTPRoutes("ns").Get("r")
		cgc, err5 := r.proc.classes.Get("firsthop")
		if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
			return false, err.Error()
		}
		ok := equality.Semantic.DeepEqual(cgw.Status, gw.Status) && equality.Semantic.DeepEqual(crt.Status, rt.Status) &&
			equality.Semantic.DeepEqual(cgc.Status, gc.Status)
		return ok, fmt.Sprintf("cached gateway %+v\nAPI gateway %+v", cgw.Status, gw.Status)
	})
	r.cancel()
	before := r.statusUpdates()
	n, err := r.proc.WriteStatus(context.Background(), nil)
	if err != nil || n != 0 || r.statusUpdates() != before {
		t.Errorf("WriteStatus with every status as it should be: %d written, %v, %d updates; want none", n, err, r.statusUpdates()-before)
	}
}

// TestProcessorReportsAListenerNotBound: a listener the data plane cannot
// bind makes its Gateway Programmed False (AddressNotUsable for an
// address not on the host) and the listener Programmed False (Pending);
// once it is bound, both are Programmed again.
func TestProcessorReportsAListenerNotBound(t *testing.T) {
	t.Parallel()
	const listener = "gateway/ns/gw:80@192.0.2.48"
	r := runProcessor(t, map[string]error{listener: fmt.Errorf("listen tcp4 192.0.2.48:80: bind: %w", syscall.EADDRNOTAVAIL)})
	kubetest.Eventually(t, "Programmed False", func() (bool, string) {
		gw := r.gateway(t)
		c := meta.FindStatusCondition(gw.Status.Conditions, "Programmed")
		ok := c != nil && c.Status == metav1.ConditionFalse && c.Reason == "AddressNotUsable" && c.ObservedGeneration == 2 &&
			len(gw.Status.Listeners) == 1 && listenerCondition(gw, "Programmed").Reason == "Pending" &&
			meta.IsStatusConditionTrue(gw.Status.Listeners[0].Conditions, "Accepted")
		return ok, fmt.Sprintf("%+v", gw.Status)
	})
	r.pub.mu.Lock()
	r.pub.refuse = nil
	r.pub.mu.Unlock()
	kubetest.Eventually(t, "Programmed True once bound", func() (bool, string) {
		gw := r.gateway(t)
		ok := meta.IsStatusConditionTrue(gw.Status.Conditions, "Programmed") && listenerCondition(gw, "Programmed").Status == metav1.ConditionTrue
		return ok, fmt.Sprintf("%+v", gw.Status)
	})
}

// listenerCondition returns the condition of type typ of gw's first
// listener, or a zero one.
func listenerCondition(gw *gatewayv1.Gateway, typ string) metav1.Condition {
	if len(gw.Status.Listeners) == 0 {
		return metav1.Condition{}
	}
	if c := meta.FindStatusCondition(gw.Status.Listeners[0].Conditions, typ); c != nil {
		return *c
	}
	return metav1.Condition{}
}

// TestProcessorWritesTheStatusOfARecreatedRoute: a route deleted and
// created again under its name within one build gets its status, though
// the status decided for that name is the same as before
// (HTTPRouteBackendRequestHeaderModifier creates HTTPRoute
// request-header-modifier milliseconds after HTTPRouteRequestHeaderModifier
// deleted its own).
func TestProcessorWritesTheStatusOfARecreatedRoute(t *testing.T) {
	t.Parallel()
	// A hold-off far longer than the delete and create take: one build
	// sees both.
	r := runProcessorHoldOff(t, nil, 200*time.Millisecond)
	ctx := context.Background()
	routes := r.gw.GatewayV1().HTTPRoutes("ns")
	ours := func(what string) {
		t.Helper()
		kubetest.Eventually(t, what, func() (bool, string) {
			rt, err := routes.Get(ctx, "r", metav1.GetOptions{})
			if err != nil {
				return false, err.Error()
			}
			return hasParentOf(rt.Status.Parents, DefaultControllerName), fmt.Sprintf("%+v", rt.Status)
		})
	}
	ours("the route's status")
	old, err := routes.Get(ctx, "r", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := routes.Delete(ctx, "r", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	again := &gatewayv1.HTTPRoute{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "r",
		Generation: old.Generation, CreationTimestamp: old.CreationTimestamp}, Spec: old.Spec}
	if _, err := routes.Create(ctx, again, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	ours("the re-created route's status")
}
