package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"
)

// suiteNamespaces are the namespaces of the suite's base manifests whose
// pods its setup waits for.
var suiteNamespaces = []string{"gateway-conformance-infra", "gateway-conformance-app-backend", "gateway-conformance-web-backend"}

// TestGatewayAPISuite checks the Gateway API conformance harness without
// a Gateway controller: the suite's binary runs inside a fabric client
// host, the release's CRDs install, every image the suite's manifests
// name is in the pod runner's table, and the suite runner runs the suite
// end to end against a class nobody serves. The conformance run itself is
// TestGatewayConformance.
func TestGatewayAPISuite(t *testing.T) {
	f := NewFabric(t)
	c := StartCluster(t, ClusterSpec{Host: f.Infra(t, "cp"), Workloads: true})
	client := f.Client(t, "client")
	node := f.Node(t, "node-a")
	StartPodRunner(t, f, c, PodRunnerSpec{Nodes: []*Host{node}})
	gw := GatewayAPIBinaries(t)

	t.Run("the suite's binary runs in a client host", func(t *testing.T) {
		p := StartGatewayAPISuite(t, client, c, "-h")
		if err := p.Wait(60 * time.Second); err != nil {
			t.Fatalf("suite -h: %v\n%s", err, p.Output())
		}
		for _, flag := range []string{"-gateway-class", "-supported-features", "-test.run", "-conformance-profiles", "-report-output", "-timeout-config-overrides"} {
			if !p.OutputContains(flag) {
				t.Errorf("suite -h does not list %s:\n%s", flag, lastLines([]byte(p.Output()), 20))
			}
		}
	})

	t.Run("every image of the suite's manifests is in the runner's table", func(t *testing.T) {
		images := DefaultPodImages(t)
		for ref, files := range suiteImageRefs(t, gw.Manifests, "base", "tests") {
			if _, ok := images[ImageName(ref)]; !ok {
				t.Errorf("image %s (in %s) is not in the pod runner's table", ref, strings.Join(files, ", "))
			}
		}
		// The mesh profiles are not run: their images are reported, not
		// required.
		for ref, files := range suiteImageRefs(t, gw.Manifests, "mesh") {
			if _, ok := images[ImageName(ref)]; !ok {
				t.Logf("not served, needed only by the MESH profiles (not run): %s (in %s)", ref, strings.Join(files, ", "))
			}
		}
	})

	InstallGatewayAPICRDs(t, c)
	a := c.NewApplier(t)
	t.Run("the CRDs serve", func(t *testing.T) {
		for _, r := range []string{"gatewayclasses", "gateways", "httproutes", "grpcroutes", "referencegrants"} {
			gvr := schema.GroupVersionResource{Group: "gateway.networking.k8s.io", Version: "v1", Resource: r}
			if _, err := a.dyn.Resource(gvr).List(Ctx(t), metav1.ListOptions{}); err != nil {
				t.Errorf("listing %s: %v", gvr, err)
			}
		}
	})

	t.Run("a class nobody serves: the suite stops at once, without a report", func(t *testing.T) {
		ApplyGatewayClass(t, c, "nobody", "e2e.firsthop.io/nobody")
		run := RunGatewayConformance(t, GatewayConformanceSpec{Client: client, Cluster: c, GatewayClass: "nobody", Timeout: 2 * time.Minute})
		run.Log(t)
		if run.Err == nil || run.Report != nil || run.ReportErr != nil {
			t.Errorf("exit %v, report %v (%v); want a failed exit and no report", run.Err, run.Report, run.ReportErr)
		}
		if !strings.Contains(run.Output, "no supported features were determined") {
			t.Errorf("the output does not say why it stopped:\n%s", lastLines([]byte(run.Output), 20))
		}
		if !slices.ContainsFunc(run.Failed, func(f FailedTest) bool { return f.Name == "TestConformance" }) {
			t.Errorf("failed tests %q, want TestConformance", run.Failed)
		}
		if len(run.Problems()) != 2 {
			t.Errorf("problems %q, want the exit and the missing report", run.Problems())
		}
	})

	t.Run("a class accepted but no Gateway programmed: the base manifests' pods serve, the setup gives up, the report is empty", func(t *testing.T) {
		// The test writes the class's Accepted condition itself, the one
		// thing the suite's setup needs from a controller before it applies
		// the base manifests; nothing ever programs their Gateways.
		ApplyGatewayClass(t, c, "accepted", "e2e.firsthop.io/stand-in")
		acceptGatewayClass(t, a, "accepted", "Gateway", "HTTPRoute", "GRPCRoute")
		var served error
		done := make(chan struct{})
		go func() {
			defer close(done)
			served = waitSuiteBackends(c, node, gw.Manifests, 75*time.Second)
		}()
		run := RunGatewayConformance(t, GatewayConformanceSpec{Client: client, Cluster: c, GatewayClass: "accepted",
			TimeoutOverrides: "NamespacesMustBeReady:80", Timeout: 5 * time.Minute})
		<-done
		run.Log(t)
		if served != nil {
			t.Errorf("the base manifests' backends: %v", served)
		}
		if run.Err == nil || run.Report == nil {
			t.Fatalf("exit %v, report %v (%v); want a failed exit and a report", run.Err, run.Report, run.ReportErr)
		}
		if !strings.Contains(run.Output, "namespaces to be ready") {
			t.Errorf("the output does not say the setup timed out:\n%s", lastLines([]byte(run.Output), 20))
		}
		im := run.Report.Implementation
		if im.Organization != "firsthop" || im.Project != "firsthop" || im.URL != conformanceURL || im.Version != FirsthopVersion(t) ||
			!slices.Equal(im.Contact, []string{conformanceContact}) || run.Report.GatewayAPIVersion != "v1.6.3" || run.Report.GatewayAPIChannel != "standard" {
			t.Errorf("report header: %+v, Gateway API %s %s", im, run.Report.GatewayAPIVersion, run.Report.GatewayAPIChannel)
		}
		problems := run.Problems()
		if len(problems) != 3 || !strings.Contains(fmt.Sprint(problems), "GATEWAY-HTTP: not in the report") {
			t.Errorf("problems %q, want the exit and both profiles missing", problems)
		}
	})
}

