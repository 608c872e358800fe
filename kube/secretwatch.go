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

// secretWatches watches, whole, each Secret whose data a processor read
// in the last build ([resolve.Resolver.SecretData]: htpasswd files,
// backend CAs), one informer per Secret (a name field selector), so that
// no other Secret's data reaches this process (the shared Secret
// informer keeps certificates and keys of kubernetes.io/tls Secrets
// only). A change to a watched Secret, and the end of a new watch's first
// list, rebuild the routes. Safe for concurrent use.
type secretWatches struct {
	client  kubernetes.Interface
	changed func() // marks the routes changed

	mu sync.Mutex
	m  map[types.NamespacedName]*secretWatch
}

type secretWatch struct {
	inf  cache.SharedIndexInformer
	stop context.CancelFunc
}

func newSecretWatches(client kubernetes.Interface, changed func()) *secretWatches {
	return &secretWatches{client: client, changed: changed, m: make(map[types.NamespacedName]*secretWatch)}
}

// get is the [resolve.SecretSource] of the watches.
func (s *secretWatches) get(n types.NamespacedName) (*corev1.Secret, bool) {
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
	sec, _ := obj.(*corev1.Secret)
	return sec, true
}

// reconcile watches exactly the Secrets of refs, and returns the watches
// it started.
// A nil s watches nothing.
func (s *secretWatches) reconcile(ctx context.Context, refs map[types.NamespacedName]bool) []cache.InformerSynced {
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

// start starts the watch of the Secret n.
func (s *secretWatches) start(ctx context.Context, n types.NamespacedName) *secretWatch {
	f := informers.NewSharedInformerFactoryWithOptions(s.client, 0,
		informers.WithNamespace(n.Namespace),
		informers.WithTransform(stripMetadata),
		informers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.FieldSelector = fields.OneTermEqualSelector("metadata.name", n.Name).String()
		}))
	inf := f.Core().V1().Secrets().Informer()
	changed := func(any) { s.changed() }
	_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: changed,
		UpdateFunc: func(o, cur any) {
			a, b := o.(*corev1.Secret), cur.(*corev1.Secret)
			if a.Type != b.Type || !maps.EqualFunc(a.Data, b.Data, bytes.Equal) {
				s.changed()
			}
		},
		DeleteFunc: changed,
	})
	ctx, cancel := context.WithCancel(ctx)
	f.Start(ctx.Done())
	go func() {
		// A Secret that does not exist gives no event: the end of the
		// first list rebuilds (its answer is known now).
		if cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
			s.changed()
		}
	}()
	return &secretWatch{inf: inf, stop: func() { cancel(); go f.Shutdown() }}
}

// stopAll stops every watch.
func (s *secretWatches) stopAll() {
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
