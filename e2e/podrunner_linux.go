package e2e

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/retry"
)

// ZoneLabel is the Node label that names its zone.
const ZoneLabel = "topology.kubernetes.io/zone"

// PodRunnerSpec says where a [PodRunner] runs pods.
type PodRunnerSpec struct {
	// Nodes are the fabric hosts pods are bound to and run "on": a Node
	// object named after each is created (the EndpointSlice controller
	// skips pods whose Node does not exist). Pods bound to other nodes are
	// left alone.
	Nodes []*Host
	// Zones gives a node host's zone (the Node's [ZoneLabel]); a node not
	// in it has no zone label.
	Zones map[string]string
	// Images maps an image name to the program that runs it; nil means
	// [DefaultPodImages].
	Images map[string]PodImage
}

// PodRunner is a small kubelet (and scheduler) stand-in: it watches Pods,
// binds unscheduled ones to one of its nodes (round robin among those
// matching the pod's nodeSelector), and runs every pod bound to one of its
// nodes as processes in a namespace of its own on the fabric (role [Pod],
// so the pod's IP comes from the Pod range), then writes the pod's status
// the way a kubelet does. See e2e/README.md, "The pod runner", for what
// it supports and how it differs from a kubelet.
//
// It is stopped by a cleanup on the test that started it, which kills
// every pod's processes and deletes their namespaces.
type PodRunner struct {
	fabric  *Fabric
	cluster *Cluster
	cs      kubernetes.Interface
	t       testing.TB
	images  map[string]PodImage
	nodes   map[string]*Host
	labels  map[string]map[string]string // the Nodes' labels
	order   []string                     // node names, for round robin
	dir     string                       // per-pod files (volumes)

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	pods    map[types.UID]*runningPod
	binding map[types.UID]bool
	bound   int // round-robin counter
	seq     int // pod host names
	// logs are the containers' logs by "namespace/pod/container", for
	// the kubelet log endpoint; a pod's are replaced when a pod of that
	// name with another UID starts.
	logs map[string]*podContainerLog
}

// podContainerLog is a container's log and the pod UID it belongs to.
type podContainerLog struct {
	uid types.UID
	log *containerLog
}

// errPodDeleted is the cause a pod's context ends with when the pod got a
// deletion timestamp: stop it gracefully, then delete the object.
var errPodDeleted = errors.New("pod deleted")

// errPodGone ends a pod whose object is gone: kill it at once (as when
// the runner stops).
var errPodGone = errors.New("pod gone")

// runningPod is the runner's handle on one pod it runs.
type runningPod struct {
	cancel context.CancelCauseFunc
	done   chan struct{}
}

// StartPodRunner creates the Node objects of spec.Nodes and starts running
// the cluster's pods. The cluster needs kube-controller-manager
// ([ClusterSpec.Workloads]) for Deployments and EndpointSlices, not for
// the runner itself.
func StartPodRunner(t testing.TB, f *Fabric, c *Cluster, spec PodRunnerSpec) *PodRunner {
	t.Helper()
	images := spec.Images
	if images == nil {
		images = DefaultPodImages(t)
	}
	r := &PodRunner{
		fabric: f, cluster: c, cs: c.Clientset(t), t: t, images: images,
		nodes: map[string]*Host{}, labels: map[string]map[string]string{}, dir: t.TempDir(),
		pods: map[types.UID]*runningPod{}, binding: map[types.UID]bool{},
		logs: map[string]*podContainerLog{},
	}
	for _, n := range spec.Nodes {
		r.nodes[n.Name] = n
		r.order = append(r.order, n.Name)
		r.labels[n.Name] = nodeLabels(n, spec.Zones[n.Name])
		if err := createNode(Ctx(t), r.cs, n, r.labels[n.Name]); err != nil {
			t.Fatalf("creating Node %s: %v", n.Name, err)
		}
	}
	for _, n := range spec.Nodes {
		r.serveKubeletLogs(t, n)
	}
	r.ctx, r.cancel = context.WithCancel(context.Background())
	factory := informers.NewSharedInformerFactory(r.cs, 0)
	inf := factory.Core().V1().Pods().Informer()
	_, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { r.onPod(obj) },
		UpdateFunc: func(_, obj any) { r.onPod(obj) },
		DeleteFunc: func(obj any) { r.onDelete(obj) },
	})
	if err != nil {
		t.Fatal(err)
	}
	factory.Start(r.ctx.Done())
	// At the end: no new pod starts (onPod checks ctx under mu), every
	// pod's context (a child of ctx) ends, so its processes are killed and
	// its namespace deleted; then the informer stops.
	t.Cleanup(func() {
		r.mu.Lock()
		r.cancel()
		r.mu.Unlock()
		r.wg.Wait()
		factory.Shutdown()
	})
	if !cache.WaitForCacheSync(Ctx(t).Done(), inf.HasSynced) {
		t.Fatal("pod runner: the Pod informer did not sync")
	}
	return r
}