// ApplyGatewayClass applies GatewayClass name with spec.controllerName
// controller.
func ApplyGatewayClass(t testing.TB, c *Cluster, name, controller string) {
	t.Helper()
	gc := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "gateway.networking.k8s.io/v1", "kind": "GatewayClass",
		"metadata": map[string]any{"name": name},
		"spec":     map[string]any{"controllerName": controller},
	}}
	if _, err := c.NewApplier(t).Apply(t, gc, false); err != nil {
		t.Fatalf("GatewayClass %s: %v", name, err)
	}
}

// acceptGatewayClass writes GatewayClass name's status as its controller
// would: Accepted True for its generation, and the supported features.
func acceptGatewayClass(t testing.TB, a *Applier, name string, features ...string) {
	t.Helper()
	res := a.dyn.Resource(schema.GroupVersionResource{Group: "gateway.networking.k8s.io", Version: "v1", Resource: "gatewayclasses"})
	gc := Must[*unstructured.Unstructured](t, "GatewayClass "+name)(res.Get(Ctx(t), name, metav1.GetOptions{}))
	var fs []any
	for _, f := range features {
		fs = append(fs, map[string]any{"name": f})
	}
	gc.Object["status"] = map[string]any{
		"conditions": []any{map[string]any{
			"type": "Accepted", "status": "True", "reason": "Accepted", "message": "accepted by the e2e test itself",
			"observedGeneration": gc.GetGeneration(), "lastTransitionTime": time.Now().UTC().Format(time.RFC3339),
		}},
		"supportedFeatures": fs,
	}
	Must[*unstructured.Unstructured](t, "GatewayClass "+name+" status")(res.UpdateStatus(Ctx(t), gc, metav1.UpdateOptions{}))
}

// waitSuiteBackends waits until the suite's namespaces hold as many
// ready pods as the base manifests' Deployments ask for, then checks that
// each serves as its image should ([checkSuiteBackend]).
func waitSuiteBackends(c *Cluster, node *Host, manifests string, timeout time.Duration) error {
	objs, err := ReadManifest(manifests + "/base/manifests.yaml")
	if err != nil {
		return err
	}
	want := map[string]int64{}
	for _, o := range objs {
		if o.GetKind() != "Deployment" {
			continue
		}
		n, found, _ := unstructured.NestedInt64(o.Object, "spec", "replicas")
		if !found {
			n = 1
		}
		want[o.GetNamespace()] += n
	}
	cs, err := kubernetes.NewForConfig(c.RestConfig())
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var pods []corev1.Pod
	for {
		pods, err = readySuitePods(ctx, cs, want)
		if err == nil {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("after %v: %w", timeout, err)
		case <-time.After(250 * time.Millisecond):
		}
	}
	var errs []string
	for i := range pods {
		if err := checkSuiteBackend(ctx, node, &pods[i]); err != nil {
			errs = append(errs, fmt.Sprintf("pod %s/%s (%s): %v", pods[i].Namespace, pods[i].Name, pods[i].Spec.Containers[0].Image, err))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%d of %d pods do not serve as their image should:\n%s", len(errs), len(pods), strings.Join(errs, "\n"))
	}
	return nil
}

// readySuitePods returns the pods of the suite's namespaces when each
// namespace has want[namespace] of them, all ready and none terminating.
func readySuitePods(ctx context.Context, cs kubernetes.Interface, want map[string]int64) ([]corev1.Pod, error) {
	var out []corev1.Pod
	for _, ns := range suiteNamespaces {
		l, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, err
		}
		ready := int64(0)
		for _, p := range l.Items {
			if p.DeletionTimestamp == nil && podReady(&p) {
				ready++
			}
		}
		if ready != want[ns] || int64(len(l.Items)) != want[ns] {
			return nil, fmt.Errorf("namespace %s: %d pods, %d ready, want %d", ns, len(l.Items), ready, want[ns])
		}
		out = append(out, l.Items...)
	}
	return out, nil
}
