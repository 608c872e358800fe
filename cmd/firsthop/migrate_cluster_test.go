package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kubefake "k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// migrateClusterObjects are a cluster's ingress-nginx objects: two
// IngressClasses of ingress-nginx's controller and one of another, the
// Ingresses of each kind of class reference, the Helm chart's ConfigMap
// and a ConfigMap that is not ingress-nginx's. Ingresses are in the API
// server's order (namespace, then name).
func migrateClusterObjects() []runtime.Object {
	class := func(name, controller string) *networkingv1.IngressClass {
		return &networkingv1.IngressClass{
			TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "IngressClass"},
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec:       networkingv1.IngressClassSpec{Controller: controller},
		}
	}
	ingress := func(ns, name, class string, annotations map[string]string) *networkingv1.Ingress {
		ing := &networkingv1.Ingress{
			TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "Ingress"},
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Annotations: annotations},
		}
		if class != "" {
			ing.Spec.IngressClassName = &class
		}
		return ing
	}
	configMap := func(ns, name string, data map[string]string) *corev1.ConfigMap {
		return &corev1.ConfigMap{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
			Data:       data,
		}
	}
	return []runtime.Object{
		class("nginx", ingressNginxController),
		class("nginx-internal", ingressNginxController),
		class("traefik", "traefik.io/ingress-controller"),
		ingress("shop", "cart", "nginx-internal", map[string]string{
			"nginx.ingress.kubernetes.io/proxy-connect-timeout": "5",
		}),
		ingress("web", "admin", "", map[string]string{
			ingressClassAnnotation:                              "nginx",
			"nginx.ingress.kubernetes.io/configuration-snippet": "deny all;",
		}),
		ingress("web", "bare", "", map[string]string{"nginx.ingress.kubernetes.io/proxy-body-size": "8mb"}),
		ingress("web", "front", "nginx", map[string]string{
			"nginx.ingress.kubernetes.io/proxy-read-timeout":     "120",
			"nginx.ingress.kubernetes.io/whitelist-source-range": "10.0.0.0/8",
		}),
		ingress("web", "other", "traefik", map[string]string{"nginx.ingress.kubernetes.io/server-snippet": "x"}),
		configMap("ingress-nginx", "ingress-nginx-controller", map[string]string{
			"use-forwarded-headers": "true",
			"proxy-real-ip-cidr":    "10.0.0.0/8",
		}),
		configMap("web", "kube-root-ca.crt", map[string]string{"ca.crt": "x"}),
	}
}

