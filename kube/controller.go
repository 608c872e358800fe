package kube

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/kubernetes"

	"github.com/firsthop/firsthop/kube/resolve"
	"github.com/firsthop/firsthop/model"
)

// Publisher receives each new routing table; the data plane's server
// (proxy.Server) is one, wired in by the firsthop command. Apply must not
// keep spec's slices for modification; an error leaves the previous table
// in place.
type Publisher interface {
	Apply(spec model.TableSpec) error
}

// ListenerPublisher is a [Publisher] that also serves listeners, as
// proxy.Server does. The controller calls Reconfigure, instead of Apply,
// when the listeners to serve (Config.Listeners, then the processors')
// differ from those it last published (at first, Config.Listeners): only
// a processor that contributes listeners makes that happen. Reconfigure
// must not keep the slices for modification; on an error the controller
// publishes again at the next build.
//
// When some listeners cannot be bound (an address not on this host, a
// port in use), Reconfigure publishes the table, serves the others and
// returns an error that joins, for each listener left out, one with a
// method ListenerName() string naming it (as proxy.ListenerError has)
// and nothing else. The controller then counts the table published,
// tells the processors which listeners failed ([Watch.ListenerErrors])
// and calls Reconfigure again every Config.ListenerRetry until they are
// bound.
type ListenerPublisher interface {
	Publisher
	Reconfigure(listeners []model.ListenerSpec, spec model.TableSpec) error
}

// Config configures a [Controller]. Client and Publisher are required; the
// zero value of every other field has the meaning given.
type Config struct {
	// Client talks to the API server. The fake clientset of
	// k8s.io/client-go/kubernetes/fake works.
	Client kubernetes.Interface

	// Publisher receives the tables.
	Publisher Publisher

	// Processors are the sources of routes, in order (see the package
	// documentation for how their parts are merged). At least one.
	Processors []Processor

	// Logger receives the controller's logs; nil means slog.Default().
	Logger *slog.Logger

	// Base holds what the table takes from elsewhere than the cluster
	// (the config file): see [Assemble]. Base.Node is this proxy's node:
	// its Node object's topology.kubernetes.io/zone label, when readable,
	// overrides Base.Zone.
	Base model.TableSpec

	// Listeners are the listeners the data plane serves besides the
	// processors' (the config file's). They are published only when a
	// processor contributes listeners (see [ListenerPublisher]).
	Listeners []model.ListenerSpec

	// Resolve says how Services become backends, for every processor.
	// When Resolve.AllowExternalName is set and Resolve.DNS is nil, names
	// are resolved with the system resolver, each lookup bounded to two
	// seconds.
	Resolve resolve.Options

	// WatchNamespace limits the namespaced objects watched to one
	// namespace. Empty means all namespaces.
	WatchNamespace string

	// PublishService is the Service whose addresses are written to the
	// status of the objects served (Ingresses, ...): its status.loadBalancer.ingress,
	// else its spec.externalIPs, else (type ClusterIP only) its cluster
	// IPs. Zero means none.
	PublishService types.NamespacedName

	// PublishAddresses are literal IP addresses or DNS names written to
	// the status of the objects served; they win over PublishService.
	// Empty means none. With neither, status is never written.
	PublishAddresses []string

	// ElectionID is the name of the coordination.k8s.io Lease used to
	// elect the one replica that writes status and records Events. Empty
	// means no election: this replica acts as the leader.
	ElectionID string

	// ElectionNamespace is the Lease's namespace. Empty means "firsthop".
	ElectionNamespace string

	// Identity names this replica in the Lease. Empty means the host name
	// with a random suffix.
	Identity string

	// Recorder receives Events. Nil means Events are written to the API
	// server through Client.
	Recorder EventRecorder

	// Metrics, when non-nil, records the informer caches' sync state.
	Metrics *CacheMetrics

	// Requests, when non-nil, observes the requests Client sends (see
	// [RequestObserver]): while the caches are not synced, a request the
	// API server does not answer or the last one that failed is named
	// as the cause. Without it only the informers' own errors are.
	Requests *RequestObserver

	// SyncReportInterval is how often Run logs, at warn level, which
	// caches it is still waiting for and why, until they have synced.
	// Zero means 5s.
	SyncReportInterval time.Duration

	// HoldOff is how long the build loop waits for more changes after
	// one arrives; MaxHoldOff bounds the total wait while changes keep
	// arriving. Zero means 10ms and 500ms: a lone change is served
	// within about 10ms, a burst is built once.
	HoldOff, MaxHoldOff time.Duration

	// ExternalNameRefresh is how often the routes are rebuilt while an
	// ExternalName backend is resolved through DNS. Zero means 30s.
	ExternalNameRefresh time.Duration

	// ListenerRetry is how often listeners the [ListenerPublisher] could
	// not bind are tried again. Zero means 5s.
	ListenerRetry time.Duration

	// LeaseDuration, RenewDeadline and RetryPeriod tune the election (see
	// k8s.io/client-go/tools/leaderelection). Zero means 15s, 10s and 2s.
	LeaseDuration, RenewDeadline, RetryPeriod time.Duration
}