// containerLog returns the log of pod's container, a new one when the
// pod (by UID) is new; a restarted container appends to its log.
func (r *PodRunner) containerLog(pod *corev1.Pod, container string) *containerLog {
	key := pod.Namespace + "/" + pod.Name + "/" + container
	r.mu.Lock()
	defer r.mu.Unlock()
	if l, ok := r.logs[key]; ok && l.uid == pod.UID {
		return l.log
	}
	l := &podContainerLog{uid: pod.UID, log: newContainerLog()}
	r.logs[key] = l
	return l.log
}

// serveKubeletLogs serves the container log endpoint ([kubeletLogs]) on
// node n's IPv4 address, port [KubeletPort], over TLS with a certificate
// of its own (kube-apiserver, given no kubelet CA, does not verify it), so
// that the pods/log subresource works: kube-apiserver calls the node's
// InternalIP (--kubelet-preferred-address-types). It serves every pod
// the runner runs, whatever its node; it stops with t.
func (r *PodRunner) serveKubeletLogs(t testing.TB, n *Host) {
	t.Helper()
	ca, err := NewTestCA("e2e-kubelet-" + n.Name)
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err := ca.Issue(n.Name, []string{n.Name}, []netip.Addr{n.IPv4})
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := n.Netns.Listen("tcp", n.Addr4(KubeletPort).String())
	if err != nil {
		t.Fatalf("pod runner: kubelet log endpoint on %s: %v", n.Name, err)
	}
	srv := &http.Server{
		Handler: kubeletLogs(func(ns, pod, container string) *containerLog {
			r.mu.Lock()
			defer r.mu.Unlock()
			if l, ok := r.logs[ns+"/"+pod+"/"+container]; ok {
				return l.log
			}
			return nil
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() { _ = srv.Serve(tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}})) }()
	t.Cleanup(func() { _ = srv.Close() })
}

// nodeLabels are the labels of node host h's Node: hostname, os, and the
// zone when it has one.
func nodeLabels(h *Host, zone string) map[string]string {
	labels := map[string]string{"kubernetes.io/hostname": h.Name, "kubernetes.io/os": "linux"}
	if zone != "" {
		labels[ZoneLabel] = zone
	}
	return labels
}

// createNode creates Node h.Name with labels, h's addresses and a Ready
// condition (no heartbeats follow: node-lifecycle-controller must not
// run).
func createNode(ctx context.Context, cs kubernetes.Interface, h *Host, labels map[string]string) error {
	n, err := cs.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: h.Name, Labels: labels}}, metav1.CreateOptions{})
	if err != nil {
		return err
	}
	now := metav1.Now()
	capacity := corev1.ResourceList{
		corev1.ResourcePods:   resource.MustParse("110"),
		corev1.ResourceCPU:    resource.MustParse("2"),
		corev1.ResourceMemory: resource.MustParse("4Gi"),
	}
	n.Status = corev1.NodeStatus{
		Addresses: []corev1.NodeAddress{
			{Type: corev1.NodeInternalIP, Address: h.IPv4.String()},
			{Type: corev1.NodeInternalIP, Address: h.IPv6.String()},
			{Type: corev1.NodeHostName, Address: h.Name},
		},
		DaemonEndpoints: corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: KubeletPort}},
		Conditions: []corev1.NodeCondition{{
			Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "PodRunnerReady",
			Message: "the e2e pod runner runs this node's pods", LastHeartbeatTime: now, LastTransitionTime: now,
		}},
		Capacity: capacity, Allocatable: capacity,
	}
	_, err = cs.CoreV1().Nodes().UpdateStatus(ctx, n, metav1.UpdateOptions{})
	return err
}

