package ingress

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy"
)

// selfSigned returns the PEM certificate and key of a self-signed
// certificate for names, with common name cn.
func selfSigned(t testing.TB, cn string, names ...string) (crt, key []byte) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: cn},
		DNSNames:     names,
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
}

// tlsSecret returns a Secret of type kubernetes.io/tls.
func tlsSecret(ns, name string, crt, key []byte) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID("uid-" + name), ResourceVersion: "1"},
		Type:       corev1.SecretTypeTLS,
		Data:       map[string][]byte{corev1.TLSCertKey: crt, corev1.TLSPrivateKeyKey: key},
	}
}

// withTLS returns ing with spec.tls set to entries.
func withTLS(ing *networkingv1.Ingress, entries ...networkingv1.IngressTLS) *networkingv1.Ingress {
	ing.Spec.TLS = entries
	return ing
}

// certSummary is what TestTranslateTLS asserts about a certificate: the
// common name it was made with, and the names it is chosen for.
type certSummary struct {
	cn    string
	names []string
}

func TestTranslateTLS(t *testing.T) {
	t.Parallel()
	aCrt, aKey := selfSigned(t, "shop-a", "a.example.com")
	wCrt, wKey := selfSigned(t, "shop-wild", "*.example.com")
	eCrt, eKey := selfSigned(t, "evil", "a.example.com")
	fileCrt, fileKey := selfSigned(t, "file-default", "default.example.com")
	fileCert, err := loadTLSSecret(tlsSecret("", "", fileCrt, fileKey))
	if err != nil {
		t.Fatal(err)
	}
	opaque := tlsSecret("shop", "opaque", aCrt, aKey)
	opaque.Type = corev1.SecretTypeOpaque
	garbage := tlsSecret("shop", "garbage", []byte("not a certificate"), aKey)

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
				withTLS(testIngress("shop", "web", "a.example.com", "/", "web", 0),
					networkingv1.IngressTLS{Hosts: []string{"A.Example.com."}, SecretName: "a"},
					networkingv1.IngressTLS{SecretName: "wild"}),
			},
			secrets:  []*corev1.Secret{tlsSecret("shop", "a", aCrt, aKey), tlsSecret("shop", "wild", wCrt, wKey)},
			want:     []certSummary{{"shop-a", []string{"a.example.com"}}, {"shop-wild", nil}},
			wantRefs: []string{"shop/a", "shop/wild"},
		},
		{
			name: "the config file's certificates come first: its first is the default",
			base: []model.Certificate{{Cert: fileCert}},
			ingresses: []*networkingv1.Ingress{
				withTLS(testIngress("shop", "web", "a.example.com", "/", "web", 0),
					networkingv1.IngressTLS{Hosts: []string{"a.example.com"}, SecretName: "a"}),
			},
			secrets:  []*corev1.Secret{tlsSecret("shop", "a", aCrt, aKey)},
			want:     []certSummary{{"file-default", nil}, {"shop-a", []string{"a.example.com"}}},
			wantRefs: []string{"shop/a"},
		},
		{
			name: "the older Ingress's certificate comes first, so it wins a host both claim",
			ingresses: []*networkingv1.Ingress{
				withTLS(testIngress("evil", "claim", "a.example.com", "/", "web", 0),
					networkingv1.IngressTLS{Hosts: []string{"a.example.com"}, SecretName: "evil"}),
				withTLS(testIngress("shop", "web", "a.example.com", "/", "web", time.Hour),
					networkingv1.IngressTLS{Hosts: []string{"a.example.com"}, SecretName: "a"}),
			},
			secrets:      []*corev1.Secret{tlsSecret("shop", "a", aCrt, aKey), tlsSecret("evil", "evil", eCrt, eKey)},
			want:         []certSummary{{"shop-a", []string{"a.example.com"}}, {"evil", []string{"a.example.com"}}},
			wantProblems: []string{"Ingress evil/claim RouteConflict"},
			wantRefs:     []string{"evil/evil", "shop/a"},
		},
		{
			name: "a Secret in another namespace is not found: spec.tls reads the Ingress's own namespace",
			ingresses: []*networkingv1.Ingress{
				withTLS(testIngress("evil", "steal", "a.example.com", "/", "web", 0),
					networkingv1.IngressTLS{Hosts: []string{"a.example.com"}, SecretName: "a"}),
			},
			secrets:      []*corev1.Secret{tlsSecret("shop", "a", aCrt, aKey)},
			wantProblems: []string{"Ingress evil/steal SecretNotFound", "Ingress evil/steal ServiceNotFound"},
			wantRefs:     []string{"evil/a"},
		},
		{
			name: "missing, wrong-type and unparsable Secrets and bad hosts are reported; the routes are served",
			ingresses: []*networkingv1.Ingress{
				withTLS(testIngress("shop", "web", "a.example.com", "/", "web", 0),
					networkingv1.IngressTLS{Hosts: []string{"a.example.com"}, SecretName: "missing"},
					networkingv1.IngressTLS{Hosts: []string{"a.example.com"}, SecretName: "opaque"},
					networkingv1.IngressTLS{Hosts: []string{"a.example.com"}, SecretName: "garbage"},
					networkingv1.IngressTLS{Hosts: []string{"bad host\n"}, SecretName: "a"},
					networkingv1.IngressTLS{Hosts: []string{"a.example.com"}}),
			},
			secrets: []*corev1.Secret{opaque, garbage, tlsSecret("shop", "a", aCrt, aKey)},
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
				IngressClasses: []*networkingv1.IngressClass{testClass("firsthop", false)},
				Services:       []*corev1.Service{testService("shop", "web")},
				Secrets:        tc.secrets,
			}
			got, problems := Translate(snap, Options{Base: model.TableSpec{Certificates: tc.base}})
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
			p := newPlan(snap, &Options{}, loadTLSSecret)
			var refs []string
			for k := range p.secretRefs {
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

func TestCertCacheParsesEachVersionOnce(t *testing.T) {
	t.Parallel()
	crt, key := selfSigned(t, "a", "a.example.com")
	s := tlsSecret("shop", "a", crt, key)
	var c certCache
	first, err := c.load(s)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := c.load(s.DeepCopy()); again != first {
		t.Error("the same Secret version was parsed again")
	}
	s2 := s.DeepCopy()
	s2.ResourceVersion = "2"
	if next, _ := c.load(s2); next == first || next == nil {
		t.Error("a new Secret version was not parsed")
	}
	c.keepOnly(map[types.NamespacedName]bool{})
	if len(c.m) != 0 {
		t.Errorf("keepOnly(none) left %d entries", len(c.m))
	}
}
