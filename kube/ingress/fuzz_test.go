package ingress

import (
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/firsthop/firsthop/kube/ingress/nginx"
	"github.com/firsthop/firsthop/kube/internal/kubetest"
	"github.com/firsthop/firsthop/kube/resolve"
	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy"
)

// fuzzResolver resolves every name to a mix of usable and refused
// addresses.
type fuzzResolver struct{}

func (fuzzResolver) Resolve(host string) ([]netip.Addr, error) {
	return []netip.Addr{netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("127.0.0.1")}, nil
}

// checkTranslation asserts what must hold for any snapshot: the table
// compiles, and the result does not depend on the order of the objects.
func checkTranslation(t *testing.T, s Snapshot, o Options, ro resolve.Options) {
	t.Helper()
	if hasDuplicates(s) {
		// A cluster never holds two objects of a kind with one name.
		return
	}
	spec, problems := Translate(s, model.TableSpec{}, o, ro)
	if _, err := proxy.NewTable(spec); err != nil {
		t.Fatalf("Translate made a table proxy.NewTable refuses: %v\n%s", err, kubetest.Render(spec))
	}
	r := Snapshot{
		Ingresses:      slices.Clone(s.Ingresses),
		IngressClasses: slices.Clone(s.IngressClasses),
		Services:       slices.Clone(s.Services),
		EndpointSlices: slices.Clone(s.EndpointSlices),
		Secrets:        slices.Clone(s.Secrets),
	}
	slices.Reverse(r.Secrets)
	slices.Reverse(r.Ingresses)
	slices.Reverse(r.IngressClasses)
	slices.Reverse(r.Services)
	slices.Reverse(r.EndpointSlices)
	spec2, problems2 := Translate(r, model.TableSpec{}, o, ro)
	if !reflect.DeepEqual(spec, spec2) {
		t.Fatalf("the table depends on object order:\n%s\nreversed:\n%s", kubetest.Render(spec), kubetest.Render(spec2))
	}
	if !reflect.DeepEqual(problems, problems2) {
		t.Fatalf("the problems depend on object order:\n%v\nreversed:\n%v", problems, problems2)
	}
}

// hasDuplicates reports whether s holds two objects of one kind with the
// same namespace and name.
func hasDuplicates(s Snapshot) bool {
	seen := map[string]bool{}
	dup := func(kind, ns, name string) bool {
		k := kind + "/" + ns + "/" + name
		if seen[k] {
			return true
		}
		seen[k] = true
		return false
	}
	for _, o := range s.Ingresses {
		if dup("Ingress", o.Namespace, o.Name) {
			return true
		}
	}
	for _, o := range s.IngressClasses {
		if dup("IngressClass", o.Namespace, o.Name) {
			return true
		}
	}
	for _, o := range s.Services {
		if dup("Service", o.Namespace, o.Name) {
			return true
		}
	}
	for _, o := range s.Secrets {
		if dup("Secret", o.Namespace, o.Name) {
			return true
		}
	}
	for _, o := range s.EndpointSlices {
		if dup("EndpointSlice", o.Namespace, o.Name) {
			return true
		}
	}
	return false
}

// FuzzTranslate feeds manifests (YAML documents separated by "---") to
// Translate, strictly and permissively (every Ingress without a class
// ours, ingress-nginx annotations read, ExternalNames allowed). The seed
// corpus is every fixture in testdata and testdata/nginx.
func FuzzTranslate(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no fixtures: %v", err)
	}
	nginxFiles, _ := filepath.Glob(filepath.Join("testdata", "nginx", "*.in.yaml"))
	files = append(files, nginxFiles...)
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, false)
		f.Add(data, true)
	}
	f.Fuzz(func(t *testing.T, data []byte, permissive bool) {
		s, err := decodeObjects(data)
		if err != nil {
			return
		}
		var o Options
		var ro resolve.Options
		if permissive {
			o = Options{WatchWithoutClass: true, IngressNginxAnnotations: true}
			ro = resolve.Options{AllowExternalName: true, DNS: fuzzResolver{}, DefaultLocality: model.LocalityPreferZone}
		}
		checkTranslation(t, s, o, ro)
	})
}

