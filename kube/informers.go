package kube

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/firsthop/firsthop/kube/resolve"
)

// listers reads the informer caches. Its methods are safe for concurrent
// use once the caches have synced.
type listers struct {
	services corelisters.ServiceLister
	slices   cache.Indexer
	secrets  corelisters.SecretLister // of type kubernetes.io/tls only

	// publish finds the publish Service; nil when there is none.
	publish corelisters.ServiceLister
	// nodes finds this proxy's Node; nil when it is not watched.
	nodes    corelisters.NodeLister
	nodeName string

	// kube is the shared factory of the Kubernetes API, namespaced;
	// factories are every factory to start, kube first.
	kube      informers.SharedInformerFactory
	factories []InformerFactory
	synced    []cache.InformerSynced
	resources []string // what each of synced is about, for metrics and logs
	// stores are the informers' caches, by resource.
	stores map[string]cache.Store
	// watchErrs keeps each informer's last list or watch error.
	watchErrs watchErrors
}

// sliceServiceIndex indexes EndpointSlices by "namespace/service".
const sliceServiceIndex = "service"

// lastAppliedAnnotation is kubectl's copy of the whole object, dropped
// from cached objects to save memory.
const lastAppliedAnnotation = corev1.LastAppliedConfigAnnotation

// startInformers creates the informers (the processors', then the
// shared ones), registers the event handlers and starts them. Events only
// mark changes (see [changes]).
func (c *Controller) startInformers(ctx context.Context) (*listers, error) {
	opts := []informers.SharedInformerOption{informers.WithTransform(StripForCache)}
	if c.cfg.WatchNamespace != "" {
		opts = append(opts, informers.WithNamespace(c.cfg.WatchNamespace))
	}
	f := informers.NewSharedInformerFactoryWithOptions(c.client, 0, opts...)
	svc := f.Core().V1().Services()
	slice := f.Discovery().V1().EndpointSlices()
	if err := slice.Informer().AddIndexers(cache.Indexers{sliceServiceIndex: sliceServiceKey}); err != nil {
		return nil, fmt.Errorf("kube: indexing EndpointSlices: %w", err)
	}
	l := &listers{
		services:  svc.Lister(),
		slices:    slice.Informer().GetIndexer(),
		kube:      f,
		factories: []InformerFactory{f},
		stores:    make(map[string]cache.Store),
	}
	pub := c.cfg.PublishService
	add := func(resource string, inf cache.SharedIndexInformer, h cache.ResourceEventHandler) error {
		if _, err := inf.AddEventHandler(h); err != nil {
			return fmt.Errorf("kube: adding an event handler: %w", err)
		}
		if err := inf.SetWatchErrorHandlerWithContext(l.watchErrs.handler(resource)); err != nil {
			return fmt.Errorf("kube: setting a watch error handler: %w", err)
		}
		l.synced = append(l.synced, inf.HasSynced)
		l.resources = append(l.resources, resource)
		l.stores[resource] = inf.GetStore()
		return nil
	}
	w := &Watch{c: c, lis: l, add: add}
	for _, p := range c.procs {
		if err := p.Register(w); err != nil {
			return nil, fmt.Errorf("kube: the %s processor: %w", p.Name(), err)
		}
	}
	watchesPublish := pub.Name != "" && (c.cfg.WatchNamespace == "" || c.cfg.WatchNamespace == pub.Namespace)
	isPublish := func(obj any) bool {
		m, err := meta.Accessor(tombstoneObject(obj))
		return err == nil && watchesPublish && m.GetNamespace() == pub.Namespace && m.GetName() == pub.Name
	}
	err := add("services", svc.Informer(), cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			c.changes.markRoutes()
			if isPublish(obj) {
				c.signalStatus()
			}
		},
		UpdateFunc: func(o, n any) {
			old, cur := o.(*corev1.Service), n.(*corev1.Service)
			if !equality.Semantic.DeepEqual(old.Spec, cur.Spec) || !maps.Equal(old.Annotations, cur.Annotations) {
				c.changes.markRoutes()
			}
			if isPublish(cur) {
				c.signalStatus()
			}
		},
		DeleteFunc: func(obj any) {
			c.changes.markRoutes()
			if isPublish(obj) {
				c.signalStatus()
			}
		},
	})
	if err == nil {
		err = add("endpointslices", slice.Informer(), cache.ResourceEventHandlerFuncs{
			AddFunc: func(obj any) { c.sliceChanged(obj) },
			UpdateFunc: func(o, n any) {
				c.sliceChanged(o)
				c.sliceChanged(n)
			},
			DeleteFunc: func(obj any) { c.sliceChanged(obj) },
		})
	}
	if err == nil {
		err = c.watchSecrets(l, add, opts)
	}
	if err != nil {
		return nil, err
	}
	if watchesPublish {
		l.publish = l.services
	} else if pub.Name != "" {
		pf := informers.NewSharedInformerFactoryWithOptions(c.client, 0,
			informers.WithNamespace(pub.Namespace),
			informers.WithTransform(StripForCache),
			informers.WithTweakListOptions(func(o *metav1.ListOptions) {
				o.FieldSelector = fields.OneTermEqualSelector("metadata.name", pub.Name).String()
			}))
		inf := pf.Core().V1().Services()
		signal := func(any) { c.signalStatus() }
		if err := add("publish-service", inf.Informer(), cache.ResourceEventHandlerFuncs{
			AddFunc:    signal,
			UpdateFunc: func(_, n any) { signal(n) },
			DeleteFunc: signal,
		}); err != nil {
			return nil, err
		}
		l.publish = inf.Lister()
		l.factories = append(l.factories, pf)
	}
	if err := c.watchNode(ctx, l, add); err != nil {
		return nil, err
	}
	for _, f := range l.factories {
		f.Start(ctx.Done())
	}
	return l, nil
}

