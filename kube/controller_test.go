package kube_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	discoveryv1client "k8s.io/client-go/kubernetes/typed/discovery/v1"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"

	"github.com/firsthop/firsthop/kube"
	"github.com/firsthop/firsthop/kube/ingress"
	"github.com/firsthop/firsthop/kube/internal/kubetest"
	"github.com/firsthop/firsthop/kube/resolve"
	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy"
)

// recordingPublisher keeps every table it is given.
type recordingPublisher struct {
	mu    sync.Mutex
	specs []model.TableSpec
}

func (p *recordingPublisher) Apply(spec model.TableSpec) error {
	if _, err := proxy.NewTable(spec); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.specs = append(p.specs, spec)
	return nil
}

// last returns the last table published and how many there were.
func (p *recordingPublisher) last() (model.TableSpec, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.specs) == 0 {
		return model.TableSpec{}, 0
	}
	return p.specs[len(p.specs)-1], len(p.specs)
}

// gatedSlices is a clientset whose EndpointSlice lists call gate first.
type gatedSlices struct {
	*fake.Clientset
	gate func()
}

func (g *gatedSlices) DiscoveryV1() discoveryv1client.DiscoveryV1Interface {
	return gatedDiscovery{g.Clientset.DiscoveryV1(), g.gate}
}

type gatedDiscovery struct {
	discoveryv1client.DiscoveryV1Interface
	gate func()
}

func (d gatedDiscovery) EndpointSlices(namespace string) discoveryv1client.EndpointSliceInterface {
	return gatedSliceClient{d.DiscoveryV1Interface.EndpointSlices(namespace), d.gate}
}

type gatedSliceClient struct {
	discoveryv1client.EndpointSliceInterface
	gate func()
}

func (s gatedSliceClient) List(ctx context.Context, opts metav1.ListOptions) (*discoveryv1.EndpointSliceList, error) {
	s.gate()
	return s.EndpointSliceInterface.List(ctx, opts)
}

// harness is a controller with the Ingress processor running against a
// fake clientset.
type harness struct {
	t      *testing.T
	ctx    context.Context
	client *fake.Clientset
	pub    *recordingPublisher
	rec    *record.FakeRecorder
	c      *kube.Controller
}

// start runs a controller over a fake cluster holding objs. tweak may
// change the config before the controller is made.
func start(t *testing.T, tweak func(*kube.Config), objs ...runtime.Object) *harness {
	t.Helper()
	client := fake.NewClientset(objs...)
	h := &harness{t: t, client: client, pub: &recordingPublisher{}, rec: record.NewFakeRecorder(100)}
	cfg := kube.Config{
		Client:     client,
		Publisher:  h.pub,
		Processors: ingressOnly(),
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
		Recorder:   h.rec,
		HoldOff:    time.Millisecond,
		MaxHoldOff: 5 * time.Millisecond,
		Identity:   "test",
	}
	if tweak != nil {
		tweak(&cfg)
	}
	c, err := kube.NewController(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.c = c
	ctx, cancel := context.WithCancel(context.Background())
	h.ctx = ctx
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("Run did not return after its context was cancelled")
		}
	})
	return h
}

// waitTable waits for a published table for which check returns "".
func (h *harness) waitTable(what string, check func(model.TableSpec) string) model.TableSpec {
	h.t.Helper()
	var got model.TableSpec
	kubetest.Eventually(h.t, what, func() (bool, string) {
		spec, n := h.pub.last()
		if n == 0 {
			return false, "nothing published"
		}
		got = spec
		if msg := check(spec); msg != "" {
			return false, msg + "\n" + kubetest.Render(spec)
		}
		return true, ""
	})
	return got
}

// waitBuilds waits until the controller has built more than n tables.
func (h *harness) waitBuilds(n uint64) {
	h.t.Helper()
	kubetest.Eventually(h.t, "another build", func() (bool, string) {
		s := h.c.Stats()
		return s.Builds > n, fmt.Sprintf("%+v", s)
	})
}

// ingressOnly is the processors of `firsthop ingress`: the Ingress one.
func ingressOnly() []kube.Processor { return []kube.Processor{ingress.New(ingress.Options{})} }