// FuzzIngressStrings builds two Ingresses from fuzzed hosts, paths, path
// types and backend names and checks every translation compiles. It reaches
// the host and path checks faster than FuzzTranslate.
func FuzzIngressStrings(f *testing.F) {
	f.Add("app.example.com", "/", "Prefix", "web", "http", int32(0), "*.example.com", "/a/b", "Exact")
	f.Add("", "", "ImplementationSpecific", "web", "", int32(80), "APP.example.com.", "/a/", "Prefix")
	f.Add("*.*.x", "/a//b", "Regex", "", "x", int32(70000), "a:80", "/%2e%2e", "Exact")
	f.Add("x.y", "/caf%C3%A9", "Exact", "web", "", int32(-1), "x.y", "/café", "Exact")
	f.Fuzz(func(t *testing.T, host1, path1, type1, svc, portName string, portNum int32, host2, path2, type2 string) {
		ing := func(name, ts, host, path, typ string) *networkingv1.Ingress {
			pt := networkingv1.PathType(typ)
			return &networkingv1.Ingress{
				ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", CreationTimestamp: metav1.Time{Time: kubetest.MustTime(ts)}},
				Spec: networkingv1.IngressSpec{
					DefaultBackend: &networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
						Name: svc, Port: networkingv1.ServiceBackendPort{Name: portName, Number: portNum},
					}},
					Rules: []networkingv1.IngressRule{{
						Host: host,
						IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
							Paths: []networkingv1.HTTPIngressPath{{
								Path: path, PathType: &pt,
								Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
									Name: svc + strings.ToLower(typ), Port: networkingv1.ServiceBackendPort{Name: portName, Number: portNum},
								}},
							}},
						}},
					}},
				},
			}
		}
		s := Snapshot{Ingresses: []*networkingv1.Ingress{
			ing("one", "2025-01-01T00:00:00Z", host1, path1, type1),
			ing("two", "2025-01-02T00:00:00Z", host2, path2, type2),
		}}
		checkTranslation(t, s, Options{WatchWithoutClass: true}, resolve.Options{})
	})
}

// FuzzNginxAnnotations gives two Ingresses of one host and path fuzzed
// ingress-nginx annotations, read with ingress-nginx's meaning (the
// second one a canary when canary is set), and checks that every
// translation compiles and does not depend on object order.
func FuzzNginxAnnotations(f *testing.F) {
	f.Add("permanent-redirect", "https://x.example.com/", "app-root", "/app", "from-to-www-redirect", "true", true, "canary-weight", "30")
	f.Add("rewrite-target", "/", "x-forwarded-prefix", "/api", "upstream-vhost", "internal", false, "proxy-connect-timeout", "3")
	f.Add("backend-protocol", "HTTPS", "proxy-ssl-name", "web.svc", "proxy-ssl-verify", "off", true, "canary-by-header", "X-Canary")
	f.Add("configuration-snippet", "deny all;", "temporal-redirect", "https://b.example.com$request_uri", "proxy-read-timeout", "30", true, "canary-by-cookie", "c")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2, k3, v3 string, canary bool, k4, v4 string) {
		ing := func(name, ts, svc string, annotations map[string]string) *networkingv1.Ingress {
			return &networkingv1.Ingress{
				ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", Annotations: annotations, CreationTimestamp: metav1.Time{Time: kubetest.MustTime(ts)}},
				Spec: networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{{
					Host: "app.example.com",
					IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
						Paths: []networkingv1.HTTPIngressPath{{
							Path: "/", PathType: kubetest.Ptr(networkingv1.PathTypePrefix),
							Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
								Name: svc, Port: networkingv1.ServiceBackendPort{Number: 80},
							}},
						}},
					}},
				}}},
			}
		}
		second := map[string]string{nginx.Prefix + k4: v4}
		if canary {
			second[nginx.Prefix+"canary"] = "true"
		}
		s := Snapshot{
			Ingresses: []*networkingv1.Ingress{
				ing("main", "2025-01-01T00:00:00Z", "web", map[string]string{nginx.Prefix + k1: v1, nginx.Prefix + k2: v2, nginx.Prefix + k3: v3}),
				ing("second", "2025-01-02T00:00:00Z", "other", second),
			},
			Services: []*corev1.Service{kubetest.Service("ns", "web"), kubetest.Service("ns", "other")},
		}
		checkTranslation(t, s, Options{WatchWithoutClass: true, IngressNginxAnnotations: true}, resolve.Options{})
	})
}