// onPod handles a Pod's add or update (informer goroutine: no blocking).
func (r *PodRunner) onPod(obj any) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ctx.Err() != nil {
		return
	}
	if pod.Spec.NodeName == "" {
		if pod.DeletionTimestamp == nil && !r.binding[pod.UID] && len(r.order) > 0 {
			r.binding[pod.UID] = true
			r.wg.Go(func() { r.bind(pod) })
		}
		return
	}
	host := r.nodes[pod.Spec.NodeName]
	if host == nil {
		return
	}
	rp := r.pods[pod.UID]
	switch {
	case rp != nil && pod.DeletionTimestamp != nil:
		rp.cancel(errPodDeleted)
	case rp == nil && pod.DeletionTimestamp != nil:
		// Not running here (it never started, or it ended): just let it go.
		r.wg.Go(func() { r.finalDelete(pod) })
	case rp == nil && pod.Status.Phase != corev1.PodSucceeded && pod.Status.Phase != corev1.PodFailed:
		ctx, cancel := context.WithCancelCause(r.ctx)
		rp = &runningPod{cancel: cancel, done: make(chan struct{})}
		r.pods[pod.UID] = rp
		r.wg.Go(func() {
			defer close(rp.done)
			r.run(ctx, pod.DeepCopy(), host)
		})
	}
}

// onDelete handles a Pod's removal from the API.
func (r *PodRunner) onDelete(obj any) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.binding, pod.UID)
	if rp := r.pods[pod.UID]; rp != nil {
		rp.cancel(errPodGone)
	}
}

// bind binds pod to the next of the runner's nodes that its nodeSelector
// allows, as a scheduler would (pods/binding).
func (r *PodRunner) bind(pod *corev1.Pod) {
	r.mu.Lock()
	var fits []string
	for _, name := range r.order {
		if nodeSelectorFits(pod.Spec.NodeSelector, r.labels[name]) {
			fits = append(fits, name)
		}
	}
	var node string
	if len(fits) > 0 {
		node = fits[r.bound%len(fits)]
		r.bound++
	}
	r.mu.Unlock()
	if node == "" {
		r.logf("pod %s/%s: no node of the runner fits nodeSelector %v; left unscheduled", pod.Namespace, pod.Name, pod.Spec.NodeSelector)
		return
	}
	ctx, cancel := context.WithTimeout(r.ctx, 30*time.Second)
	defer cancel()
	err := r.cs.CoreV1().Pods(pod.Namespace).Bind(ctx, &corev1.Binding{
		ObjectMeta: metav1.ObjectMeta{Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID},
		Target:     corev1.ObjectReference{Kind: "Node", Name: node},
	}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) && r.ctx.Err() == nil {
		r.logf("pod %s/%s: binding to %s: %v", pod.Namespace, pod.Name, node, err)
	}
}

// nodeSelectorFits reports whether a Node with labels satisfies sel.
func nodeSelectorFits(sel, labels map[string]string) bool {
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// finalDelete removes a pod object whose containers are gone, as a kubelet
// does once a terminating pod has stopped: grace period 0, for this UID.
func (r *PodRunner) finalDelete(pod *corev1.Pod) {
	ctx, cancel := context.WithTimeout(r.ctx, 30*time.Second)
	defer cancel()
	zero := int64(0)
	err := r.cs.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
		GracePeriodSeconds: &zero, Preconditions: &metav1.Preconditions{UID: &pod.UID},
	})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) && r.ctx.Err() == nil {
		r.logf("pod %s/%s: final delete: %v", pod.Namespace, pod.Name, err)
	}
}