// watchSecrets watches the Secrets of type kubernetes.io/tls (a field
// selector: other Secrets never reach this process). A Secret event
// rebuilds the routes only when a processor named that Secret.
func (c *Controller) watchSecrets(l *listers, add func(string, cache.SharedIndexInformer, cache.ResourceEventHandler) error, opts []informers.SharedInformerOption) error {
	opts = append(slices.Clip(opts), informers.WithTweakListOptions(func(o *metav1.ListOptions) {
		o.FieldSelector = fields.OneTermEqualSelector("type", string(corev1.SecretTypeTLS)).String()
	}))
	f := informers.NewSharedInformerFactoryWithOptions(c.client, 0, opts...)
	inf := f.Core().V1().Secrets()
	changed := func(obj any) {
		if m, err := meta.Accessor(tombstoneObject(obj)); err == nil &&
			c.isSecretReferenced(types.NamespacedName{Namespace: m.GetNamespace(), Name: m.GetName()}) {
			c.changes.markRoutes()
		}
	}
	if err := add("secrets", inf.Informer(), cache.ResourceEventHandlerFuncs{
		AddFunc: changed,
		UpdateFunc: func(o, n any) {
			old, cur := o.(*corev1.Secret), n.(*corev1.Secret)
			if old.Type != cur.Type || !maps.EqualFunc(old.Data, cur.Data, bytes.Equal) {
				changed(n)
			}
		},
		DeleteFunc: changed,
	}); err != nil {
		return err
	}
	l.secrets = inf.Lister()
	l.factories = append(l.factories, f)
	return nil
}

// watchNode starts watching this proxy's own Node for its zone label,
// unless there is no node name or reading Nodes is forbidden: then the
// zone stays as configured, and that is logged once.
func (c *Controller) watchNode(ctx context.Context, l *listers, add func(string, cache.SharedIndexInformer, cache.ResourceEventHandler) error) error {
	node := c.cfg.Base.Node
	if node == "" {
		c.log.Info("no node name (--node-name or NODE_NAME): endpoints on this node cannot be preferred", "zone", c.cfg.Base.Zone)
		return nil
	}
	getCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	_, err := c.client.CoreV1().Nodes().Get(getCtx, node, metav1.GetOptions{})
	cancel()
	switch {
	case isForbidden(err):
		c.log.Warn("cannot read this proxy's Node: its zone stays as configured", "node", node, "zone", c.cfg.Base.Zone, "error", err.Error())
		return nil
	case err != nil:
		c.log.Warn("reading this proxy's Node failed; watching for it", "node", node, "error", err.Error())
	}
	f := informers.NewSharedInformerFactoryWithOptions(c.client, 0,
		informers.WithTransform(StripForCache),
		informers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.FieldSelector = fields.OneTermEqualSelector("metadata.name", node).String()
		}))
	inf := f.Core().V1().Nodes()
	if err := add("node", inf.Informer(), cache.ResourceEventHandlerFuncs{
		AddFunc: func(any) { c.changes.markRoutes() },
		UpdateFunc: func(o, n any) {
			if o.(*corev1.Node).Labels[corev1.LabelTopologyZone] != n.(*corev1.Node).Labels[corev1.LabelTopologyZone] {
				c.changes.markRoutes()
			}
		},
		DeleteFunc: func(any) { c.changes.markRoutes() },
	}); err != nil {
		return err
	}
	l.nodes, l.nodeName = inf.Lister(), node
	l.factories = append(l.factories, f)
	return nil
}