// DefaultElectionNamespace is the Lease namespace when
// Config.ElectionNamespace is empty.
const DefaultElectionNamespace = "firsthop"

// Stats count what a [Controller] did. Tests and logs use them.
type Stats struct {
	// Builds counts the tables computed, RouteBuilds those of them that
	// rebuilt the routes (the others only recomputed endpoints).
	Builds, RouteBuilds uint64
	// Publishes counts the tables handed to the Publisher; a build equal to
	// the table published last is not handed over.
	Publishes uint64
	// PublishErrors counts the tables the Publisher refused.
	PublishErrors uint64
	// StatusUpdates counts the status writes (of Ingresses, ...) that
	// succeeded.
	StatusUpdates uint64
	// PartsRefused counts the processors' parts left out of a table (see
	// the package documentation: a processor's bug).
	PartsRefused uint64
}

// Controller keeps a Publisher's routing table in step with the cluster.
// Create it with [NewController]; call Run once.
type Controller struct {
	cfg      Config
	log      *slog.Logger
	client   kubernetes.Interface
	pub      Publisher
	procs    []Processor
	names    []string // of procs
	resolve  resolve.Options
	identity string
	lbStatic []Address // from PublishAddresses

	changes  *changes
	reporter *reporter
	leader   atomic.Bool
	statusCh chan struct{}

	lis        *listers
	referenced atomic.Pointer[map[types.NamespacedName]bool] // Services whose slices are used
	secretRefs atomic.Pointer[map[types.NamespacedName]bool] // Secrets a processor named
	bindErrs   atomic.Pointer[map[string]error]              // listeners not bound, by name
	certs      resolve.CertCache
	// dataSecrets watches the Secrets whose data processors read; ctx
	// is Run's, for those watches.
	dataSecrets *dataWatches
	// configMaps watches the ConfigMaps processors read (GatewayClass
	// parameters), as dataSecrets does Secrets.
	configMaps *dataWatches
	ctx        context.Context

	// Owned by the build loop.
	plan          *merged
	resolvesNames bool
	routesBuilt   time.Time
	eps           map[string][]model.Endpoint
	last          model.TableSpec
	lastListeners []model.ListenerSpec
	published     bool

	builds, routeBuilds, publishes, publishErrors, statusUpdates, partsRefused atomic.Uint64

	runOnce sync.Once
}

