package ingress

import (
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/firsthop/firsthop/kube/internal/kubetest"
	"github.com/firsthop/firsthop/kube/resolve"
	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy"
)

// certSummary is what TestTranslateTLS asserts about a certificate: the
// common name it was made with, and the names it is chosen for.
type certSummary struct {
	cn    string
	names []string
}

func TestTranslateTLS(t *testing.T) {
	t.Parallel()
	aCrt, aKey := kubetest.SelfSigned(t, "shop-a", "a.example.com")
	wCrt, wKey := kubetest.SelfSigned(t, "shop-wild", "*.example.com")
	eCrt, eKey := kubetest.SelfSigned(t, "evil", "a.example.com")
	fileCrt, fileKey := kubetest.SelfSigned(t, "file-default", "default.example.com")
	fileCert, err := resolve.LoadCertificate(kubetest.TLSSecret("", "", fileCrt, fileKey))
	if err != nil {
		t.Fatal(err)
	}
	opaque := kubetest.TLSSecret("shop", "opaque", aCrt, aKey)
	opaque.Type = corev1.SecretTypeOpaque
	garbage := kubetest.TLSSecret("shop", "garbage", []byte("not a certificate"), aKey)

	tests := []struct {
		name         string
		base         []model.Certificate
		ingresses    []*networkingv1.Ingress
		secrets      []*corev1.Secret
		want         []certSummary
		wantProblems []string
		wantRefs     []string
	}{
		{
			name: "hosts name the SNI names; an entry without hosts serves the certificate's names",
			ingresses: []*networkingv1.Ingress{
				kubetest.Ingress("shop", "web", "a.example.com", "/", "web", kubetest.Age(0), kubetest.TLS(
					networkingv1.IngressTLS{Hosts: []string{"A.Example.com."}, SecretName: "a"},
					networkingv1.IngressTLS{SecretName: "wild"})),
			},
			secrets:  []*corev1.Secret{kubetest.TLSSecret("shop", "a", aCrt, aKey), kubetest.TLSSecret("shop", "wild", wCrt, wKey)},
			want:     []certSummary{{"shop-a", []string{"a.example.com"}}, {"shop-wild", nil}},
			wantRefs: []string{"shop/a", "shop/wild"},
		},
		{
			name: "the config file's certificates come first: its first is the default",
			base: []model.Certificate{{Cert: fileCert}},
			ingresses: []*networkingv1.Ingress{
				kubetest.Ingress("shop", "web", "a.example.com", "/", "web", kubetest.Age(0), kubetest.TLS(
					networkingv1.IngressTLS{Hosts: []string{"a.example.com"}, SecretName: "a"})),
			},
			secrets:  []*corev1.Secret{kubetest.TLSSecret("shop", "a", aCrt, aKey)},
			want:     []certSummary{{"file-default", nil}, {"shop-a", []string{"a.example.com"}}},
			wantRefs: []string{"shop/a"},
		},
		{
			name: "the older Ingress's certificate comes first, so it wins a host both claim",
			ingresses: []*networkingv1.Ingress{
				kubetest.Ingress("evil", "claim", "a.example.com", "/", "web", kubetest.Age(0), kubetest.TLS(
					networkingv1.IngressTLS{Hosts: []string{"a.example.com"}, SecretName: "evil"})),
				kubetest.Ingress("shop", "web", "a.example.com", "/", "web", kubetest.Age(time.Hour), kubetest.TLS(
					networkingv1.IngressTLS{Hosts: []string{"a.example.com"}, SecretName: "a"})),
			},
			secrets:      []*corev1.Secret{kubetest.TLSSecret("shop", "a", aCrt, aKey), kubetest.TLSSecret("evil", "evil", eCrt, eKey)},
			want:         []certSummary{{"shop-a", []string{"a.example.com"}}, {"evil", []string{"a.example.com"}}},
			wantProblems: []string{"Ingress evil/claim RouteConflict"},
			wantRefs:     []string{"evil/evil", "shop/a"},
		},
		{
			name: "a Secret in another namespace is not found: spec.tls reads the Ingress's own namespace",
			ingresses: []*networkingv1.Ingress{
				kubetest.Ingress("evil", "steal", "a.example.com", "/", "web", kubetest.Age(0), kubetest.TLS(
					networkingv1.IngressTLS{Hosts: []string{"a.example.com"}, SecretName: "a"})),
			},
			secrets:      []*corev1.Secret{kubetest.TLSSecret("shop", "a", aCrt, aKey)},
			wantProblems: []string{"Ingress evil/steal SecretNotFound", "Ingress evil/steal ServiceNotFound"},
			wantRefs:     []string{"evil/a"},
		},
		{
			name: "missing, wrong-type and unparsable Secrets and bad hosts are reported; the routes are served",
			ingresses: []*networkingv1.Ingress{
				kubetest.Ingress("shop", "web", "a.example.com", "/", "web", kubetest.Age(0), kubetest.TLS(
					networkingv1.IngressTLS{Hosts: []string{"a.example.com"}, SecretName: "missing"},
					networkingv1.IngressTLS{Hosts: []string{"a.example.com"}, SecretName: "opaque"},
					networkingv1.IngressTLS{Hosts: []string{"a.example.com"}, SecretName: "garbage"},
					networkingv1.IngressTLS{Hosts: []string{"bad host\n"}, SecretName: "a"},
					networkingv1.IngressTLS{Hosts: []string{"a.example.com"}})),
			},
			secrets: []*corev1.Secret{opaque, garbage, kubetest.TLSSecret("shop", "a", aCrt, aKey)},
			wantProblems: []string{ // sorted
				"Ingress shop/web InvalidSecret", "Ingress shop/web InvalidTLS",
				"Ingress shop/web SecretNotFound", "Ingress shop/web SecretNotFound",
			},
			wantRefs: []string{"shop/garbage", "shop/missing", "shop/opaque"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			snap := Snapshot{
				Ingresses:      tc.ingresses,
				IngressClasses: []*networkingv1.IngressClass{kubetest.Class(kubetest.ClassName, false)},
				Services:       []*corev1.Service{kubetest.Service("shop", "web")},
				Secrets:        tc.secrets,
			}
			got, problems := Translate(snap, model.TableSpec{Certificates: tc.base}, Options{}, resolve.Options{})
			var sums []certSummary
			for _, c := range got.Certificates {
				sums = append(sums, certSummary{c.Cert.Leaf.Subject.CommonName, c.Names})
			}
			if !slices.EqualFunc(sums, tc.want, func(a, b certSummary) bool {
				return a.cn == b.cn && slices.Equal(a.names, b.names)
			}) {
				t.Errorf("certificates %+v, want %+v", sums, tc.want)
			}
			var gotProblems []string
			for _, p := range problems {
				gotProblems = append(gotProblems, p.Object.Kind+" "+p.Object.Namespace+"/"+p.Object.Name+" "+p.Reason)
			}
			slices.Sort(gotProblems)
			if !slices.Equal(gotProblems, tc.wantProblems) {
				t.Errorf("problems %q, want %q", gotProblems, tc.wantProblems)
				for _, p := range problems {
					t.Logf("  %s", p)
				}
			}
			r := resolve.New(resolve.Cluster{Services: snap.Services, Secrets: snap.Secrets}, resolve.Options{}, nil)
			translate(snap.Ingresses, snap.IngressClasses, &Options{}, r)
			var refs []string
			for k := range r.SecretRefs() {
				refs = append(refs, k.String())
			}
			slices.Sort(refs)
			if !slices.Equal(refs, tc.wantRefs) {
				t.Errorf("secrets referenced %q, want %q", refs, tc.wantRefs)
			}
			if _, err := proxy.NewTable(got); err != nil {
				t.Errorf("proxy.NewTable: %v", err)
			}
		})
	}
}
