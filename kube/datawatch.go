package kube

import (
	"bytes"
	"context"
	"maps"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// dataWatches watches, whole, each object of one kind (Secrets or
// ConfigMaps) whose data a processor read in the last build
// ([resolve.Resolver.SecretData]: htpasswd files, backend CAs;
// [resolve.Resolver.ConfigMapData]: GatewayClass parameters), one
// informer per object (a name field selector), so that no other object's
// data reaches this process (the shared Secret informer keeps
// certificates and keys of kubernetes.io/tls Secrets only; there is no
// ConfigMap informer). A change to a watched object's data, and the end
// of a new watch's first list, rebuild the routes. Safe for concurrent
// use.
type dataWatches struct {
	client  kubernetes.Interface
	kind    dataKind
	changed func() // marks the routes changed

	mu sync.Mutex
	m  map[types.NamespacedName]*dataWatch
}

type dataWatch struct {
	inf  cache.SharedIndexInformer
	stop context.CancelFunc
}

// dataKind is what differs between the kinds watched.
type dataKind struct {
	// informer returns the kind's informer of f.
	informer func(f informers.SharedInformerFactory) cache.SharedIndexInformer
	// sameData reports whether two versions of an object hold the same
	// data: an update that keeps it rebuilds nothing.
	sameData func(a, b any) bool
	// transform strips what is not watched before the object is cached.
	transform cache.TransformFunc
}

// secretData and configMapData are the kinds watched.
var (
	secretData = dataKind{
		informer: func(f informers.SharedInformerFactory) cache.SharedIndexInformer {
			return f.Core().V1().Secrets().Informer()
		},
		sameData: func(a, b any) bool {
			x, y := a.(*corev1.Secret), b.(*corev1.Secret)
			return x.Type == y.Type && maps.EqualFunc(x.Data, y.Data, bytes.Equal)
		},
		transform: stripMetadata,
	}
	configMapData = dataKind{
		informer: func(f informers.SharedInformerFactory) cache.SharedIndexInformer {
			return f.Core().V1().ConfigMaps().Informer()
		},
		sameData: func(a, b any) bool {
			x, y := a.(*corev1.ConfigMap), b.(*corev1.ConfigMap)
			return maps.Equal(x.Data, y.Data) && maps.EqualFunc(x.BinaryData, y.BinaryData, bytes.Equal)
		},
		transform: StripForCache, // which keeps a ConfigMap's data
	}
)

func newDataWatches(client kubernetes.Interface, kind dataKind, changed func()) *dataWatches {
	return &dataWatches{client: client, kind: kind, changed: changed, m: make(map[types.NamespacedName]*dataWatch)}
}

// get returns the watched object n: known is false while its watch has
// not synced (or n is not watched); obj is nil when there is no such
// object.
func (s *dataWatches) get(n types.NamespacedName) (obj any, known bool) {
	if s == nil {
		return nil, false
	}
	s.mu.Lock()
	w := s.m[n]
	s.mu.Unlock()
	if w == nil || !w.inf.HasSynced() {
		return nil, false
	}
	obj, ok, err := w.inf.GetStore().GetByKey(n.Namespace + "/" + n.Name)
	if err != nil || !ok {
		return nil, true
	}
	return obj, true
}

// secret is the [resolve.SecretSource] of Secret watches.
func (s *dataWatches) secret(n types.NamespacedName) (*corev1.Secret, bool) {
	obj, known := s.get(n)
	sec, _ := obj.(*corev1.Secret)
	return sec, known
}

// configMap is the [resolve.ConfigMapSource] of ConfigMap watches.
func (s *dataWatches) configMap(n types.NamespacedName) (*corev1.ConfigMap, bool) {
	obj, known := s.get(n)
	cm, _ := obj.(*corev1.ConfigMap)
	return cm, known
}

// reconcile watches exactly the objects of refs, and returns the watches
// it started.
// A nil s watches nothing.
func (s *dataWatches) reconcile(ctx context.Context, refs map[types.NamespacedName]bool) []cache.InformerSynced {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for n, w := range s.m {
		if !refs[n] {
			w.stop()
			delete(s.m, n)
		}
	}
	var started []cache.InformerSynced
	for n := range refs {
		if s.m[n] != nil {
			continue
		}
		w := s.start(ctx, n)
		s.m[n] = w
		started = append(started, w.inf.HasSynced)
	}
	return started
}

// start starts the watch of the object n.
func (s *dataWatches) start(ctx context.Context, n types.NamespacedName) *dataWatch {
	f := informers.NewSharedInformerFactoryWithOptions(s.client, 0,
		informers.WithNamespace(n.Namespace),
		informers.WithTransform(s.kind.transform),
		informers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.FieldSelector = fields.OneTermEqualSelector("metadata.name", n.Name).String()
		}))
	inf := s.kind.informer(f)
	changed := func(any) { s.changed() }
	_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: changed,
		UpdateFunc: func(o, cur any) {
			if !s.kind.sameData(o, cur) {
				s.changed()
			}
		},
		DeleteFunc: changed,
	})
	ctx, cancel := context.WithCancel(ctx)
	f.Start(ctx.Done())
	go func() {
		// An object that does not exist gives no event: the end of the
		// first list rebuilds (its answer is known now).
		if cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
			s.changed()
		}
	}()
	return &dataWatch{inf: inf, stop: func() { cancel(); go f.Shutdown() }}
}

// stopAll stops every watch.
func (s *dataWatches) stopAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for n, w := range s.m {
		w.stop()
		delete(s.m, n)
	}
}

// secretSyncWait bounds how long a build waits for the watches of the
// Secrets it newly read to sync before it is made again (see
// rebuildRoutes); past it the build is published with those Secrets not
// known yet (the processors fail closed where they guard access), and
// made again when they sync.
const secretSyncWait = 5 * time.Second

// waitSynced waits for synced, at most secretSyncWait; it reports whether
// all synced.
func waitSynced(ctx context.Context, synced []cache.InformerSynced) bool {
	ctx, cancel := context.WithTimeout(ctx, secretSyncWait)
	defer cancel()
	return cache.WaitForCacheSync(ctx.Done(), synced...)
}

// stripMetadata is the transform of the Secret watches: [StripForCache]
// but for the Secret's data, which is what is watched.
func stripMetadata(obj any) (any, error) {
	if s, ok := obj.(*corev1.Secret); ok {
		data := maps.Clone(s.Data)
		_, err := StripForCache(obj)
		s.Data = data
		return s, err
	}
	return StripForCache(obj)
}