// NewController checks cfg and returns a controller. Nothing talks to the
// API server until [Controller.Run].
func NewController(cfg Config) (*Controller, error) {
	if cfg.Client == nil {
		return nil, errors.New("kube: Config.Client is nil")
	}
	if cfg.Publisher == nil {
		return nil, errors.New("kube: Config.Publisher is nil")
	}
	if len(cfg.Processors) == 0 {
		return nil, errors.New("kube: Config.Processors is empty")
	}
	if err := checkProcessors(cfg.Processors); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.HoldOff <= 0 {
		cfg.HoldOff = 10 * time.Millisecond
	}
	if cfg.MaxHoldOff <= 0 {
		cfg.MaxHoldOff = 500 * time.Millisecond
	}
	if cfg.MaxHoldOff < cfg.HoldOff {
		cfg.MaxHoldOff = cfg.HoldOff
	}
	if cfg.SyncReportInterval <= 0 {
		cfg.SyncReportInterval = 5 * time.Second
	}
	if cfg.ExternalNameRefresh <= 0 {
		cfg.ExternalNameRefresh = 30 * time.Second
	}
	if cfg.ListenerRetry <= 0 {
		cfg.ListenerRetry = 5 * time.Second
	}
	if cfg.LeaseDuration <= 0 {
		cfg.LeaseDuration = 15 * time.Second
	}
	if cfg.RenewDeadline <= 0 {
		cfg.RenewDeadline = 10 * time.Second
	}
	if cfg.RetryPeriod <= 0 {
		cfg.RetryPeriod = 2 * time.Second
	}
	if cfg.ElectionID != "" && !(cfg.LeaseDuration > cfg.RenewDeadline && cfg.RenewDeadline > cfg.RetryPeriod) {
		return nil, fmt.Errorf("kube: election timing: want LeaseDuration (%v) > RenewDeadline (%v) > RetryPeriod (%v)",
			cfg.LeaseDuration, cfg.RenewDeadline, cfg.RetryPeriod)
	}
	if cfg.ElectionNamespace == "" {
		cfg.ElectionNamespace = DefaultElectionNamespace
	}
	if cfg.ElectionID != "" {
		if errs := validation.IsDNS1123Subdomain(cfg.ElectionID); len(errs) > 0 {
			return nil, fmt.Errorf("kube: election ID %q: %s", cfg.ElectionID, errs[0])
		}
	}
	lb, err := parsePublishAddresses(cfg.PublishAddresses)
	if err != nil {
		return nil, err
	}
	if cfg.PublishService.Name != "" && cfg.PublishService.Namespace == "" {
		return nil, fmt.Errorf("kube: publish service %q has no namespace", cfg.PublishService.Name)
	}
	ropts := cfg.Resolve
	if ropts.AllowExternalName && ropts.DNS == nil {
		ropts.DNS = resolve.SystemDNS(2 * time.Second)
	}
	names := make([]string, len(cfg.Processors))
	for i, p := range cfg.Processors {
		names[i] = p.Name()
	}
	id := cfg.Identity
	if id == "" {
		id = defaultIdentity()
	}
	c := &Controller{
		cfg:      cfg,
		log:      cfg.Logger,
		client:   cfg.Client,
		pub:      cfg.Publisher,
		procs:    cfg.Processors,
		names:    names,
		resolve:  ropts,
		identity: id,
		lbStatic: lb,
		changes:  newChanges(),
		statusCh: make(chan struct{}, 1),
		eps:      make(map[string][]model.Endpoint),

		lastListeners: cfg.Listeners,
	}
	c.reporter = &reporter{log: cfg.Logger, rec: cfg.Recorder}
	return c, nil
}

// Stats returns what the controller did so far. Safe for concurrent use.
func (c *Controller) Stats() Stats {
	return Stats{
		Builds:        c.builds.Load(),
		RouteBuilds:   c.routeBuilds.Load(),
		Publishes:     c.publishes.Load(),
		PublishErrors: c.publishErrors.Load(),
		StatusUpdates: c.statusUpdates.Load(),
		PartsRefused:  c.partsRefused.Load(),
	}
}

