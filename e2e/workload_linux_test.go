package e2e

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
)

// echoBasicImage is the image the Gateway API suite's manifests name.
const echoBasicImage = "registry.k8s.io/gateway-api/echo-basic:v1.5.1"

// workloads is the topology of the workload scenarios: a cluster with
// kube-controller-manager, the pod runner with two nodes in two zones, and
// firsthop on each node.
//
//	client ─> node-a:8081 firsthop ingress (--default-locality Cluster) ─> every pod
//	client ─> node-b:8081 firsthop ingress (PreferLocal, the default)   ─> node-b's pods
//	cp: etcd, kube-apiserver, kube-controller-manager; pods in fh..-pN-<pod name>
type workloads struct {
	fabric       *Fabric
	cluster      *Cluster
	cs           kubernetes.Interface
	runner       *PodRunner
	client       *Host
	nodeA, nodeB *Host
}

func newWorkloads(t *testing.T) *workloads {
	t.Helper()
	f := NewFabric(t)
	w := &workloads{fabric: f}
	w.cluster = StartCluster(t, ClusterSpec{Host: f.Infra(t, "cp"), Workloads: true})
	w.cs = w.cluster.Clientset(t)
	w.client = f.Client(t, "client")
	w.nodeA, w.nodeB = f.Node(t, "node-a"), f.Node(t, "node-b")
	w.runner = StartPodRunner(t, f, w.cluster, PodRunnerSpec{
		Nodes: []*Host{w.nodeA, w.nodeB},
		Zones: map[string]string{"node-a": "zone-a", "node-b": "zone-b"},
	})
	CreateNamespace(t, w.cs, kubeNS)
	// The ServiceAccount admission plugin refuses pods until the
	// serviceaccount controller has made the namespace's default one.
	Eventually(t, 30*time.Second, "ServiceAccount "+kubeNS+"/default", func() error {
		_, err := w.cs.CoreV1().ServiceAccounts(kubeNS).Get(context.Background(), "default", metav1.GetOptions{})
		return err
	})
	return w
}

// echoDeployment is a Deployment of echo-basic as the Gateway API suite
// writes it (POD_NAME and NAMESPACE from the downward API), rolled one
// pod at a time with none unavailable, each pod waiting a second in
// preStop so that proxies drop it before it stops.
func echoDeployment(name string, replicas int32) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	one, zero := intstr.FromInt32(1), intstr.FromInt32(0)
	grace := int64(10)
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: kubeNS, Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: &one, MaxUnavailable: &zero}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					TerminationGracePeriodSeconds: &grace,
					Containers: []corev1.Container{{
						Name:  "echo",
						Image: echoBasicImage,
						Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 3000}},
						Env: []corev1.EnvVar{
							{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
							{Name: "NAMESPACE", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.namespace"}}},
						},
						ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{
							HTTPGet: &corev1.HTTPGetAction{Path: "/", Port: intstr.FromString("http")}}},
						Lifecycle: &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: 1}}},
					}},
				},
			},
		},
	}
}

// selectorService is Service ns/name selecting app=name, port "http" 80 to
// the pods' port "http".
func selectorService(ns, name string) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: corev1.ServiceSpec{
			Selector: map[string]string{"app": name},
			Ports:    []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http"), Protocol: corev1.ProtocolTCP}},
		},
	}
}

