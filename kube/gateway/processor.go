package gateway

import (
	"maps"
	"net"
	"net/netip"
	"reflect"
	"slices"
	"sync/atomic"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
	gatewayclient "sigs.k8s.io/gateway-api/pkg/client/clientset/versioned"
	gatewayinformers "sigs.k8s.io/gateway-api/pkg/client/informers/externalversions"
	gatewaylisters "sigs.k8s.io/gateway-api/pkg/client/listers/apis/v1"

	"github.com/firsthop/firsthop/config"
	"github.com/firsthop/firsthop/kube"
	"github.com/firsthop/firsthop/kube/resolve"
)

// Name is the Gateway API processor's [kube.Processor] name: its scopes
// and listeners are named "gateway/...", its backends "gateway:..." (see
// [BackendName]).
const Name = "gateway"

// ProcessorOptions configure the Gateway API [Processor]. Client is
// required.
type ProcessorOptions struct {
	// Client reads and writes the Gateway API objects (the generated
	// clientset of sigs.k8s.io/gateway-api; its fake package works).
	Client gatewayclient.Interface

	// ControllerName is the GatewayClass controllerName served; empty
	// means [DefaultControllerName].
	ControllerName string

	// Pool gives addresses to the Gateways that name none in
	// spec.addresses (see [AddressPool.Assign]). The empty pool leaves
	// them unprogrammed (AddressNotAssigned).
	Pool AddressPool

	// LocalAddrs returns this host's addresses. An address a Gateway
	// names in spec.addresses is usable when it is one of them or in
	// Pool. Nil means the addresses of the host's interfaces.
	LocalAddrs func() []netip.Addr

	// WatchNamespace limits the namespaced Gateway API objects watched to
	// one namespace (GatewayClasses and Namespaces are cluster-wide).
	// Empty means all namespaces.
	WatchNamespace string
}

// Processor serves the Gateway API objects of the GatewayClasses whose
// controllerName is ours, as a [kube.Processor]: each build is
// [Translate] of the informers' caches, the Gateways without
// spec.addresses given addresses from the pool; on the leader it writes
// the status Translate decides (see [Processor.WriteStatus]). Make one
// with [NewProcessor].
type Processor struct {
	o ProcessorOptions

	w          *kube.Watch
	classes    gatewaylisters.GatewayClassLister
	gateways   gatewaylisters.GatewayLister
	httpRoutes gatewaylisters.HTTPRouteLister
	grpcRoutes gatewaylisters.GRPCRouteLister
	grants     gatewaylisters.ReferenceGrantLister
	namespaces corelisters.NamespaceLister

	// assigned is the pool's answer of the last Build; owned by Build.
	assigned map[types.NamespacedName]netip.Addr
	// params are the classes' parameters of the last Build
	// ([Result.Parameters]), kept for a class whose ConfigMap turns bad
	// ([Options.KeptParameters]); owned by Build.
	params map[string]*config.GatewayParameters

	// last is what the last Build decided; nil before the first.
	last atomic.Pointer[built]
}

// built is what one Build decided, for WriteStatus.
type built struct {
	status Status
	// listeners maps each listener of the part to its Gateway and port.
	listeners map[string]gatewayPort
}

// gatewayPort is one port of one Gateway.
type gatewayPort struct {
	gateway types.NamespacedName
	port    int32
}

var _ kube.Processor = (*Processor)(nil)

// NewProcessor returns the Gateway API processor for o.
func NewProcessor(o ProcessorOptions) *Processor {
	if o.ControllerName == "" {
		o.ControllerName = DefaultControllerName
	}
	if o.LocalAddrs == nil {
		o.LocalAddrs = interfaceAddrs
	}
	return &Processor{o: o}
}

// Name returns [Name].
func (p *Processor) Name() string { return Name }

// Register watches GatewayClasses, Gateways, HTTPRoutes, GRPCRoutes,
// ReferenceGrants and Namespaces. An object rebuilds the routes when it
// comes, goes or its generation (spec), labels or age change; a status
// change (ours among them) only has status written.
func (p *Processor) Register(w *kube.Watch) error {
	p.w = w
	opts := []gatewayinformers.SharedInformerOption{gatewayinformers.WithTransform(kube.StripForCache)}
	if p.o.WatchNamespace != "" {
		opts = append(opts, gatewayinformers.WithNamespace(p.o.WatchNamespace))
	}
	f := gatewayinformers.NewSharedInformerFactoryWithOptions(p.o.Client, 0, opts...)
	v1 := f.Gateway().V1()
	p.classes = v1.GatewayClasses().Lister()
	p.gateways = v1.Gateways().Lister()
	p.httpRoutes = v1.HTTPRoutes().Lister()
	p.grpcRoutes = v1.GRPCRoutes().Lister()
	p.grants = v1.ReferenceGrants().Lister()
	ns := w.Factory().Core().V1().Namespaces()
	p.namespaces = ns.Lister()
	handler := changeHandler(w)
	for _, r := range []struct {
		resource string
		inf      cache.SharedIndexInformer
	}{
		{"gatewayclasses", v1.GatewayClasses().Informer()},
		{"gateways", v1.Gateways().Informer()},
		{"httproutes", v1.HTTPRoutes().Informer()},
		{"grpcroutes", v1.GRPCRoutes().Informer()},
		{"referencegrants", v1.ReferenceGrants().Informer()},
		{"namespaces", ns.Informer()},
	} {
		if err := w.Add(r.resource, r.inf, handler); err != nil {
			return err
		}
	}
	w.Start(f)
	return nil
}