// Run watches the cluster and publishes tables until ctx is done, then
// returns nil. Nothing is built before the informer caches have synced,
// so the Publisher gets no table (and a proxy.Server stays not ready)
// until the cluster has been read whole. When the API server goes away
// the last table stays published; the informers reconnect and relist by
// themselves. Run may be called once; it returns an error when called
// again or when the setup fails.
//
// Run returns soon after ctx is done: it waits at most informerStopWait
// for the informers, which stop by themselves once their current retry
// back-off is over.
func (c *Controller) Run(ctx context.Context) error {
	first := false
	c.runOnce.Do(func() { first = true })
	if !first {
		return errors.New("kube: Controller.Run called twice")
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()

	rec, stopEvents := c.eventRecorder(ctx)
	defer stopEvents()
	c.reporter.rec = rec

	lis, err := c.startInformers(ctx)
	if err != nil {
		return err
	}
	defer c.stopInformers(lis)
	c.ctx = ctx
	c.dataSecrets = newDataWatches(c.client, secretData, c.changes.markRoutes)
	defer c.dataSecrets.stopAll()
	c.configMaps = newDataWatches(c.client, configMapData, c.changes.markRoutes)
	defer c.configMaps.stopAll()
	c.log.Info("waiting for the informer caches to sync", "resources", strings.Join(lis.resources, ","))
	rep := &syncReport{log: c.log, interval: c.cfg.SyncReportInterval, requests: c.cfg.Requests}
	if !lis.waitForSync(ctx, c.cfg.Metrics, rep) {
		return nil // ctx done
	}
	c.lis = lis
	c.log.Info("informer caches synced")

	wg.Go(func() { c.statusLoop(ctx) })
	if c.cfg.ElectionID == "" {
		c.setLeader(true)
	} else {
		wg.Go(func() { c.campaign(ctx) })
	}
	c.loop(ctx)
	return nil
}

// informerStopWait bounds Run's wait for its informers to stop. A
// reflector whose request was refused sleeps out its back-off (up to 30s)
// without looking at its context (client-go's watch-list, v0.37), and
// nothing needs the informers gone but a clean exit.
const informerStopWait = time.Second

// stopInformers stops the informers of lis and waits for them, at most
// informerStopWait.
func (c *Controller) stopInformers(lis *listers) {
	done := make(chan struct{})
	go func() {
		lis.shutdown()
		close(done)
	}()
	t := time.NewTimer(informerStopWait)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		c.log.Debug("informers still stopping (a reflector in a retry back-off); not waiting for them")
	}
}

// loop builds a table at once, then again after each burst of changes.
// While a backend is resolved through DNS, the routes are also rebuilt
// every ExternalNameRefresh.
func (c *Controller) loop(ctx context.Context) {
	c.build()
	refresh := time.NewTimer(time.Hour)
	refresh.Stop()
	defer refresh.Stop()
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	defer retry.Stop()
	for {
		if c.resolvesNames {
			refresh.Reset(time.Until(c.routesBuilt.Add(c.cfg.ExternalNameRefresh)))
		}
		if len(c.ListenerErrors()) > 0 {
			retry.Reset(c.cfg.ListenerRetry)
		}
		select {
		case <-ctx.Done():
			return
		case <-c.changes.signal:
		case <-refresh.C:
			c.changes.markRoutes()
		case <-retry.C:
			c.retryListeners()
			retry.Stop()
			continue
		}
		refresh.Stop()
		retry.Stop()
		if !c.holdOff(ctx) {
			return
		}
		c.build()
	}
}

// retryListeners publishes the last table again with the listeners to
// serve, so that the Publisher binds those it could not bind before.
func (c *Controller) retryListeners() {
	if !c.published || c.plan == nil {
		return
	}
	listeners := c.plan.listenersFor(c.cfg.Listeners)
	if err := c.publish(c.last, listeners, false); err != nil {
		c.publishErrors.Add(1)
		c.published = false
		c.log.Error("publishing the routing table failed; the previous one stays in use", "error", err.Error())
	}
}

// holdOff waits until no change has arrived for HoldOff, or MaxHoldOff
// after it started. It reports false when ctx is done.
func (c *Controller) holdOff(ctx context.Context) bool {
	start := time.Now()
	t := time.NewTimer(c.cfg.HoldOff)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
			return true
		case <-c.changes.signal:
			left := c.cfg.MaxHoldOff - time.Since(start)
			if left <= 0 {
				return true
			}
			t.Reset(min(c.cfg.HoldOff, left))
		}
	}
}