// readyPods returns the names of the ready, not terminating pods with
// app=app, by node.
func readyPods(t testing.TB, cs kubernetes.Interface, app string) map[string]string {
	t.Helper()
	pods := Must[*corev1.PodList](t, "listing pods")(cs.CoreV1().Pods(kubeNS).List(Ctx(t), metav1.ListOptions{LabelSelector: "app=" + app}))
	out := map[string]string{}
	for _, p := range pods.Items {
		if p.DeletionTimestamp == nil && podReady(&p) {
			out[p.Name] = p.Spec.NodeName
		}
	}
	return out
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// waitAvailable waits until the Deployment has rolled out: observed,
// replicas pods all updated and available, no other pod left.
func waitAvailable(t testing.TB, cs kubernetes.Interface, name string, replicas int32) {
	t.Helper()
	Eventually(t, 120*time.Second, fmt.Sprintf("Deployment %s rolled out with %d available", name, replicas), func() error {
		d, err := cs.AppsV1().Deployments(kubeNS).Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		s := d.Status
		if s.ObservedGeneration < d.Generation || s.Replicas != replicas || s.UpdatedReplicas != replicas || s.AvailableReplicas != replicas {
			return fmt.Errorf("generation %d observed %d, replicas %d updated %d available %d",
				d.Generation, s.ObservedGeneration, s.Replicas, s.UpdatedReplicas, s.AvailableReplicas)
		}
		pods, err := cs.CoreV1().Pods(kubeNS).List(context.Background(), metav1.ListOptions{LabelSelector: "app=" + name})
		if err != nil {
			return err
		}
		if len(pods.Items) != int(replicas) {
			return fmt.Errorf("%d pods, want %d", len(pods.Items), replicas)
		}
		return nil
	})
}

// servedExactly polls GETs through url until the echo answers name
// exactly the pods in want, each at least once, in 30 requests per pod.
func servedExactly(t testing.TB, c *http.Client, url string, want []string) {
	t.Helper()
	slices.Sort(want)
	Eventually(t, 60*time.Second, fmt.Sprintf("answers from exactly %v", want), func() error {
		seen := map[string]int{}
		for range 30 * len(want) {
			r, err := get(c, url, "app.example.com")
			if err != nil {
				return err
			}
			if r.status != http.StatusOK {
				return fmt.Errorf("status %d: %.200s", r.status, r.body)
			}
			seen[r.echo.Pod]++
		}
		if got := slices.Sorted(maps.Keys(seen)); !slices.Equal(got, want) {
			return fmt.Errorf("answers from %v", seen)
		}
		return nil
	})
}

// scale sets the Deployment's replicas.
func scale(t testing.TB, cs kubernetes.Interface, name string, replicas int32) {
	t.Helper()
	patch := fmt.Appendf(nil, `{"spec":{"replicas":%d}}`, replicas)
	Must[any](t, "scaling "+name)(cs.AppsV1().Deployments(kubeNS).Patch(Ctx(t), name, types.MergePatchType, patch, metav1.PatchOptions{}))
}

// TestWorkloadDeployment runs echo-basic as a Deployment behind a Service
// and an Ingress: kube-controller-manager makes the ReplicaSet, the pods
// and the EndpointSlices, the pod runner runs the pods, and firsthop
// reaches each pod (its name is in the answer) as the Deployment scales
// and rolls.
func TestWorkloadDeployment(t *testing.T) {
	w := newWorkloads(t)
	const app = "echo"
	Must[any](t, "creating the IngressClass")(w.cs.NetworkingV1().IngressClasses().Create(Ctx(t), IngressClassObject(kubeClass, false), metav1.CreateOptions{}))
	Must[any](t, "creating the Service")(w.cs.CoreV1().Services(kubeNS).Create(Ctx(t), selectorService(kubeNS, app), metav1.CreateOptions{}))
	Must[any](t, "creating the Ingress")(w.cs.NetworkingV1().Ingresses(kubeNS).Create(Ctx(t), IngressObject(kubeNS, "app", kubeClass,
		IngressRoute{Host: "app.example.com", Path: "/", Service: app}), metav1.CreateOptions{}))
	Must[any](t, "creating the Deployment")(w.cs.AppsV1().Deployments(kubeNS).Create(Ctx(t), echoDeployment(app, 3), metav1.CreateOptions{}))
	cfg := fmt.Sprintf("admin:\n  address: %s\nlisteners:\n  - name: direct\n    address: \"0.0.0.0:%d\"\n", DefaultAdmin, l7Port)
	w.nodeA.FirsthopIngress(t, w.cluster, IngressSpec{Config: cfg, Args: []string{"--election-id", "", "--default-locality", "Cluster"}})
	w.nodeB.FirsthopIngress(t, w.cluster, IngressSpec{Config: cfg, Args: []string{"--election-id", ""}})
	viaA := "http://" + w.nodeA.Addr4(l7Port).String() + "/"
	viaB := "http://" + w.nodeB.Addr4(l7Port).String() + "/"
	client := func() *http.Client { return w.client.HTTPClient(5 * time.Second) }

	for _, n := range []int32{3, 5, 1} {
		t.Run(fmt.Sprintf("%d replicas: each pod reached by name", n), func(t *testing.T) {
			scale(t, w.cs, app, n)
			waitAvailable(t, w.cs, app, n)
			pods := readyPods(t, w.cs, app)
			servedExactly(t, client(), viaA, slices.Collect(maps.Keys(pods)))
			var onB []string
			for p, node := range pods {
				if node == "node-b" {
					onB = append(onB, p)
				}
			}
			if len(onB) > 0 {
				// PreferLocal on node-b: only node-b's pods.
				servedExactly(t, client(), viaB, onB)
			}
		})
	}

	t.Run("EndpointSlices are the controller's, with nodes and zones", func(t *testing.T) {
		slices := Must[*discoveryv1.EndpointSliceList](t, "listing EndpointSlices")(w.cs.DiscoveryV1().EndpointSlices(kubeNS).List(Ctx(t),
			metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=" + app}))
		if len(slices.Items) == 0 {
			t.Fatal("no EndpointSlice")
		}
		zones := map[string]string{"node-a": "zone-a", "node-b": "zone-b"}
		endpoints := 0
		for _, s := range slices.Items {
			endpoints += len(s.Endpoints)
			if m := s.Labels[discoveryv1.LabelManagedBy]; m != "endpointslice-controller.k8s.io" {
				t.Errorf("EndpointSlice %s managed by %q", s.Name, m)
			}
			for _, e := range s.Endpoints {
				if e.NodeName == nil || e.Zone == nil || *e.Zone != zones[*e.NodeName] {
					t.Errorf("EndpointSlice %s endpoint %v: node %v zone %v, want the Node's zone label", s.Name, e.Addresses, e.NodeName, e.Zone)
				}
			}
		}
		if endpoints == 0 {
			t.Error("no endpoint in the Service's EndpointSlices")
		}
		// One per ready pod, once the controller has caught up with the
		// pods that the scale-down removed.
		want := len(readyPods(t, w.cs, app))
		Eventually(t, 30*time.Second, fmt.Sprintf("%d endpoints", want), func() error {
			list, err := w.cs.DiscoveryV1().EndpointSlices(kubeNS).List(context.Background(), metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=" + app})
			if err != nil {
				return err
			}
			n := 0
			for _, s := range list.Items {
				n += len(s.Endpoints)
			}
			if n != want {
				return fmt.Errorf("%d endpoints in the Service's EndpointSlices, want one per ready pod", n)
			}
			return nil
		})
	})

	t.Run("a rolling update under load fails no request", func(t *testing.T) {
		scale(t, w.cs, app, 3)
		waitAvailable(t, w.cs, app, 3)
		old := readyPods(t, w.cs, app)
		servedExactly(t, client(), viaA, slices.Collect(maps.Keys(old)))
		load := StartLoad(LoadSpec{Client: client, URL: viaA, Host: "app.example.com", Workers: 4})
		waitLoad(t, load, 100)
		patch := []byte(`{"spec":{"template":{"metadata":{"annotations":{"e2e/rollout":"2"}}}}}`)
		Must[any](t, "rolling the Deployment")(w.cs.AppsV1().Deployments(kubeNS).Patch(Ctx(t), app, types.StrategicMergePatchType, patch, metav1.PatchOptions{}))
		Eventually(t, 30*time.Second, "the rollout started", func() error {
			d, err := w.cs.AppsV1().Deployments(kubeNS).Get(context.Background(), app, metav1.GetOptions{})
			if err != nil || d.Status.ObservedGeneration < d.Generation {
				return fmt.Errorf("not observed yet: %v", err)
			}
			return nil
		})
		waitAvailable(t, w.cs, app, 3)
		fresh := readyPods(t, w.cs, app)
		// The new pods take traffic before the load stops.
		Eventually(t, 30*time.Second, "traffic on the new pods", func() error {
			by := load.Snapshot().ByPod
			for p := range fresh {
				if by[p] == 0 {
					return fmt.Errorf("no answer from new pod %s yet (%v)", p, by)
				}
			}
			return nil
		})
		res := load.Stop()
		t.Logf("rolling update of 3 pods under load: %d requests, %d failed; by pod %v", res.Total, res.Failed, res.ByPod)
		if res.Failed != 0 {
			t.Errorf("%d failed requests, want 0: %q", res.Failed, res.Failures)
		}
		for p := range old {
			if _, still := fresh[p]; still {
				t.Errorf("pod %s survived the rollout", p)
			}
		}
	})
}

// TestPodRunnerFailures checks that the pod runner reports what it cannot
// do instead of pretending: an unknown image leaves the pod Pending with
// the reason in its status; a program that exits is reported and
// restarted as restartPolicy says; a pod whose Secret is missing stays
// Pending until the Secret exists, then runs with its values. It also runs
// the firsthop image and deletes a pod.
func TestPodRunnerFailures(t *testing.T) {
	w := newWorkloads(t)
	pods := w.cs.CoreV1().Pods(kubeNS)
	pod := func(name string, c corev1.Container, policy corev1.RestartPolicy) *corev1.Pod {
		return &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Namespace: kubeNS, Name: name},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{c}, RestartPolicy: policy},
		}
	}
	getPod := func(name string) *corev1.Pod {
		return Must[*corev1.Pod](t, "getting pod "+name)(pods.Get(Ctx(t), name, metav1.GetOptions{}))
	}
	waiting := func(p *corev1.Pod) *corev1.ContainerStateWaiting {
		if len(p.Status.ContainerStatuses) == 0 {
			return nil
		}
		return p.Status.ContainerStatuses[0].State.Waiting
	}

	t.Run("unknown image: Pending, with the reason", func(t *testing.T) {
		Must[any](t, "creating the pod")(pods.Create(Ctx(t), pod("unknown", corev1.Container{Name: "c", Image: "example.com/nothing-here:1"}, ""), metav1.CreateOptions{}))
		Eventually(t, 30*time.Second, "ErrImagePull in the pod's status", func() error {
			p := getPod("unknown")
			if w := waiting(p); p.Status.Phase != corev1.PodPending || w == nil || w.Reason != "ErrImagePull" ||
				!strings.Contains(w.Message, `"nothing-here"`) || !strings.Contains(p.Status.Message, "echo-basic") {
				return fmt.Errorf("phase %q, status %+v", p.Status.Phase, p.Status)
			}
			return nil
		})
		if podReady(getPod("unknown")) {
			t.Error("a pod of an unknown image is Ready")
		}
	})

	// echo-basic exits at once when its TLS files cannot be read.
	exiting := corev1.Container{Name: "c", Image: echoBasicImage, Env: []corev1.EnvVar{
		{Name: "TLS_SERVER_CERT", Value: "/nonexistent/tls.crt"}, {Name: "TLS_SERVER_PRIVKEY", Value: "/nonexistent/tls.key"},
	}}
	t.Run("a program that exits: Failed with its exit code under Never", func(t *testing.T) {
		Must[any](t, "creating the pod")(pods.Create(Ctx(t), pod("exits-never", exiting, corev1.RestartPolicyNever), metav1.CreateOptions{}))
		Eventually(t, 30*time.Second, "phase Failed with a terminated container", func() error {
			p := getPod("exits-never")
			if p.Status.Phase != corev1.PodFailed || len(p.Status.ContainerStatuses) == 0 {
				return fmt.Errorf("phase %q, status %+v", p.Status.Phase, p.Status.ContainerStatuses)
			}
			term := p.Status.ContainerStatuses[0].State.Terminated
			if term == nil || term.ExitCode == 0 || p.Status.ContainerStatuses[0].RestartCount != 0 {
				return fmt.Errorf("container status %+v", p.Status.ContainerStatuses[0])
			}
			return nil
		})
	})
	t.Run("a container's output is the pod's log, filtered by sinceTime", func(t *testing.T) {
		// The exits-never pod (above) printed why it could not start.
		logs := func(opts *corev1.PodLogOptions) (string, error) {
			b, err := pods.GetLogs("exits-never", opts).DoRaw(Ctx(t))
			return string(b), err
		}
		Eventually(t, 30*time.Second, "the pod's log names the missing file", func() error {
			out, err := logs(&corev1.PodLogOptions{Container: "c"})
			if err != nil || !strings.Contains(out, "/nonexistent/tls.crt") {
				return fmt.Errorf("log %q, %v", out, err)
			}
			return nil
		})
		future := metav1.NewTime(time.Now().Add(time.Hour))
		if out, err := logs(&corev1.PodLogOptions{Container: "c", SinceTime: &future}); err != nil || out != "" {
			t.Errorf("log since an hour from now = %q, %v; want empty", out, err)
		}
	})
	t.Run("a program that exits: restarted under Always", func(t *testing.T) {
		Must[any](t, "creating the pod")(pods.Create(Ctx(t), pod("exits-always", exiting, corev1.RestartPolicyAlways), metav1.CreateOptions{}))
		Eventually(t, 60*time.Second, "two restarts, the last termination kept", func() error {
			p := getPod("exits-always")
			if len(p.Status.ContainerStatuses) == 0 {
				return fmt.Errorf("no container status")
			}
			cs := p.Status.ContainerStatuses[0]
			if cs.RestartCount < 2 || cs.LastTerminationState.Terminated == nil || cs.LastTerminationState.Terminated.ExitCode == 0 || cs.Ready {
				return fmt.Errorf("container status %+v", cs)
			}
			return nil
		})
	})

	t.Run("a missing Secret: Pending until it exists", func(t *testing.T) {
		c := corev1.Container{Name: "c", Image: echoBasicImage, Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 3000}}, Env: []corev1.EnvVar{
			{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: "later"}, Key: "name"}}},
		}}
		Must[any](t, "creating the pod")(pods.Create(Ctx(t), pod("needs-secret", c, ""), metav1.CreateOptions{}))
		Eventually(t, 30*time.Second, "CreateContainerConfigError naming the Secret", func() error {
			p := getPod("needs-secret")
			if w := waiting(p); p.Status.Phase != corev1.PodPending || w == nil || w.Reason != "CreateContainerConfigError" || !strings.Contains(w.Message, `secret "later" not found`) {
				return fmt.Errorf("phase %q, status %+v", p.Status.Phase, p.Status.ContainerStatuses)
			}
			return nil
		})
		Must[any](t, "creating the Secret")(w.cs.CoreV1().Secrets(kubeNS).Create(Ctx(t), &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: kubeNS, Name: "later"},
			StringData: map[string]string{"name": "from-the-secret"},
		}, metav1.CreateOptions{}))
		var ip string
		Eventually(t, 30*time.Second, "Running and Ready", func() error {
			p := getPod("needs-secret")
			if p.Status.Phase != corev1.PodRunning || !podReady(p) || p.Status.PodIP == "" {
				return fmt.Errorf("phase %q, status %+v", p.Status.Phase, p.Status.ContainerStatuses)
			}
			ip = p.Status.PodIP
			return nil
		})
		r, err := get(w.nodeA.HTTPClient(5*time.Second), "http://"+ip+":3000/", "")
		if err != nil {
			t.Fatal(err)
		}
		if r.echo.Pod != "from-the-secret" {
			t.Errorf("echo-basic's pod name %q, want the Secret's value: %s", r.echo.Pod, r.body)
		}
	})

	t.Run("the firsthop image runs firsthop, at the pod's address", func(t *testing.T) {
		c := corev1.Container{Name: "c", Image: "ghcr.io/firsthop/firsthop:0.1.0", Args: []string{"echo", "--listen", ":8080"},
			Ports: []corev1.ContainerPort{{ContainerPort: 8080}}}
		Must[any](t, "creating the pod")(pods.Create(Ctx(t), pod("firsthop-echo", c, ""), metav1.CreateOptions{}))
		var ip string
		Eventually(t, 30*time.Second, "Running and Ready", func() error {
			p := getPod("firsthop-echo")
			if p.Status.Phase != corev1.PodRunning || !podReady(p) {
				return fmt.Errorf("phase %q, status %+v", p.Status.Phase, p.Status.ContainerStatuses)
			}
			ip = p.Status.PodIP
			return nil
		})
		r, err := get(w.client.HTTPClient(5*time.Second), "http://"+ip+":8080/", "")
		if err != nil {
			t.Fatal(err)
		}
		if want := ip + ":8080"; r.echo.LocalAddr != want {
			t.Errorf("firsthop echo answered on %q, want the pod's address %s", r.echo.LocalAddr, want)
		}
	})

	t.Run("deleting a pod removes its process and namespace", func(t *testing.T) {
		p := getPod("needs-secret")
		host := ""
		for _, h := range w.fabric.hostNames() {
			if strings.HasSuffix(h, "-needs-secret") {
				host = h
			}
		}
		if host == "" {
			t.Fatalf("no fabric host for pod needs-secret among %v", w.fabric.hostNames())
		}
		ns := w.fabric.ID + "-" + host
		Must[any](t, "deleting the pod")(nil, pods.Delete(Ctx(t), p.Name, metav1.DeleteOptions{}))
		Eventually(t, 30*time.Second, "pod object gone and its namespace deleted", func() error {
			if _, err := pods.Get(context.Background(), p.Name, metav1.GetOptions{}); err == nil {
				return fmt.Errorf("pod still there")
			}
			if netnsExists(ns) {
				return fmt.Errorf("netns %s still there", ns)
			}
			return nil
		})
	})
}
