package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/firsthop/firsthop/kube/ingress/nginx"
)

// runMigrate runs the built `firsthop migrate` with args and returns its
// exit status, standard output and standard error.
func runMigrate(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	cmd := exec.CommandContext(ctx, FirsthopBinary(t), append([]string{"migrate"}, args...)...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.ExitCode()
	default:
		t.Fatalf("running firsthop migrate: %v", err)
	}
	return code, out.String(), errOut.String()
}

// TestMigrateCluster runs `firsthop migrate --kubeconfig` against a real
// API server holding ingress-nginx's IngressClass, two of its Ingresses
// with nginx annotations (one with a snippet, which is not served), an
// Ingress of another class and the Helm chart's ConfigMap trusting every
// address: the text report gives each annotation's verdict and the
// client-IP configuration with its WARNING, exits 1, and -o json parses.
// A ServiceAccount without permissions is told which ones migrate needs;
// given exactly those, it gets the same report.
func TestMigrateCluster(t *testing.T) {
	t.Parallel()
	FirsthopBinary(t) // build it before the control plane's clock starts
	c := StartCluster(t, ClusterSpec{})
	cs := c.Clientset(t)
	for _, ns := range []string{"web", "ingress-nginx"} {
		CreateNamespace(t, cs, ns)
	}
	Must[any](t, "creating IngressClass nginx")(cs.NetworkingV1().IngressClasses().Create(Ctx(t), &networkingv1.IngressClass{
		ObjectMeta: metav1.ObjectMeta{Name: "nginx"},
		Spec:       networkingv1.IngressClassSpec{Controller: "k8s.io/ingress-nginx"},
	}, metav1.CreateOptions{}))
	for _, ing := range []struct {
		name, class string
		annotations map[string]string
	}{
		{"front", "nginx", map[string]string{"proxy-read-timeout": "120", "whitelist-source-range": "10.0.0.0/8"}},
		{"admin", "nginx", map[string]string{"configuration-snippet": "deny all;", "proxy-connect-timeout": "5"}},
		{"other", "traefik", map[string]string{"server-snippet": "return 403;"}},
	} {
		obj := IngressObject("web", ing.name, ing.class, IngressRoute{Host: ing.name + ".example.com", Path: "/", Service: "web"})
		obj.Annotations = map[string]string{}
		for k, v := range ing.annotations {
			obj.Annotations[nginx.Prefix+k] = v
		}
		Must[any](t, "creating Ingress "+ing.name)(cs.NetworkingV1().Ingresses("web").Create(Ctx(t), obj, metav1.CreateOptions{}))
	}
	Must[any](t, "creating the ConfigMap")(cs.CoreV1().ConfigMaps("ingress-nginx").Create(Ctx(t), &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ingress-nginx", Name: "ingress-nginx-controller"},
		Data:       map[string]string{"use-forwarded-headers": "true"},
	}, metav1.CreateOptions{}))

	code, text, stderr := runMigrate(t, "--kubeconfig", c.Kubeconfig)
	if code != 1 {
		t.Errorf("exit status %d, want 1 (a snippet is not served)\nstderr: %s", code, stderr)
	}
	for _, want := range []string{
		"Ingress web/admin\n",
		"  NOT SERVED  configuration-snippet: not served: raw nginx configuration",
		"  served      proxy-connect-timeout: seconds",
		"  => FAILS CLOSED",
		"Ingress web/front\n",
		"  differs     proxy-read-timeout: seconds",
		`  Ingress web/other: its class "traefik" is not "nginx"`,
		"ConfigMap ingress-nginx/ingress-nginx-controller\n",
		"  NOT SERVED  proxy-real-ip-cidr: WARNING: ingress-nginx believed X-Forwarded-For from every address",
		"    trustedProxies: []",
		"summary: configMaps=1 ",
		" ingresses=2 skipped=1 ",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "server-snippet") {
		t.Errorf("the Ingress of another class was reported:\n%s", text)
	}

	t.Run("json", func(t *testing.T) {
		code, out, stderr := runMigrate(t, "--kubeconfig", c.Kubeconfig, "-o", "json")
		var rep struct {
			Ingresses []struct {
				Namespace, Name string
				FailClosed      bool
			}
			Skipped    []struct{ Name, Reason string }
			ConfigMaps []struct{ Name, Config string }
		}
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("exit %d: -o json does not parse: %v\n%s\nstderr: %s", code, err, out, stderr)
		}
		if code != 1 || len(rep.Ingresses) != 2 || rep.Ingresses[0].Name != "admin" || !rep.Ingresses[0].FailClosed ||
			len(rep.Skipped) != 1 || len(rep.ConfigMaps) != 1 || !strings.Contains(rep.ConfigMaps[0].Config, "trustedProxies: []") {
			t.Errorf("exit %d, report %+v", code, rep)
		}
	})

	t.Run("RBAC", func(t *testing.T) {
		kc := c.ServiceAccountKubeconfig(t, "ingress-nginx", "migrate")
		code, out, stderr := runMigrate(t, "--kubeconfig", kc)
		if want := "forbidden by RBAC: firsthop migrate needs list on ingresses.networking.k8s.io in all namespaces, list on ingressclasses.networking.k8s.io (cluster-wide), get on configmaps in namespace ingress-nginx"; code != 2 || out != "" || !strings.Contains(stderr, want) {
			t.Fatalf("without permissions: exit %d, stdout %q, stderr %q; want 2 and %q", code, out, stderr, want)
		}
		// Exactly the permissions the message names.
		subject := []rbacv1.Subject{{Kind: "ServiceAccount", Namespace: "ingress-nginx", Name: "migrate"}}
		Must[any](t, "creating the ClusterRole")(cs.RbacV1().ClusterRoles().Create(Ctx(t), &rbacv1.ClusterRole{
			ObjectMeta: metav1.ObjectMeta{Name: "firsthop-migrate"},
			Rules:      []rbacv1.PolicyRule{{APIGroups: []string{"networking.k8s.io"}, Resources: []string{"ingresses", "ingressclasses"}, Verbs: []string{"list"}}},
		}, metav1.CreateOptions{}))
		Must[any](t, "binding the ClusterRole")(cs.RbacV1().ClusterRoleBindings().Create(Ctx(t), &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: "firsthop-migrate"},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "firsthop-migrate"},
			Subjects:   subject,
		}, metav1.CreateOptions{}))
		Must[any](t, "creating the Role")(cs.RbacV1().Roles("ingress-nginx").Create(Ctx(t), &rbacv1.Role{
			ObjectMeta: metav1.ObjectMeta{Namespace: "ingress-nginx", Name: "firsthop-migrate"},
			Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"get"}}},
		}, metav1.CreateOptions{}))
		Must[any](t, "binding the Role")(cs.RbacV1().RoleBindings("ingress-nginx").Create(Ctx(t), &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Namespace: "ingress-nginx", Name: "firsthop-migrate"},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "firsthop-migrate"},
			Subjects:   subject,
		}, metav1.CreateOptions{}))
		// The authorizer reads RBAC objects from its own cache: poll.
		Eventually(t, 30*time.Second, "migrate with the permissions it names gives the admin's report", func() error {
			code, out, stderr := runMigrate(t, "--kubeconfig", kc)
			if code != 1 || out != text {
				return fmt.Errorf("exit %d, stderr %q, stdout differs from the admin's: %v", code, stderr, out != text)
			}
			return nil
		})
	})
}
