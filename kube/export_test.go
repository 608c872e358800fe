package kube

import (
	"context"
	"fmt"

	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/firsthop/firsthop/model"
)

// Hooks into the controller for the tests of package kube_test, which run
// it with the Ingress processor (package kube/ingress imports kube, so
// they cannot be in package kube).

// SyncStatus runs one status sync.
func (c *Controller) SyncStatus(ctx context.Context) error { return c.syncStatus(ctx) }

// Cached returns the object namespace/name of resource ("ingresses",
// "secrets", ...) as the informer cache holds it. It must be called once
// the caches have synced.
func (c *Controller) Cached(resource, namespace, name string) (any, error) {
	store, ok := c.lis.stores[resource]
	if !ok {
		return nil, fmt.Errorf("no informer for %s", resource)
	}
	key := name
	if namespace != "" {
		key = namespace + "/" + name
	}
	obj, ok, err := store.GetByKey(key)
	switch {
	case err != nil:
		return nil, err
	case !ok:
		return nil, fmt.Errorf("%s %s not in the cache", resource, key)
	}
	return obj, nil
}

// StartCaches starts the informers and waits for their caches, without
// the build loop: the benchmark drives builds itself with Build. stop
// stops the informers once ctx is done.
func (c *Controller) StartCaches(ctx context.Context) (stop func(), err error) {
	lis, err := c.startInformers(ctx)
	if err != nil {
		return nil, err
	}
	if !lis.waitForSync(ctx, nil, nil) {
		lis.shutdown()
		return nil, ctx.Err()
	}
	c.lis = lis
	return lis.shutdown, nil
}

// Build forgets the changes marked so far and builds.
func (c *Controller) Build() {
	c.changes.take()
	c.build()
}

// ReplaceSlice replaces an EndpointSlice in the informer cache (bypassing
// the informer) and marks its Service's endpoints changed, as the
// informer's handler would.
func (c *Controller) ReplaceSlice(s *discoveryv1.EndpointSlice) error {
	if err := c.lis.slices.Update(s); err != nil {
		return err
	}
	c.changes.take() // drop what the informer's handler marked, if it ran
	c.changes.markEndpoints(types.NamespacedName{Namespace: s.Namespace, Name: s.Labels[discoveryv1.LabelServiceName]})
	return nil
}

// BuildMarked builds what was marked, without forgetting it first.
func (c *Controller) BuildMarked() { c.build() }

// LastTable returns the table published last.
func (c *Controller) LastTable() model.TableSpec { return c.last }