// runMigrateCluster runs migrate with args (which must include
// --kubeconfig, never read) against a fake API server holding objs.
func runMigrateCluster(t *testing.T, cs *kubefake.Clientset, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	f, code, ok := parseMigrateFlags(append([]string{"--kubeconfig", "unused"}, args...), &out, &errOut)
	if !ok {
		t.Fatalf("flags %q: exit %d: %s", args, code, &errOut)
	}
	code = f.run(context.Background(), cs, &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestMigrateClusterSameAsFiles feeds the same objects to migrate as
// files (-f) and as a cluster (a fake API server): the text and JSON
// reports are the same but for the file names, and so is the exit status.
func TestMigrateClusterSameAsFiles(t *testing.T) {
	t.Parallel()
	objs := migrateClusterObjects()
	var docs []string
	for _, o := range objs {
		b, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, string(b))
	}
	path := filepath.Join(t.TempDir(), "cluster.yaml")
	if err := os.WriteFile(path, []byte(strings.Join(docs, "\n---\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, output := range []string{"text", "json"} {
		t.Run(output, func(t *testing.T) {
			t.Parallel()
			var fileOut, fileErr bytes.Buffer
			fileCode := run(context.Background(), []string{"migrate", "-o", output, "--configmap", defaultNginxConfigMap, "-f", path}, &fileOut, &fileErr)
			clusterCode, clusterOut, clusterErr := runMigrateCluster(t, kubefake.NewClientset(objs...), "-o", output)
			if fileCode != 1 || clusterCode != 1 {
				t.Errorf("exit status: files %d, cluster %d; want 1 for both (a snippet is not served)\nstderr: %s%s", fileCode, clusterCode, &fileErr, clusterErr)
			}
			if output == "text" {
				got := strings.ReplaceAll(fileOut.String(), " ("+path+")", "")
				if got != clusterOut {
					t.Errorf("reports differ\nfiles:\n%s\ncluster:\n%s", got, clusterOut)
				}
				for _, want := range []string{
					"Ingress shop/cart\n", "Ingress web/admin\n", "Ingress web/front\n",
					"  Ingress web/bare: it names no class",
					`  Ingress web/other: its class "traefik" is not "nginx" nor an IngressClass of controller k8s.io/ingress-nginx`,
					"ConfigMap ingress-nginx/ingress-nginx-controller\n",
					"trustedProxies: [10.0.0.0/8]",
					"summary: configMaps=1 difference=1 failClosed=1 info=4 ingresses=3 skipped=2 warning=1\n",
				} {
					if !strings.Contains(clusterOut, want) {
						t.Errorf("cluster report lacks %q:\n%s", want, clusterOut)
					}
				}
				if strings.Contains(clusterOut, "kube-root-ca.crt") {
					t.Errorf("a ConfigMap other than --configmap's was reported:\n%s", clusterOut)
				}
				return
			}
			var fromFiles, fromCluster migrateReport
			if err := json.Unmarshal(fileOut.Bytes(), &fromFiles); err != nil {
				t.Fatalf("files: %v\n%s", err, &fileOut)
			}
			if err := json.Unmarshal([]byte(clusterOut), &fromCluster); err != nil {
				t.Fatalf("cluster: %v\n%s", err, clusterOut)
			}
			for i := range fromFiles.Ingresses {
				fromFiles.Ingresses[i].File = ""
			}
			for i := range fromFiles.Skipped {
				fromFiles.Skipped[i].File = ""
			}
			for i := range fromFiles.ConfigMaps {
				fromFiles.ConfigMaps[i].File = ""
			}
			if !reflect.DeepEqual(fromFiles, fromCluster) {
				t.Errorf("reports differ\nfiles:   %+v\ncluster: %+v", fromFiles, fromCluster)
			}
			if len(fromCluster.Ingresses) != 3 || len(fromCluster.Skipped) != 2 || len(fromCluster.ConfigMaps) != 1 || len(fromCluster.Notes) != 0 {
				t.Errorf("cluster report %+v, want 3 Ingresses, 2 skipped, 1 ConfigMap, no note", fromCluster)
			}
		})
	}
}

// TestMigrateSelection checks which Ingresses migrate reports, as
// ingress-nginx decides which it serves.
func TestMigrateSelection(t *testing.T) {
	t.Parallel()
	classes := map[string]migrateObject{}
	for name, controller := range map[string]string{
		"nginx":    ingressNginxController,
		"internal": ingressNginxController,
		"custom":   "example.com/nginx",
		"b-custom": "example.com/nginx",
		"traefik":  "traefik.io/ingress-controller",
	} {
		var o migrateObject
		o.Kind, o.Metadata.Name, o.Spec.Controller = "IngressClass", name, controller
		classes[name] = o
	}
	ingress := func(className *string, annotation string) migrateObject {
		var o migrateObject
		o.Kind = "Ingress"
		o.Spec.IngressClassName = className
		if annotation != "" {
			o.Metadata.Annotations = map[string]string{ingressClassAnnotation: annotation}
		}
		return o
	}
	name := func(s string) *string { return &s }
	tests := []struct {
		name         string
		class        string
		withoutClass bool
		ing          migrateObject
		want         bool
		why          string
	}{
		{"class named", "nginx", false, ingress(name("nginx"), ""), true, ""},
		{"another class of the same controller", "nginx", false, ingress(name("internal"), ""), true, ""},
		{"a class of another controller", "nginx", false, ingress(name("traefik"), ""), false, `its class "traefik" is not "nginx" nor an IngressClass of controller k8s.io/ingress-nginx`},
		{"a class that does not exist", "nginx", false, ingress(name("gone"), ""), false, `its class "gone"`},
		{"empty class name", "nginx", false, ingress(name(""), ""), false, `its class ""`},
		{"the controller of --ingress-class's IngressClass", "custom", false, ingress(name("b-custom"), ""), true, ""},
		{"--ingress-class without an IngressClass: ingress-nginx's controller", "missing", false, ingress(name("internal"), ""), true, ""},
		{"spec wins over the annotation", "nginx", false, ingress(name("traefik"), "nginx"), false, `its class "traefik"`},
		{"annotation", "nginx", false, ingress(nil, "nginx"), true, ""},
		{"other annotation", "nginx", false, ingress(nil, "traefik"), false, `its kubernetes.io/ingress.class annotation "traefik" is not "nginx"`},
		{"annotation naming a class of the controller is not enough", "nginx", false, ingress(nil, "internal"), false, `annotation "internal"`},
		{"no class", "nginx", false, ingress(nil, ""), false, "--watch-ingress-without-class"},
		{"no class, watched", "nginx", true, ingress(nil, ""), true, ""},
		{"other annotation, watched without class", "nginx", true, ingress(nil, "traefik"), false, `annotation "traefik"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			why, ok := migrateSelection{class: tt.class, withoutClass: tt.withoutClass}.serves(tt.ing, classes)
			if ok != tt.want || !strings.Contains(why, tt.why) || (ok && why != "") {
				t.Errorf("serves = %v, %q; want %v, %q", ok, why, tt.want, tt.why)
			}
		})
	}
}

// TestMigrateClusterNamespace checks --namespace: only that namespace's
// Ingresses are listed and reported.
func TestMigrateClusterNamespace(t *testing.T) {
	t.Parallel()
	cs := kubefake.NewClientset(migrateClusterObjects()...)
	code, out, errOut := runMigrateCluster(t, cs, "-o", "json", "--namespace", "shop")
	var rep migrateReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("exit %d: %v\n%s%s", code, err, out, errOut)
	}
	if code != 0 || len(rep.Ingresses) != 1 || rep.Ingresses[0].Name != "cart" || len(rep.Skipped) != 0 {
		t.Errorf("exit %d, report %+v; want 0 and Ingress shop/cart alone", code, rep)
	}
	for _, a := range cs.Actions() {
		if a.GetVerb() == "list" && a.GetResource().Resource == "ingresses" && a.GetNamespace() != "shop" {
			t.Errorf("listed Ingresses in %q, want shop only", a.GetNamespace())
		}
	}
}

// TestMigrateClusterConfigMapNotFound checks that a missing ConfigMap is
// said in the report, not an error.
func TestMigrateClusterConfigMapNotFound(t *testing.T) {
	t.Parallel()
	cs := kubefake.NewClientset(migrateClusterObjects()...)
	code, out, errOut := runMigrateCluster(t, cs, "--configmap", "kube-system/nginx-config", "--namespace", "shop")
	if code != 0 {
		t.Errorf("exit %d, want 0\n%s", code, errOut)
	}
	if want := "note: ConfigMap kube-system/nginx-config not found: its client-IP keys were not read"; !strings.Contains(out, want) {
		t.Errorf("report lacks %q:\n%s", want, out)
	}
	if !strings.Contains(out, "summary: configMaps=0 ") {
		t.Errorf("report counts a ConfigMap:\n%s", out)
	}
}

// TestMigrateClusterErrors checks what migrate says when the API server
// refuses: RBAC names the permissions it needs, rejected credentials say
// so; both exit 2.
func TestMigrateClusterErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		resource string
		err      error
		args     []string
		want     []string
	}{
		{"ingresses forbidden", "ingresses", apierrors.NewForbidden(schema.GroupResource{Group: "networking.k8s.io", Resource: "ingresses"}, "", nil), nil, []string{
			"listing Ingresses in all namespaces: forbidden by RBAC: firsthop migrate needs list on ingresses.networking.k8s.io in all namespaces, list on ingressclasses.networking.k8s.io (cluster-wide), get on configmaps in namespace ingress-nginx",
		}},
		{"ingressclasses forbidden", "ingressclasses", apierrors.NewForbidden(schema.GroupResource{Group: "networking.k8s.io", Resource: "ingressclasses"}, "", nil), []string{"--namespace", "web", "--configmap", "nginx/config"}, []string{
			"listing IngressClasses: forbidden by RBAC: firsthop migrate needs list on ingresses.networking.k8s.io in namespace web, list on ingressclasses.networking.k8s.io (cluster-wide), get on configmaps in namespace nginx",
		}},
		{"configmap forbidden", "configmaps", apierrors.NewForbidden(schema.GroupResource{Resource: "configmaps"}, "ingress-nginx-controller", nil), nil, []string{
			"getting ConfigMap ingress-nginx/ingress-nginx-controller: forbidden by RBAC",
		}},
		{"credentials refused", "ingressclasses", apierrors.NewUnauthorized("token expired"), nil, []string{
			"listing IngressClasses: the API server refused the kubeconfig's credentials: token expired",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cs := kubefake.NewClientset(migrateClusterObjects()...)
			cs.PrependReactor("*", tt.resource, func(k8stesting.Action) (bool, runtime.Object, error) {
				return true, nil, tt.err
			})
			code, out, errOut := runMigrateCluster(t, cs, tt.args...)
			if code != 2 || out != "" {
				t.Errorf("exit %d, stdout %q; want 2 and nothing", code, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
		})
	}
}

// TestMigrateClusterUnreachable runs migrate with a kubeconfig whose API
// server is a closed loopback port: exit 2, saying it cannot reach it.
func TestMigrateClusterUnreachable(t *testing.T) {
	t.Parallel()
	kc := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(kc, []byte(`apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: c, context: {cluster: c, user: u}}]
current-context: c
`), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"migrate", "--kubeconfig", kc, "--timeout", "10s"}, &stdout, &stderr)
	if code != 2 || !strings.Contains(stderr.String(), "listing IngressClasses: cannot reach the API server") {
		t.Errorf("exit %d, stderr %q; want 2 and cannot reach the API server", code, &stderr)
	}
}

// TestMigrateFlags checks the flag errors: exit 2 with the reason.
func TestMigrateFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string
	}{
		{nil, "give the files with -f, or the cluster with --kubeconfig FILE"},
		{[]string{"-f", "a.yaml", "--kubeconfig", "k"}, "give -f or --kubeconfig, not both"},
		{[]string{"--kubeconfig", "k", "--configmap", "nginx"}, `--configmap: want NAMESPACE/NAME, got "nginx"`},
		{[]string{"--kubeconfig", "k", "--configmap", "a/b/c"}, `--configmap: want NAMESPACE/NAME, got "a/b/c"`},
		{[]string{"--kubeconfig", "k", "--timeout", "0s"}, "--timeout: want a positive duration"},
		{[]string{"--kubeconfig", filepath.Join(t.TempDir(), "missing")}, "--kubeconfig:"},
		{[]string{"--kubeconfig", "k", "extra"}, `unexpected arguments ["extra"]`},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), append([]string{"migrate"}, tt.args...), &stdout, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("migrate %q: exit %d, stderr %q; want 2 and %q", tt.args, code, &stderr, tt.want)
		}
	}
}