// changeHandler signals w: a rebuild for an object that comes, goes, or
// whose generation, labels, UID or age change; a status write for one
// that comes or whose status or UID changes: an object deleted and
// created again under its name within one build has no status, though
// the status decided for the name may be the same as before (so Build
// would not ask for a write).
func changeHandler(w *kube.Watch) cache.ResourceEventHandler {
	return cache.ResourceEventHandlerFuncs{
		AddFunc: func(any) {
			w.Rebuild()
			w.StatusChanged()
		},
		UpdateFunc: func(o, n any) {
			old, err1 := meta.Accessor(o)
			cur, err2 := meta.Accessor(n)
			if err1 != nil || err2 != nil {
				w.Rebuild()
				return
			}
			born, reborn := old.GetCreationTimestamp(), cur.GetCreationTimestamp()
			if old.GetUID() != cur.GetUID() || old.GetGeneration() != cur.GetGeneration() ||
				!maps.Equal(old.GetLabels(), cur.GetLabels()) || !born.Equal(&reborn) {
				w.Rebuild()
			}
			if old.GetUID() != cur.GetUID() || !equality.Semantic.DeepEqual(statusOf(o), statusOf(n)) {
				w.StatusChanged()
			}
		},
		DeleteFunc: func(any) { w.Rebuild() },
	}
}

// statusOf returns the status of a Gateway API object, or nil.
func statusOf(obj any) any {
	switch o := obj.(type) {
	case *gatewayv1.GatewayClass:
		return o.Status
	case *gatewayv1.Gateway:
		return o.Status
	case *gatewayv1.HTTPRoute:
		return o.Status
	case *gatewayv1.GRPCRoute:
		return o.Status
	}
	return nil
}

// Build translates the caches (see [Translate]) into the processor's part
// of the table; when the status to write changes, it has it written.
func (p *Processor) Build(r *resolve.Resolver) kube.Part {
	var snap Snapshot
	snap.GatewayClasses, _ = p.classes.List(labels.Everything())
	snap.Gateways, _ = p.gateways.List(labels.Everything())
	snap.HTTPRoutes, _ = p.httpRoutes.List(labels.Everything())
	snap.GRPCRoutes, _ = p.grpcRoutes.List(labels.Everything())
	snap.ReferenceGrants, _ = p.grants.List(labels.Everything())
	snap.Namespaces, _ = p.namespaces.List(labels.Everything())

	p.assigned = p.assign(snap)
	local := make(map[netip.Addr]bool)
	for _, a := range p.o.LocalAddrs() {
		local[a.Unmap()] = true
	}
	cr := newClusterResolver(r)
	res := Translate(snap, cr, Options{
		ControllerName: p.o.ControllerName,
		Address: func(gw types.NamespacedName) (netip.Addr, bool) {
			a, ok := p.assigned[gw]
			return a, ok
		},
		Usable:         func(a netip.Addr) bool { return local[a] || p.o.Pool.Contains(a) },
		KeptParameters: p.params,
	})
	p.params = res.Parameters

	var part kube.Part
	b := &built{status: res.Status, listeners: make(map[string]gatewayPort)}
	for _, sc := range res.Scopes {
		part.Scopes = append(part.Scopes, sc.Spec)
		part.Listeners = append(part.Listeners, sc.Listeners...)
		part.Routes = append(part.Routes, sc.Routes...)
		part.Certificates = append(part.Certificates, sc.Certificates...)
		for _, l := range sc.Listeners {
			b.listeners[l.Name] = gatewayPort{gateway: sc.Gateway, port: sc.Port}
		}
	}
	for _, mb := range res.Backends {
		if rb, ok := cr.backend(mb); ok {
			part.Backends = append(part.Backends, rb)
		}
	}
	part.Problems = cr.problems
	if prev := p.last.Swap(b); prev == nil || !reflect.DeepEqual(prev.status, b.status) {
		p.w.StatusChanged()
	}
	return part
}

// assign asks the pool for an address for every Gateway of a class of
// ours that names none in spec.addresses (or names one without a value),
// older Gateways first; each keeps the address it was given last, else
// the one in its status, while that is in the pool and free. The
// addresses Gateways name are never given.
func (p *Processor) assign(snap Snapshot) map[types.NamespacedName]netip.Addr {
	ours := make(map[gatewayv1.ObjectName]bool)
	for _, gc := range snap.GatewayClasses {
		if string(gc.Spec.ControllerName) == p.o.ControllerName {
			ours[gatewayv1.ObjectName(gc.Name)] = true
		}
	}
	gws := slices.Clone(snap.Gateways)
	slices.SortFunc(gws, func(a, b *gatewayv1.Gateway) int { return olderFirst(a, b) })
	var reqs []AddressRequest
	var reserved []netip.Addr
	for _, gw := range gws {
		if !ours[gw.Spec.GatewayClassName] {
			continue
		}
		wants := len(gw.Spec.Addresses) == 0
		for _, a := range gw.Spec.Addresses {
			if a.Value == "" {
				wants = true
			} else if ip, err := netip.ParseAddr(a.Value); err == nil {
				reserved = append(reserved, ip)
			}
		}
		if !wants {
			continue
		}
		nn := types.NamespacedName{Namespace: gw.Namespace, Name: gw.Name}
		req := AddressRequest{Gateway: nn}
		if a, ok := p.assigned[nn]; ok {
			req.Had = append(req.Had, a)
		}
		for _, a := range gw.Status.Addresses {
			if ip, err := netip.ParseAddr(a.Value); err == nil {
				req.Had = append(req.Had, ip)
			}
		}
		reqs = append(reqs, req)
	}
	return p.o.Pool.Assign(reqs, reserved)
}

// interfaceAddrs returns the addresses of this host's interfaces.
func interfaceAddrs() []netip.Addr {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	var out []netip.Addr
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			if ip, ok := netip.AddrFromSlice(n.IP); ok {
				out = append(out, ip.Unmap())
			}
		}
	}
	return out
}
