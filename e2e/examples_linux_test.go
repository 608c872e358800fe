package e2e

import (
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// kubeExamples is where the Kubernetes manifests live, relative to this
// package.
const kubeExamples = "../examples/kubernetes"

// TestExamplesKubernetes checks the manifests of examples/kubernetes
// against a real API server, then runs the controller the way they
// describe it: with their RBAC (a token of their ServiceAccount), their
// ConfigMap's config file and their DaemonSet's arguments, serving their
// sample app.
func TestExamplesKubernetes(t *testing.T) {
	f := NewFabric(t)
	c := StartCluster(t, ClusterSpec{Host: f.Infra(t, "cp")})
	a := c.NewApplier(t)
	paths, err := filepath.Glob(filepath.Join(kubeExamples, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"base.yaml", "daemonset.yaml", "deployment.yaml", "app.yaml"} {
		if !slices.Contains(paths, filepath.Join(kubeExamples, want)) {
			t.Fatalf("%s not found in %s (found %v)", want, kubeExamples, paths)
		}
	}
	manifests := map[string][]*unstructured.Unstructured{}
	for _, p := range paths {
		objs, err := ReadManifest(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(objs) == 0 {
			t.Fatalf("%s holds no object", p)
		}
		manifests[filepath.Base(p)] = objs
	}

	t.Run("every object passes server-side dry-run apply with strict field validation", func(t *testing.T) {
		// Namespaces are created for real: a dry-run of a namespaced
		// object needs its namespace to exist.
		for _, objs := range manifests {
			for _, obj := range objs {
				if obj.GetKind() == "Namespace" {
					if _, err := a.Apply(t, obj, false); err != nil {
						t.Fatalf("%s: %v", describeObject(obj), err)
					}
				}
			}
		}
		n := 0
		for file, objs := range manifests {
			for _, obj := range objs {
				if _, err := a.Apply(t, obj, true); err != nil {
					t.Errorf("%s: %s: %v", file, describeObject(obj), err)
				}
				n++
			}
		}
		t.Logf("%d objects from %d files accepted", n, len(manifests))
	})

	t.Run("the controller runs with the manifests' RBAC, config and arguments", func(t *testing.T) {
		for _, file := range []string{"base.yaml", "app.yaml"} {
			for _, obj := range manifests[file] {
				if _, err := a.Apply(t, obj, false); err != nil {
					t.Fatalf("%s: %s: %v", file, describeObject(obj), err)
				}
			}
		}
		cs := c.Clientset(t)
		node, pod, client := f.Node(t, "node-a"), f.Pod(t, "pod-a"), f.Client(t, "client")
		pod.Echo(t, echoPort)
		// No kube-controller-manager runs: the test is the endpoint
		// controller for the sample app and the cloud load balancer for
		// the firsthop Service.
		Must[any](t, "creating the app's EndpointSlice")(cs.DiscoveryV1().EndpointSlices("demo").Create(Ctx(t),
			EndpointSliceObject("demo", "echo-1", "echo", PodEndpoint{Addr: pod.IPv4, Node: node.Name}), metav1.CreateOptions{}))
		svc := Must[*corev1.Service](t, "getting Service firsthop/firsthop")(cs.CoreV1().Services("firsthop").Get(Ctx(t), "firsthop", metav1.GetOptions{}))
		svc.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: kubeLBIP}}
		Must[any](t, "setting the load balancer's address")(cs.CoreV1().Services("firsthop").UpdateStatus(Ctx(t), svc, metav1.UpdateOptions{}))

		configText := configMapFile(t, manifests["base.yaml"], "firsthop", "firsthop.yaml")
		args := containerArgs(t, manifests["daemonset.yaml"], "DaemonSet", "firsthop")
		configPath := writeConfig(t, configText, "validate", "--ingress", "--config")
		for i, a := range args {
			if strings.HasPrefix(a, "--config=") {
				args[i] = "--config=" + configPath
			}
		}
		if args[0] != "ingress" {
			t.Fatalf("DaemonSet args %q do not start with the ingress command", args)
		}
		// The test's own additions: the API server (no in-cluster
		// config here) as the ServiceAccount, and no drain delay so that
		// the cleanup is quick. Later flags win.
		args = append(args[1:], "--kubeconfig", c.ServiceAccountKubeconfig(t, "firsthop", "firsthop"), "--drain-delay=0")
		fh := node.startFirsthop(t, "firsthop-ingress", append([]string{"ingress"}, args...),
			[]string{"NODE_NAME=" + node.Name, "POD_NAMESPACE=firsthop", "POD_IPS=" + node.IPv4.String() + "," + node.IPv6.String()}, DefaultAdmin, configPath)

		hc := client.HTTPClient(5 * time.Second)
		r := waitFor(t, hc, "echo.example.com", "http://"+node.Addr4(8080).String()+"/", "echo.example.com", servedBy(pod))
		r.echo.WantHeader(t, "X-Real-IP", client.IPv4.String())
		// The manifests' publicPort: the Service's port, not the pod's.
		r.echo.WantHeader(t, "X-Forwarded-Port", "80")
		Eventually(t, 60*time.Second, "status of demo/echo from the published Service", func() error {
			ing := Must[*networkingv1.Ingress](t, "getting the Ingress")(cs.NetworkingV1().Ingresses("demo").Get(Ctx(t), "echo", metav1.GetOptions{}))
			if lb := ing.Status.LoadBalancer.Ingress; len(lb) != 1 || lb[0].IP != kubeLBIP {
				return fmt.Errorf("status %+v", lb)
			}
			return nil
		})
		if resp, err := hc.Get("http://" + node.Addr4(8443).String() + "/"); err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("plain HTTP to the TLS listener: %d", resp.StatusCode)
			}
		}
		for _, bad := range []string{"forbidden", "Forbidden"} {
			if fh.OutputContains(bad) {
				t.Errorf("the controller was refused something with the manifests' RBAC:\n%s", fh.Output())
				break
			}
		}
	})
}

// configMapFile returns key of ConfigMap name in objs.
func configMapFile(t testing.TB, objs []*unstructured.Unstructured, name, key string) string {
	t.Helper()
	for _, o := range objs {
		if o.GetKind() == "ConfigMap" && o.GetName() == name {
			v, ok, err := unstructured.NestedString(o.Object, "data", key)
			if err != nil || !ok {
				t.Fatalf("ConfigMap %s has no data.%s (%v)", name, key, err)
			}
			return v
		}
	}
	t.Fatalf("no ConfigMap %s", name)
	return ""
}

// containerArgs returns the args of the first container of the workload
// kind/name in objs.
func containerArgs(t testing.TB, objs []*unstructured.Unstructured, kind, name string) []string {
	t.Helper()
	for _, o := range objs {
		if o.GetKind() != kind || o.GetName() != name {
			continue
		}
		cs, _, err := unstructured.NestedSlice(o.Object, "spec", "template", "spec", "containers")
		if err != nil || len(cs) == 0 {
			t.Fatalf("%s %s: no containers (%v)", kind, name, err)
		}
		args, _, err := unstructured.NestedStringSlice(cs[0].(map[string]any), "args")
		if err != nil {
			t.Fatal(err)
		}
		return args
	}
	t.Fatalf("no %s %s", kind, name)
	return nil
}