// build makes the table from the listers and publishes it when it
// differs from the last one published. Only endpoint changes recompute the
// endpoints of the Services concerned and nothing else; the backends they
// leave alone keep their endpoint slices, which tells the Publisher (a
// proxy.Server) that they are unchanged.
func (c *Controller) build() {
	routes, services := c.changes.take()
	base := c.cfg.Base
	base.Zone = c.lis.zone(base.Zone)
	full := routes || c.plan == nil
	changed := !c.published || base.Zone != c.last.Zone
	if full {
		c.rebuildRoutes()
	} else {
		for svc := range services {
			for _, b := range c.plan.byService[svc] {
				eps := b.Endpoints(c.lis.slicesOf(svc))
				if !slices.EqualFunc(eps, c.eps[b.Name], sameEndpoint) {
					c.eps[b.Name] = eps
					changed = true
				}
			}
		}
	}
	c.builds.Add(1)
	if !full && !changed {
		c.log.Debug("routing table unchanged", "full", false)
		return
	}
	spec := c.plan.spec(base, func(b *resolve.Backend) []model.Endpoint { return c.eps[b.Name] })
	listeners := c.plan.listenersFor(c.cfg.Listeners)
	// Listeners left out last time are tried again with every table.
	sameListeners := reflect.DeepEqual(listeners, c.lastListeners) && len(c.ListenerErrors()) == 0
	if full && c.published && sameListeners && reflect.DeepEqual(spec, c.last) {
		c.log.Debug("routing table unchanged", "full", true)
		return
	}
	if err := c.publish(spec, listeners, sameListeners); err != nil {
		c.publishErrors.Add(1)
		c.published = false // the next build publishes whatever it finds
		c.log.Error("publishing the routing table failed; the previous one stays in use", "error", err.Error())
		return
	}
	c.publishes.Add(1)
	c.last, c.published = spec, true
	if full {
		n := 0
		for _, b := range spec.Backends {
			n += len(b.Endpoints)
		}
		c.log.Info("routing table published", "routes", len(spec.Routes), "backends", len(spec.Backends),
			"endpoints", n, "zone", spec.Zone, "routes_rebuilt", true)
		return
	}
	c.log.Debug("routing table published", "services_changed", len(services), "routes_rebuilt", false)
}

// publish hands spec to the Publisher, with listeners when they differ
// from those last published (see [ListenerPublisher]).
func (c *Controller) publish(spec model.TableSpec, listeners []model.ListenerSpec, sameListeners bool) error {
	if sameListeners {
		return c.pub.Apply(spec)
	}
	lp, ok := c.pub.(ListenerPublisher)
	if !ok {
		c.log.Error("a processor has listeners and the Publisher takes none: publishing the table without them",
			"listeners", len(listeners))
		return c.pub.Apply(spec)
	}
	failed, err := listenerErrors(lp.Reconfigure(listeners, spec))
	if err != nil {
		return err
	}
	changed := c.setListenerErrors(failed)
	if changed || !reflect.DeepEqual(listeners, c.lastListeners) {
		c.log.Info("listeners published", "listeners", len(listeners), "not_bound", len(failed))
	}
	c.lastListeners = listeners
	return nil
}

// listenerErrors splits the error of a Reconfigure: when it joins only
// errors naming a listener (see [ListenerPublisher]), it returns them by
// listener and nil; else err itself.
func listenerErrors(err error) (map[string]error, error) {
	if err == nil {
		return nil, nil
	}
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	failed := make(map[string]error, len(errs))
	for _, e := range errs {
		var le interface{ ListenerName() string }
		if !errors.As(e, &le) {
			return nil, err
		}
		failed[le.ListenerName()] = e
	}
	return failed, nil
}

// setListenerErrors records the listeners not bound at the last
// publication and, when that changes, logs the change and has status
// written; it reports whether it changed.
func (c *Controller) setListenerErrors(failed map[string]error) bool {
	old := c.ListenerErrors()
	c.bindErrs.Store(&failed)
	if maps.EqualFunc(old, failed, func(a, b error) bool { return a.Error() == b.Error() }) {
		return false
	}
	for name, err := range failed {
		if prev, ok := old[name]; !ok || prev.Error() != err.Error() {
			c.log.Error("listener not bound; serving the others and trying again", "listener", name,
				"error", err.Error(), "retry_every", c.cfg.ListenerRetry.String())
		}
	}
	for name := range old {
		if _, ok := failed[name]; !ok {
			c.log.Info("listener bound after all", "listener", name)
		}
	}
	c.signalStatus()
	return true
}

// ListenerErrors returns the listeners the [ListenerPublisher] could not
// bind at the last publication, by name, with why; nil when every one is
// bound. The map must not be modified. Safe for concurrent use.
func (c *Controller) ListenerErrors() map[string]error {
	if m := c.bindErrs.Load(); m != nil {
		return *m
	}
	return nil
}

