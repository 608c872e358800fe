package kube

import (
	"context"
	"fmt"
	"log/slog"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"github.com/firsthop/firsthop/kube/resolve"
	"github.com/firsthop/firsthop/model"
)

// Processor is one source of routes: the Ingress processor (package
// kube/ingress), the Gateway API one. The [Controller] runs its
// informers, asks it for its part of the table on every build and merges
// the parts (see the package documentation for the rule); the Services,
// EndpointSlices, TLS Secrets and Node every processor needs are the
// controller's, read through the [resolve.Resolver] each build gets.
//
// Its methods are called from one goroutine at a time, in this order:
// Register once; then Build on each build, and WriteStatus (on the
// leader only) whenever status may need writing, each never concurrently
// with itself.
type Processor interface {
	// Name names the processor in logs and in the names it gives (see
	// the package documentation): a lower-case word such as "ingress",
	// unique among the processors of a controller.
	Name() string

	// Register creates the processor's informers, through w, before any
	// informer starts. Their event handlers only signal (see
	// [Watch.Rebuild]); they never build.
	Register(w *Watch) error

	// Build returns the processor's part of the table from its
	// informers' caches, which have synced. r resolves the Services and
	// Secrets its objects name; the endpoints of the backends it returns
	// are the controller's business.
	Build(r *resolve.Resolver) Part

	// WriteStatus writes the status of the objects the last Build
	// served, where it differs from what they should say, and returns
	// how many objects it wrote. addresses are the published addresses
	// (--publish-address, --publish-service), sorted; empty when none is
	// known yet, and then no status is cleared of its addresses. An
	// error is retried with back-off.
	WriteStatus(ctx context.Context, addresses []Address) (written int, err error)
}

// Part is one processor's part of the table. Every name in it follows the
// package's rule on names; backends, routes and listeners refer to each
// other by name within the part, and the part passes
// [model.TableSpec.Validate] on its own with the base's policies. The
// controller does not modify it.
type Part struct {
	Routes []model.Route
	// DefaultBackend, when not empty, serves requests no route matches;
	// at most one part has one.
	DefaultBackend string
	// Backends are the backends Routes name, from [resolve.Resolver.Backend];
	// the controller fills in their endpoints.
	Backends     []*resolve.Backend
	Certificates []model.Certificate
	Policies     []model.Policy
	Scopes       []model.ScopeSpec
	// Listeners are served besides the base listeners (those of the
	// config file); see [ListenerPublisher].
	Listeners []model.ListenerSpec
	// Problems are the problems met, in the order met, without
	// duplicates.
	Problems []resolve.Problem
}

// Watch is what a [Processor] registers its informers with, and what its
// event handlers signal through. A processor may keep it.
type Watch struct {
	c   *Controller
	lis *listers
	add func(resource string, inf cache.SharedIndexInformer, h cache.ResourceEventHandler) error
}

// Client returns the controller's API client.
func (w *Watch) Client() kubernetes.Interface { return w.c.client }

// Logger returns the controller's logger.
func (w *Watch) Logger() *slog.Logger { return w.c.log }

// Factory returns the controller's shared informer factory for the
// Kubernetes API: limited to Config.WatchNamespace, with the objects
// stripped as [StripForCache] does. The controller starts and stops it.
func (w *Watch) Factory() informers.SharedInformerFactory { return w.lis.kube }

// Add registers the handler h on inf, which watches resource (a plural
// name such as "ingresses", for logs and metrics). Nothing is built
// before inf has synced, and its list and watch errors are reported while
// the controller waits for it. inf must come from [Watch.Factory] or from
// a factory given to [Watch.Start].
func (w *Watch) Add(resource string, inf cache.SharedIndexInformer, h cache.ResourceEventHandler) error {
	return w.add(resource, inf, h)
}

// InformerFactory is an informer factory of another API (Gateway API's, say):
// what [Watch.Start] needs of it.
type InformerFactory interface {
	Start(stopCh <-chan struct{})
	Shutdown()
}

// Start has the controller start f with the rest and stop it on the way
// out.
func (w *Watch) Start(f InformerFactory) { w.lis.factories = append(w.lis.factories, f) }

// Rebuild signals that the processor's objects changed: the routes are
// rebuilt after the hold-off. It never blocks.
func (w *Watch) Rebuild() { w.c.changes.markRoutes() }

// ListenerErrors returns the listeners of the parts that the data plane
// could not bind at the last publication (see [ListenerPublisher]), by
// name, with why; nil when every one is bound. When it changes, status is
// written (WriteStatus is called). The map must not be modified.
func (w *Watch) ListenerErrors() map[string]error { return w.c.ListenerErrors() }

// StatusChanged signals that status may need writing (the processor's
// objects' status changed, or the set it serves): the leader calls
// WriteStatus soon. It never blocks.
func (w *Watch) StatusChanged() { w.c.signalStatus() }

// checkProcessors checks the processors' names: set and unique.
func checkProcessors(ps []Processor) error {
	seen := make(map[string]bool, len(ps))
	for i, p := range ps {
		if p == nil {
			return fmt.Errorf("kube: Config.Processors[%d] is nil", i)
		}
		name := p.Name()
		if name == "" || seen[name] {
			return fmt.Errorf("kube: Config.Processors[%d]: name %q is empty or not unique", i, name)
		}
		seen[name] = true
	}
	return nil
}
