package kube

import (
	"sync"

	"k8s.io/apimachinery/pkg/types"
)

// changes collects what informer events say changed, until the build loop
// takes it. Events only mark and signal; they never build. Safe for
// concurrent use.
type changes struct {
	mu       sync.Mutex
	routes   bool
	services map[types.NamespacedName]struct{}

	// signal holds at most one pending wake-up for the build loop.
	signal chan struct{}
}

func newChanges() *changes {
	return &changes{services: make(map[types.NamespacedName]struct{}), signal: make(chan struct{}, 1)}
}

// markRoutes records that a processor's objects, Services, referenced
// Secrets or the Node changed: the routes must be rebuilt.
func (c *changes) markRoutes() {
	c.mu.Lock()
	c.routes = true
	c.mu.Unlock()
	c.notify()
}

// markEndpoints records that the EndpointSlices of svc changed.
func (c *changes) markEndpoints(svc types.NamespacedName) {
	c.mu.Lock()
	c.services[svc] = struct{}{}
	c.mu.Unlock()
	c.notify()
}

// notify wakes the build loop without blocking.
func (c *changes) notify() {
	select {
	case c.signal <- struct{}{}:
	default:
	}
}

// take returns what changed since the last take and forgets it.
func (c *changes) take() (routes bool, services map[types.NamespacedName]struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	routes, services = c.routes, c.services
	c.routes = false
	c.services = make(map[types.NamespacedName]struct{})
	return routes, services
}