// sameEndpoint reports whether two endpoints are equal.
func sameEndpoint(a, b model.Endpoint) bool {
	return a.Addr == b.Addr && a.Node == b.Node && a.Zone == b.Zone && a.State == b.State &&
		slices.Equal(a.ForNodes, b.ForNodes) && slices.Equal(a.ForZones, b.ForZones)
}

// rebuildRoutes asks every processor for its part, merges the parts and
// recomputes every backend's endpoints.
func (c *Controller) rebuildRoutes() {
	c.routeBuilds.Add(1)
	c.routesBuilt = time.Now()
	r, parts := c.buildParts()
	// A Secret read for the first time is watched from now on; once its
	// watch has synced, the build is made again, so that what the
	// Secret guards is not published closed (or reported missing) for
	// the time of a watch's first list.
	started := c.dataSecrets.reconcile(c.ctx, r.DataSecretRefs())
	started = append(started, c.configMaps.reconcile(c.ctx, r.ConfigMapRefs())...)
	if len(started) > 0 && r.SecretsPending() && waitSynced(c.ctx, started) {
		r, parts = c.buildParts()
		c.dataSecrets.reconcile(c.ctx, r.DataSecretRefs())
		c.configMaps.reconcile(c.ctx, r.ConfigMapRefs())
	}
	plan, refused := merge(c.cfg.Base, c.cfg.Listeners, c.names, parts)
	for _, ref := range refused {
		c.partsRefused.Add(1)
		c.log.Error("processors conflict", "processor", ref.Processor, "conflict", ref.Reason)
	}
	c.plan, c.resolvesNames = plan, r.ResolvesNames()
	secretRefs := r.SecretRefs()
	c.certs.KeepOnly(secretRefs)
	c.secretRefs.Store(&secretRefs)
	old := c.eps
	c.eps = make(map[string][]model.Endpoint, len(c.plan.backends))
	ref := make(map[types.NamespacedName]bool, len(c.plan.backends))
	for _, b := range c.plan.backends {
		svc, fromSlices := b.Service()
		var eps []model.Endpoint
		if fromSlices {
			ref[svc] = true
			eps = b.Endpoints(c.lis.slicesOf(svc))
		} else {
			eps = b.Endpoints(nil)
		}
		// An unchanged list keeps its old slice: the Publisher then
		// knows that backend is unchanged.
		if prev, ok := old[b.Name]; ok && slices.EqualFunc(prev, eps, sameEndpoint) {
			eps = prev
		}
		c.eps[b.Name] = eps
	}
	c.referenced.Store(&ref)
	c.reporter.update(c.plan.problems)
}

// buildParts asks every processor for its part, with a new resolver
// over the caches.
func (c *Controller) buildParts() (*resolve.Resolver, []Part) {
	cl := c.lis.cluster()
	cl.SecretData = c.dataSecrets.secret
	cl.ConfigMapData = c.configMaps.configMap
	r := resolve.New(cl, c.resolve, c.certs.Load)
	parts := make([]Part, len(c.procs))
	for i, p := range c.procs {
		parts[i] = p.Build(r)
	}
	return r, parts
}

// setLeader records whether this replica leads.
func (c *Controller) setLeader(leader bool) {
	if c.leader.Swap(leader) == leader {
		return
	}
	if leader {
		c.log.Info("leading: writing status and Events", "identity", c.identity)
	} else {
		c.log.Info("not leading", "identity", c.identity)
	}
	c.reporter.setLeader(leader)
	c.signalStatus()
}

// isReferenced reports whether a backend uses the EndpointSlices of svc.
func (c *Controller) isReferenced(svc types.NamespacedName) bool {
	ref := c.referenced.Load()
	return ref == nil || (*ref)[svc]
}

// isSecretReferenced reports whether a processor named the Secret in the
// last build.
func (c *Controller) isSecretReferenced(secret types.NamespacedName) bool {
	ref := c.secretRefs.Load()
	return ref == nil || (*ref)[secret]
}

// defaultIdentity is the host name with a random suffix, so that two
// processes on one host never share an identity.
func defaultIdentity() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "firsthop"
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	return host + "_" + hex.EncodeToString(b[:])
}