// logf logs on the runner's test while it runs.
func (r *PodRunner) logf(format string, args ...any) {
	if r.ctx.Err() == nil {
		r.t.Logf("pod runner: "+format, args...)
	}
}

// run runs pod on host until ctx ends, then tears it down: gracefully
// (preStop, SIGTERM, the grace period, then the final delete) when the
// pod was deleted, at once when it is gone or the runner stops.
func (r *PodRunner) run(ctx context.Context, pod *corev1.Pod, host *Host) {
	defer func() {
		r.mu.Lock()
		delete(r.pods, pod.UID)
		r.mu.Unlock()
	}()
	p := newPodState(r, pod, host)
	p.run(ctx)
	graceful := errors.Is(context.Cause(ctx), errPodDeleted)
	p.stop(graceful)
	if p.host != nil {
		if err := r.fabric.RemoveHost(p.host.Name); err != nil {
			r.logf("pod %s/%s: removing its namespace: %v", pod.Namespace, pod.Name, err)
		}
	}
	if graceful {
		r.finalDelete(pod)
	}
}

// podHostName names the fabric host of a pod: "p<seq>-" and as much of
// the pod's name as fits in a host name.
func (r *PodRunner) podHostName(pod *corev1.Pod) string {
	r.mu.Lock()
	r.seq++
	n := r.seq
	r.mu.Unlock()
	name := fmt.Sprintf("p%d-%s", n, strings.ToLower(pod.Name))
	name = strings.Map(func(c rune) rune {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' {
			return c
		}
		return '-'
	}, name)
	if len(name) > 31 {
		name = name[:31]
	}
	return strings.TrimRight(name, "-")
}

// podDir returns (creating it) the directory of one pod's files.
func (r *PodRunner) podDir(pod *corev1.Pod) (string, error) {
	d := filepath.Join(r.dir, string(pod.UID))
	return d, os.MkdirAll(d, 0o755)
}

// apiServerAddr is what a pod's KUBERNETES_SERVICE_HOST and _PORT say:
// the API server itself, since nothing routes the kubernetes Service's
// cluster IP (there is no kube-proxy).
func (r *PodRunner) apiServerAddr() (string, string) {
	ap, err := netip.ParseAddrPort(strings.TrimPrefix(r.cluster.URL, "https://"))
	if err != nil {
		return "", ""
	}
	return ap.Addr().String(), fmt.Sprint(ap.Port())
}

// Images returns the names of the images the runner knows, sorted.
func (r *PodRunner) Images() []string {
	names := make([]string, 0, len(r.images))
	for n := range r.images {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// updatePodStatus writes status into the pod, keeping conditions written
// by others (PodScheduled, from the binding). A pod that is gone is not
// an error.
func updatePodStatus(ctx context.Context, cs kubernetes.Interface, ns, name string, uid types.UID, status corev1.PodStatus) error {
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cur, err := cs.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if cur.UID != uid {
			return apierrors.NewNotFound(corev1.Resource("pods"), name)
		}
		for _, c := range cur.Status.Conditions {
			if !slices.ContainsFunc(status.Conditions, func(o corev1.PodCondition) bool { return o.Type == c.Type }) {
				status.Conditions = append(status.Conditions, c)
			}
		}
		// Only what a kubelet owns; the rest (qosClass, ...) stays.
		s := &cur.Status
		s.Phase, s.Conditions, s.Reason, s.Message = status.Phase, status.Conditions, status.Reason, status.Message
		s.HostIP, s.HostIPs, s.PodIP, s.PodIPs = status.HostIP, status.HostIPs, status.PodIP, status.PodIPs
		s.StartTime, s.ContainerStatuses = status.StartTime, status.ContainerStatuses
		_, err = cs.CoreV1().Pods(ns).UpdateStatus(ctx, cur, metav1.UpdateOptions{})
		return err
	})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}