// sliceChanged marks the Service of an EndpointSlice event, when a backend
// uses it.
func (c *Controller) sliceChanged(obj any) {
	s, ok := tombstoneObject(obj).(*discoveryv1.EndpointSlice)
	if !ok {
		return
	}
	name := s.Labels[discoveryv1.LabelServiceName]
	if name == "" {
		return
	}
	key := types.NamespacedName{Namespace: s.Namespace, Name: name}
	if key == resolve.APIServerService {
		// The API server's addresses are refused as endpoints of every
		// backend: a new plan.
		c.changes.markRoutes()
		return
	}
	if c.isReferenced(key) {
		c.changes.markEndpoints(key)
	}
}

// shutdown stops the informers and waits for them.
func (l *listers) shutdown() {
	for _, f := range l.factories {
		f.Shutdown()
	}
}

// cluster lists the objects resolution reads. EndpointSlices are read per
// Service (see slicesOf); the result holds only the API server's.
func (l *listers) cluster() resolve.Cluster {
	var s resolve.Cluster
	s.Services, _ = l.services.List(labels.Everything())
	s.Secrets, _ = l.secrets.List(labels.Everything())
	s.EndpointSlices = l.slicesOf(resolve.APIServerService) // for the refused addresses
	return s
}

// slicesOf returns the EndpointSlices of a Service.
func (l *listers) slicesOf(svc types.NamespacedName) []*discoveryv1.EndpointSlice {
	objs, err := l.slices.ByIndex(sliceServiceIndex, svc.Namespace+"/"+svc.Name)
	if err != nil {
		return nil
	}
	out := make([]*discoveryv1.EndpointSlice, 0, len(objs))
	for _, o := range objs {
		if s, ok := o.(*discoveryv1.EndpointSlice); ok {
			out = append(out, s)
		}
	}
	return out
}

// zone returns this proxy's Node's topology.kubernetes.io/zone label, or
// fallback when the Node or its label is unknown.
func (l *listers) zone(fallback string) string {
	if l.nodes == nil {
		return fallback
	}
	n, err := l.nodes.Get(l.nodeName)
	if err != nil {
		return fallback
	}
	if z := n.Labels[corev1.LabelTopologyZone]; z != "" {
		return z
	}
	return fallback
}

// sliceServiceKey is the index function of sliceServiceIndex.
func sliceServiceKey(obj any) ([]string, error) {
	s, ok := obj.(*discoveryv1.EndpointSlice)
	if !ok {
		return nil, nil
	}
	name := s.Labels[discoveryv1.LabelServiceName]
	if name == "" {
		return nil, nil
	}
	return []string{s.Namespace + "/" + name}, nil
}

// StripForCache is the informer transform of every informer of the
// controller (processors' own factories should use it too): it drops
// what firsthop never reads from objects before they are cached: managedFields, kubectl's last-applied-configuration
// annotation (often the larger part of an object), and every key of a
// Secret but the certificate and key. Cached objects are never written
// back whole (status is patched), so nothing is lost on the server.
func StripForCache(obj any) (any, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return obj, nil // a tombstone: left as it is
	}
	if s, ok := obj.(*corev1.Secret); ok {
		s.StringData = nil
		maps.DeleteFunc(s.Data, func(k string, _ []byte) bool {
			return k != corev1.TLSCertKey && k != corev1.TLSPrivateKeyKey
		})
	}
	m.SetManagedFields(nil)
	if a := m.GetAnnotations(); a != nil {
		if _, ok := a[lastAppliedAnnotation]; ok {
			a = maps.Clone(a)
			delete(a, lastAppliedAnnotation)
			m.SetAnnotations(a)
		}
	}
	return obj, nil
}

// tombstoneObject returns the object a delete event is about.
func tombstoneObject(obj any) any {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		return t.Obj
	}
	return obj
}