// statusAddrs returns the IPs and host names of an Ingress status, sorted.
func statusAddrs(lb []networkingv1.IngressLoadBalancerIngress) []string {
	var out []string
	for _, a := range lb {
		out = append(out, cmp.Or(a.IP, a.Hostname))
	}
	slices.Sort(out)
	return out
}

// addrs returns the endpoint addresses of the named backend.
func addrs(spec model.TableSpec, backend string) []string {
	for _, b := range spec.Backends {
		if b.Name == backend {
			var out []string
			for _, e := range b.Endpoints {
				out = append(out, e.Addr.String())
			}
			return out
		}
	}
	return nil
}

func TestControllerPublishesTheCluster(t *testing.T) {
	t.Parallel()
	h := start(t, func(c *kube.Config) {
		c.Base = model.TableSpec{Node: "node-a", Zone: "zone-from-config"}
	},
		kubetest.Class(kubetest.ClassName, false),
		kubetest.Service("shop", "web"),
		kubetest.Slice("shop", "web-1", "web", discoveryv1.AddressTypeIPv4, "10.0.0.1"),
		kubetest.Ingress("shop", "web", "shop.example.com", "/", "web"),
	)
	spec := h.waitTable("the first table", func(s model.TableSpec) string {
		if got := addrs(s, "shop/web:http"); !slices.Equal(got, []string{"10.0.0.1:8080"}) {
			return fmt.Sprintf("endpoints %v", got)
		}
		return ""
	})
	if spec.Node != "node-a" || spec.Zone != "zone-from-config" {
		t.Errorf("node %q zone %q, want node-a and the configured zone (no Node object)", spec.Node, spec.Zone)
	}
	if len(spec.Routes) != 1 || spec.Routes[0].Host != "shop.example.com" {
		t.Errorf("routes %+v", spec.Routes)
	}

	t.Run("an endpoint change recomputes endpoints without rebuilding routes", func(t *testing.T) {
		routeBuilds := h.c.Stats().RouteBuilds
		if _, err := h.client.DiscoveryV1().EndpointSlices("shop").Create(h.ctx, kubetest.Slice("shop", "web-2", "web", discoveryv1.AddressTypeIPv4, "10.0.0.2"), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		h.waitTable("the second endpoint", func(s model.TableSpec) string {
			if got := addrs(s, "shop/web:http"); !slices.Equal(got, []string{"10.0.0.1:8080", "10.0.0.2:8080"}) {
				return fmt.Sprintf("endpoints %v", got)
			}
			return ""
		})
		if got := h.c.Stats().RouteBuilds; got != routeBuilds {
			t.Errorf("route builds went from %d to %d on an EndpointSlice change", routeBuilds, got)
		}
	})

	t.Run("a change that alters nothing is built and not published", func(t *testing.T) {
		before := h.c.Stats()
		ing, err := h.client.NetworkingV1().Ingresses("shop").Get(h.ctx, "web", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ing.Annotations = map[string]string{"example.com/owner": "team-a"}
		if _, err := h.client.NetworkingV1().Ingresses("shop").Update(h.ctx, ing, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		kubetest.Eventually(t, "a route build", func() (bool, string) {
			s := h.c.Stats()
			return s.RouteBuilds > before.RouteBuilds, fmt.Sprintf("%+v", s)
		})
		if after := h.c.Stats(); after.Publishes != before.Publishes {
			t.Errorf("publishes went from %d to %d for a change that alters nothing", before.Publishes, after.Publishes)
		}
	})

	t.Run("an EndpointSlice of a Service no backend uses does not build", func(t *testing.T) {
		before := h.c.Stats()
		if _, err := h.client.DiscoveryV1().EndpointSlices("shop").Create(h.ctx, kubetest.Slice("shop", "other-1", "other", discoveryv1.AddressTypeIPv4, "10.0.0.9"), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		// A later change to a used Service is built; the unused one must
		// not have caused a build of its own before it. Events of one
		// informer are delivered in order, so once the used slice's
		// change is published, the unused slice's event was handled.
		if err := h.client.DiscoveryV1().EndpointSlices("shop").Delete(h.ctx, "web-2", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		h.waitTable("the second endpoint gone", func(s model.TableSpec) string {
			if got := addrs(s, "shop/web:http"); !slices.Equal(got, []string{"10.0.0.1:8080"}) {
				return fmt.Sprintf("endpoints %v", got)
			}
			return ""
		})
		if after := h.c.Stats(); after.Builds-before.Builds > 1 && after.Publishes-before.Publishes == 1 {
			// Builds may be merged by the hold-off, never split: more than
			// one build here would mean the unused slice caused one.
			t.Errorf("builds went from %d to %d for one used change", before.Builds, after.Builds)
		}
	})

	t.Run("deleting the Ingress removes its routes", func(t *testing.T) {
		if err := h.client.NetworkingV1().Ingresses("shop").Delete(h.ctx, "web", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		h.waitTable("an empty table", func(s model.TableSpec) string {
			if len(s.Routes) != 0 || len(s.Backends) != 0 {
				return "routes left"
			}
			return ""
		})
	})
}

func TestControllerSkipsBadIngressAndRecordsAnEvent(t *testing.T) {
	t.Parallel()
	bad := kubetest.Ingress("shop", "bad", "bad.example.com", "/a//b", "web", kubetest.Age(time.Hour))
	h := start(t, nil,
		kubetest.Class(kubetest.ClassName, false),
		kubetest.Service("shop", "web"),
		kubetest.Slice("shop", "web-1", "web", discoveryv1.AddressTypeIPv4, "10.0.0.1"),
		bad,
		kubetest.Ingress("shop", "good", "good.example.com", "/", "web"),
	)
	h.waitTable("the good Ingress", func(s model.TableSpec) string {
		if len(s.Routes) != 1 || s.Routes[0].Host != "good.example.com" {
			return "want only good.example.com"
		}
		return ""
	})
	var ev string
	select {
	case ev = <-h.rec.Events:
	case <-time.After(10 * time.Second):
		t.Fatal("no Event recorded for the bad Ingress")
	}
	if !strings.HasPrefix(ev, "Warning InvalidPath ") || !strings.Contains(ev, "/a//b") {
		t.Errorf("event %q, want a Warning InvalidPath naming the path", ev)
	}

	// Another route build with the same problem records nothing new.
	builds := h.c.Stats().RouteBuilds
	if _, err := h.client.CoreV1().Services("shop").Create(h.ctx, kubetest.Service("shop", "unrelated"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	kubetest.Eventually(t, "a route build", func() (bool, string) {
		s := h.c.Stats()
		return s.RouteBuilds > builds, fmt.Sprintf("%+v", s)
	})
	select {
	case ev := <-h.rec.Events:
		t.Errorf("event %q recorded again", ev)
	default:
	}

	// Fixing the Ingress serves it.
	fixed := bad.DeepCopy()
	fixed.Spec.Rules[0].HTTP.Paths[0].Path = "/a/b"
	if _, err := h.client.NetworkingV1().Ingresses("shop").Update(h.ctx, fixed, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	h.waitTable("the fixed Ingress", func(s model.TableSpec) string {
		if len(s.Routes) != 2 {
			return "want two routes"
		}
		return ""
	})
}

func TestControllerWaitsForCacheSync(t *testing.T) {
	t.Parallel()
	fakeClient := fake.NewClientset(kubetest.Class(kubetest.ClassName, false), kubetest.Service("shop", "web"), kubetest.Ingress("shop", "web", "", "/", "web"))
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	// The EndpointSlice list blocks outside the fake clientset: a reactor
	// would block holding the fake's lock, and with it every other
	// informer.
	client := &gatedSlices{Clientset: fakeClient, gate: func() {
		once.Do(func() { close(entered) })
		<-release
	}}
	pub := &recordingPublisher{}
	c, err := kube.NewController(kube.Config{Client: client, Publisher: pub, Processors: ingressOnly(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), HoldOff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		close(release)
		t.Fatal("the EndpointSlice informer never listed")
	}
	// The other informers have listed by now or soon; none may lead to a
	// build while one cache is still empty.
	kubetest.Eventually(t, "the Ingress informer to sync", func() (bool, string) {
		acts := fakeClient.Actions()
		for _, a := range acts {
			if a.GetVerb() == "watch" && a.GetResource().Resource == "ingresses" {
				return true, ""
			}
		}
		return false, fmt.Sprintf("%d actions", len(acts))
	})
	if _, n := pub.last(); n != 0 {
		t.Errorf("%d table(s) published before every cache synced", n)
	}
	close(release)
	kubetest.Eventually(t, "the first table", func() (bool, string) {
		_, n := pub.last()
		return n == 1, fmt.Sprintf("%d tables", n)
	})
}

func TestControllerWritesStatus(t *testing.T) {
	t.Parallel()
	h := start(t, func(c *kube.Config) { c.PublishAddresses = []string{"lb.example.com", "192.0.2.10"} },
		kubetest.Class(kubetest.ClassName, false),
		kubetest.Service("shop", "web"),
		kubetest.Ingress("shop", "web", "", "/", "web"),
		kubetest.Ingress("shop", "bad", "", "/x//y", "web"),
	)
	want := []string{"192.0.2.10", "lb.example.com"}
	// Once a table is published, the caches have synced (and the
	// publisher's lock orders that before this goroutine's reads).
	h.waitTable("the first table", func(s model.TableSpec) string { return "" })
	kubetest.Eventually(t, "the status written and seen by the informer", func() (bool, string) {
		obj, err := h.c.Cached("ingresses", "shop", "web")
		if err != nil {
			return false, err.Error()
		}
		got := statusAddrs(obj.(*networkingv1.Ingress).Status.LoadBalancer.Ingress)
		return slices.Equal(got, want), fmt.Sprintf("%+v", got)
	})
	// The status loop may have written once more before the informer saw
	// the first write (it compares with the cache): one write, or two
	// with the same status, are right.
	written := h.c.Stats().StatusUpdates
	if written != 1 && written != 2 {
		t.Errorf("%d status updates, want 1 (2 when the cache lagged)", written)
	}
	// A status already right, as the cache sees it, is not written again.
	if err := h.c.SyncStatus(h.ctx); err != nil {
		t.Fatal(err)
	}
	if n := h.c.Stats().StatusUpdates; n != written {
		t.Errorf("%d status updates after a sync with nothing to change, want %d", n, written)
	}
	// The skipped Ingress gets no address.
	bad, err := h.client.NetworkingV1().Ingresses("shop").Get(h.ctx, "bad", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(bad.Status.LoadBalancer.Ingress) != 0 {
		t.Errorf("skipped Ingress got status %+v", bad.Status.LoadBalancer.Ingress)
	}
}

func TestControllerStatusFromPublishService(t *testing.T) {
	t.Parallel()
	lb := kubetest.Service("firsthop", "firsthop")
	lb.Spec.Type = corev1.ServiceTypeLoadBalancer
	lb.Spec.ClusterIP = "10.96.0.10"
	h := start(t, func(c *kube.Config) {
		c.WatchNamespace = "shop"
		c.PublishService = types.NamespacedName{Namespace: "firsthop", Name: "firsthop"}
	},
		kubetest.Class(kubetest.ClassName, false),
		lb,
		kubetest.Service("shop", "web"),
		kubetest.Ingress("shop", "web", "", "/", "web"),
	)
	h.waitTable("the first table", func(s model.TableSpec) string {
		if len(s.Routes) != 1 {
			return "no route"
		}
		return ""
	})
	// No load balancer yet: the cluster IP of a LoadBalancer Service is
	// not published.
	if err := h.c.SyncStatus(h.ctx); err != nil {
		t.Fatal(err)
	}
	if n := h.c.Stats().StatusUpdates; n != 0 {
		t.Fatalf("%d status updates before the load balancer has an address", n)
	}
	lb.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: "203.0.113.7"}}
	if _, err := h.client.CoreV1().Services("firsthop").UpdateStatus(h.ctx, lb, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	kubetest.Eventually(t, "the load balancer address in the Ingress status", func() (bool, string) {
		ing, err := h.client.NetworkingV1().Ingresses("shop").Get(h.ctx, "web", metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		got := statusAddrs(ing.Status.LoadBalancer.Ingress)
		return slices.Equal(got, []string{"203.0.113.7"}), fmt.Sprintf("%+v", got)
	})
}

func TestControllerZoneFromNode(t *testing.T) {
	t.Parallel()
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-a", Labels: map[string]string{corev1.LabelTopologyZone: "zone-1"}}}
	h := start(t, func(c *kube.Config) { c.Base = model.TableSpec{Node: "node-a", Zone: "zone-from-config"} },
		kubetest.Class(kubetest.ClassName, false), node)
	h.waitTable("the Node's zone", func(s model.TableSpec) string {
		if s.Zone != "zone-1" {
			return "zone " + s.Zone
		}
		return ""
	})
	node = node.DeepCopy()
	node.Labels[corev1.LabelTopologyZone] = "zone-2"
	if _, err := h.client.CoreV1().Nodes().Update(h.ctx, node, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	h.waitTable("the Node's new zone", func(s model.TableSpec) string {
		if s.Zone != "zone-2" {
			return "zone " + s.Zone
		}
		return ""
	})
}

func TestControllerZoneForbidden(t *testing.T) {
	t.Parallel()
	client := fake.NewClientset(kubetest.Class(kubetest.ClassName, false),
		&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-a", Labels: map[string]string{corev1.LabelTopologyZone: "zone-1"}}})
	forbidden := func(action k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apiForbidden("nodes")
	}
	client.PrependReactor("get", "nodes", forbidden)
	client.PrependReactor("list", "nodes", forbidden)
	pub := &recordingPublisher{}
	c, err := kube.NewController(kube.Config{Client: client, Publisher: pub, Processors: ingressOnly(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Base: model.TableSpec{Node: "node-a", Zone: "zone-from-config"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	kubetest.Eventually(t, "a table with the configured zone", func() (bool, string) {
		spec, n := pub.last()
		return n > 0 && spec.Zone == "zone-from-config", fmt.Sprintf("%d tables, zone %q", n, spec.Zone)
	})
	for _, a := range client.Actions() {
		if a.GetVerb() == "watch" && a.GetResource().Resource == "nodes" {
			t.Errorf("Nodes watched although reading them is forbidden")
		}
	}
}

func TestControllerLeaderElection(t *testing.T) {
	t.Parallel()
	h := start(t, func(c *kube.Config) {
		c.ElectionID = "firsthop-leader"
		c.ElectionNamespace = "firsthop"
		c.Identity = "replica-1"
		c.PublishAddresses = []string{"192.0.2.10"}
		c.LeaseDuration, c.RenewDeadline, c.RetryPeriod = 3*time.Second, 2*time.Second, 100*time.Millisecond
	},
		kubetest.Class(kubetest.ClassName, false),
		kubetest.Service("shop", "web"),
		kubetest.Ingress("shop", "web", "", "/", "web"),
		kubetest.Ingress("shop", "bad", "", "/x//y", "web"),
	)
	kubetest.Eventually(t, "the Lease held by this replica", func() (bool, string) {
		l, err := h.client.CoordinationV1().Leases("firsthop").Get(h.ctx, "firsthop-leader", metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		holder := ""
		if l.Spec.HolderIdentity != nil {
			holder = *l.Spec.HolderIdentity
		}
		return holder == "replica-1", "holder " + holder
	})
	kubetest.Eventually(t, "the leader's status write", func() (bool, string) {
		n := h.c.Stats().StatusUpdates
		return n == 1, fmt.Sprintf("%d status updates", n)
	})
	select {
	case ev := <-h.rec.Events:
		if !strings.Contains(ev, "InvalidPath") {
			t.Errorf("event %q", ev)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the leader recorded no Event")
	}
}

func TestNewControllerRefusesBadConfig(t *testing.T) {
	t.Parallel()
	client := fake.NewClientset()
	pub := &recordingPublisher{}
	procs := ingressOnly()
	tests := []struct {
		name    string
		cfg     kube.Config
		wantErr string
	}{
		{name: "no client", cfg: kube.Config{Publisher: pub, Processors: procs}, wantErr: "Client"},
		{name: "no publisher", cfg: kube.Config{Client: client, Processors: procs}, wantErr: "Publisher"},
		{name: "no processor", cfg: kube.Config{Client: client, Publisher: pub}, wantErr: "Processors"},
		{name: "two processors of one name", cfg: kube.Config{Client: client, Publisher: pub, Processors: append(ingressOnly(), ingressOnly()...)}, wantErr: "not unique"},
		{name: "bad publish address", cfg: kube.Config{Client: client, Publisher: pub, Processors: procs, PublishAddresses: []string{"not an address"}}, wantErr: "neither an IP address nor a DNS name"},
		{name: "publish service without namespace", cfg: kube.Config{Client: client, Publisher: pub, Processors: procs, PublishService: types.NamespacedName{Name: "lb"}}, wantErr: "no namespace"},
		{name: "bad election ID", cfg: kube.Config{Client: client, Publisher: pub, Processors: procs, ElectionID: "Not_A_Name"}, wantErr: "election ID"},
		{name: "election timing", cfg: kube.Config{Client: client, Publisher: pub, Processors: procs, ElectionID: "x", LeaseDuration: time.Second, RenewDeadline: 2 * time.Second}, wantErr: "election timing"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := kube.NewController(tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("NewController: %v, want an error containing %q", err, tc.wantErr)
			}
		})
	}
}

// apiForbidden is the error the API server returns to a caller without
// the right RBAC.
func apiForbidden(resource string) error {
	return apierrors.NewForbidden(schema.GroupResource{Resource: resource}, "", errors.New("RBAC: access denied"))
}

func TestControllerLoadsTLSSecrets(t *testing.T) {
	t.Parallel()
	crt, key := kubetest.SelfSigned(t, "shop-a", "a.example.com")
	h := start(t, nil,
		kubetest.Class(kubetest.ClassName, false),
		kubetest.Service("shop", "web"),
		kubetest.Ingress("shop", "web", "a.example.com", "/", "web", kubetest.TLS(
			networkingv1.IngressTLS{Hosts: []string{"a.example.com"}, SecretName: "a"})),
	)
	h.waitTable("a table without the Secret", func(s model.TableSpec) string {
		if len(s.Certificates) != 0 {
			return "certificates before the Secret exists"
		}
		return ""
	})
	kubetest.Eventually(t, "the SecretNotFound event", func() (bool, string) {
		select {
		case e := <-h.rec.Events:
			return strings.Contains(e, resolve.ReasonSecretNotFound), e
		default:
			return false, "no event"
		}
	})

	// An unrelated TLS Secret does not rebuild the routes.
	before := h.c.Stats().RouteBuilds
	other := kubetest.TLSSecret("shop", "unrelated", crt, key)
	if _, err := h.client.CoreV1().Secrets("shop").Create(h.ctx, other, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	kubetest.Eventually(t, "the unrelated Secret in the cache", func() (bool, string) {
		_, err := h.c.Cached("secrets", "shop", "unrelated")
		return err == nil, fmt.Sprint(err)
	})
	// The referenced one, created later, is picked up; it carries a CA
	// bundle that the cache drops.
	a := kubetest.TLSSecret("shop", "a", crt, key)
	a.Data["ca.crt"] = crt
	if _, err := h.client.CoreV1().Secrets("shop").Create(h.ctx, a, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	h.waitTable("the certificate", func(s model.TableSpec) string {
		if len(s.Certificates) != 1 || s.Certificates[0].Cert.Leaf.Subject.CommonName != "shop-a" {
			return fmt.Sprintf("%d certificates", len(s.Certificates))
		}
		return ""
	})
	if n := h.c.Stats().RouteBuilds - before; n != 1 {
		t.Errorf("%d route builds for one referenced and one unrelated Secret, want 1", n)
	}

	// Cached Secrets hold the certificate and key only.
	obj, err := h.c.Cached("secrets", "shop", "a")
	if err != nil {
		t.Fatal(err)
	}
	sec := obj.(*corev1.Secret)
	if len(sec.Data) != 2 {
		t.Errorf("cached Secret keeps keys %v, want tls.crt and tls.key only", slices.Collect(maps.Keys(sec.Data)))
	}
}
