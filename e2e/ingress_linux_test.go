package e2e

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// kube is the topology of the Kubernetes-mode scenarios:
//
//	client ─> haproxy 192.0.2.10:80 (send-proxy-v2) ─> node-a:8080 "l4" (PROXY required from haproxy)
//	client ─> node-a:8081 "direct" (no PROXY, nothing trusted)
//	node-a: firsthop ingress --kubeconfig (API server in cp) ─> pod-a, pod-b: firsthop echo :8080
//	cp: etcd + kube-apiserver
type kube struct {
	fabric       *Fabric
	cluster      *Cluster
	cs           kubernetes.Interface
	client       *Host
	lb           *Host
	haproxy      *LB
	podA, podB   *Host
	nodeA, nodeB *Host
}

// Names used by the Kubernetes scenarios.
const (
	tlsPort   = 8443 // firsthop TLS listener, certificates from Secrets
	kubeNS    = "shop"
	kubeClass = "firsthop"
	kubeSvc   = "web"
	kubeSlice = "web-1"
	kubeLBIP  = "192.0.2.10"
)

// newKube starts the control plane and the hosts; nothing Kubernetes
// exists yet but the namespace, the IngressClass and the Service.
func newKube(t *testing.T) *kube {
	t.Helper()
	RequireCommands(t, "haproxy", "curl")
	f := NewFabric(t)
	k := &kube{fabric: f}
	k.cluster = StartCluster(t, ClusterSpec{Host: f.Infra(t, "cp")})
	k.cs = k.cluster.Clientset(t)
	k.client = f.Client(t, "client")
	k.lb = f.AddHost(t, HostSpec{Name: "haproxy", Role: Infra, IPv4: netip.MustParseAddr(kubeLBIP)})
	k.nodeA, k.nodeB = f.Node(t, "node-a"), f.Node(t, "node-b")
	k.podA, k.podB = f.Pod(t, "pod-a"), f.Pod(t, "pod-b")
	k.podA.Echo(t, echoPort)
	k.podB.Echo(t, echoPort)

	CreateNamespace(t, k.cs, kubeNS)
	Must[*networkingv1.IngressClass](t, "creating the IngressClass")(
		k.cs.NetworkingV1().IngressClasses().Create(Ctx(t), IngressClassObject(kubeClass, false), metav1.CreateOptions{}))
	Must[*corev1.Service](t, "creating the Service")(
		k.cs.CoreV1().Services(kubeNS).Create(Ctx(t), ServiceObject(kubeNS, kubeSvc), metav1.CreateOptions{}))
	return k
}

// ingressConfig is the config file of `firsthop ingress` in the kube
// topology: PROXY required from the LB on l4, nothing trusted on direct,
// TLS with certificates from Secrets; the admin listener on loopback.
func (k *kube) ingressConfig() string { return k.ingressConfigAdmin(DefaultAdmin) }

// ingressConfigAdmin is ingressConfig with the admin listener on admin.
func (k *kube) ingressConfigAdmin(admin string) string {
	return fmt.Sprintf(`
admin:
  address: %s
listeners:
  - name: l4
    address: "0.0.0.0:%d"
    proxyProtocol:
      mode: required
      trustedCIDRs: [%s/32, %s/128]
      headerTimeout: 30s
  - name: direct
    address: "0.0.0.0:%d"
  - name: tls
    address: "0.0.0.0:%d"
    tls: true
forwardedHeaders:
  xForwardedFor: append
  forwarded: append
  xRealIP: true
`, admin, l4Port, k.lb.IPv4, k.lb.IPv6, l7Port, tlsPort)
}

// endpoints returns the EndpointSlice endpoints of pods, each on the node
// whose name is given next to it.
func endpointsOn(pods ...any) []PodEndpoint {
	var eps []PodEndpoint
	for i := 0; i+1 < len(pods); i += 2 {
		eps = append(eps, PodEndpoint{Addr: pods[i].(*Host).IPv4, Node: pods[i+1].(string)})
	}
	return eps
}

// setSlice creates or replaces the Service's one EndpointSlice.
func (k *kube) setSlice(t testing.TB, eps ...PodEndpoint) {
	t.Helper()
	s := EndpointSliceObject(kubeNS, kubeSlice, kubeSvc, eps...)
	api := k.cs.DiscoveryV1().EndpointSlices(kubeNS)
	if cur, err := api.Get(Ctx(t), kubeSlice, metav1.GetOptions{}); err == nil {
		s.ResourceVersion = cur.ResourceVersion
		Must[any](t, "updating the EndpointSlice")(api.Update(Ctx(t), s, metav1.UpdateOptions{}))
		return
	}
	Must[any](t, "creating the EndpointSlice")(api.Create(Ctx(t), s, metav1.CreateOptions{}))
}

// waitFor polls GET url (Host host) until want holds.
func waitFor(t testing.TB, c *http.Client, what, url, host string, want func(reply) error) reply {
	t.Helper()
	var last reply
	Eventually(t, 30*time.Second, what, func() error {
		r, err := get(c, url, host)
		if err != nil {
			return err
		}
		last = r
		return want(r)
	})
	return last
}

func servedBy(pod *Host) func(reply) error {
	want := pod.Addr4(echoPort).String()
	return func(r reply) error {
		if r.status != http.StatusOK || r.echo.LocalAddr != want {
			return fmt.Errorf("status %d from %q, want 200 from %s: %.200s", r.status, r.echo.LocalAddr, want, r.body)
		}
		return nil
	}
}

func status(code int) func(reply) error {
	return func(r reply) error {
		if r.status != code {
			return fmt.Errorf("status %d, want %d: %.200s", r.status, code, r.body)
		}
		return nil
	}
}

// TestIngress runs the controller scenarios of issue #4 in order on one
// cluster: each step builds on the state the one before left.
func TestIngress(t *testing.T) {
	k := newKube(t)
	k.setSlice(t, endpointsOn(k.podA, "node-a")...)
	fh := k.nodeA.FirsthopIngress(t, k.cluster, IngressSpec{
		Config: k.ingressConfig(),
		Args:   []string{"--publish-address", kubeLBIP, "--election-id", ""},
	})
	k.haproxy = k.lb.HAProxy(t, HAProxySpec{Servers: []netip.AddrPort{k.nodeA.Addr4(l4Port)}, SendProxyV2: true})
	viaLB := k.haproxy.URL4("/")
	direct := "http://" + k.nodeA.Addr4(l7Port).String() + "/"
	c := k.client.HTTPClient(5 * time.Second)
	ing := k.cs.NetworkingV1().Ingresses(kubeNS)

	t.Run("no Ingress yet: 404", func(t *testing.T) {
		waitFor(t, c, "404", direct, "app.example.com", status(http.StatusNotFound))
	})

	t.Run("an Ingress is served with the client's address", func(t *testing.T) {
		Must[any](t, "creating the Ingress")(ing.Create(Ctx(t), IngressObject(kubeNS, "app", kubeClass,
			IngressRoute{Host: "app.example.com", Path: "/", Service: kubeSvc}), metav1.CreateOptions{}))
		r := waitFor(t, c, "app.example.com through the LB", viaLB, "app.example.com", servedBy(k.podA))
		client := k.client.IPv4.String()
		r.echo.WantXFF(t, client)
		r.echo.WantForwardedFor(t, client)
		r.echo.WantHeader(t, "X-Real-IP", client)
		// Directly, with a forged header: not believed.
		req, _ := http.NewRequest(http.MethodGet, direct, nil)
		req.Host = "app.example.com"
		req.Header.Set("X-Forwarded-For", "6.6.6.6")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		e, err := ParseEchoReply(b)
		if err != nil {
			t.Fatalf("%d %v: %s", resp.StatusCode, err, b)
		}
		e.WantXFF(t, client)
		e.WantNowhere(t, "6.6.6.6")
	})

	t.Run("metrics show the caches synced and the endpoints by tier", func(t *testing.T) {
		admin := k.nodeA.HTTPClient(5 * time.Second)
		resp, err := admin.Get("http://" + DefaultAdmin + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		text := string(b)
		for _, want := range []string{
			`firsthop_kubernetes_cache_synced{resource="ingresses"} 1`,
			`firsthop_kubernetes_cache_synced{resource="endpointslices"} 1`,
			`firsthop_kubernetes_cache_synced{resource="secrets"} 1`,
			`firsthop_endpoints{backend="shop/web:http",tier="node"} 1`,
		} {
			if !strings.Contains(text, want) {
				t.Errorf("/metrics has no line %s", want)
			}
		}
		if t.Failed() {
			t.Logf("/metrics:\n%s", grepLines(text, "firsthop_"))
		}
	})

	t.Run("status is written with the published address", func(t *testing.T) {
		Eventually(t, 30*time.Second, "status.loadBalancer of shop/app", func() error {
			got := Must[*networkingv1.Ingress](t, "getting the Ingress")(ing.Get(Ctx(t), "app", metav1.GetOptions{}))
			lb := got.Status.LoadBalancer.Ingress
			if len(lb) != 1 || lb[0].IP != kubeLBIP {
				return fmt.Errorf("status %+v, want IP %s", lb, kubeLBIP)
			}
			return nil
		})
	})

	t.Run("an EndpointSlice change moves the traffic", func(t *testing.T) {
		// Each round points the slice at the other pod and times the
		// first request served by it, polling as fast as the client can.
		var took []time.Duration
		pods := []*Host{k.podB, k.podA}
		for i := range 8 {
			pod := pods[i%2]
			k.setSlice(t, endpointsOn(pod, "node-a")...)
			start := time.Now()
			want := servedBy(pod)
			took = append(took, Elapsed(t, start, 30*time.Second, "traffic on "+pod.Name, func() error {
				r, err := get(c, direct, "app.example.com")
				if err != nil {
					return err
				}
				return want(r)
			}))
		}
		slices.Sort(took)
		t.Logf("EndpointSlice update to traffic on the new endpoint, %d rounds: median %v, min %v, max %v (controller hold-off 10ms)",
			len(took), took[len(took)/2], took[0], took[len(took)-1])
	})

	t.Run("a bad Ingress is skipped and reported; the others are served", func(t *testing.T) {
		// The API server validates Prefix and Exact paths, not
		// ImplementationSpecific ones; firsthop wants every path clean.
		bad := IngressObject(kubeNS, "bad", kubeClass, IngressRoute{Host: "bad.example.com", Path: "/a/../b", Service: kubeSvc})
		is := networkingv1.PathTypeImplementationSpecific
		bad.Spec.Rules[0].HTTP.Paths[0].PathType = &is
		Must[any](t, "creating the bad Ingress")(ing.Create(Ctx(t), bad, metav1.CreateOptions{}))
		Eventually(t, 30*time.Second, "a Warning Event on shop/bad", func() error {
			evs := Must[*corev1.EventList](t, "listing Events")(k.cs.CoreV1().Events(kubeNS).List(Ctx(t), metav1.ListOptions{
				FieldSelector: "involvedObject.kind=Ingress,involvedObject.name=bad",
			}))
			for _, e := range evs.Items {
				if e.Type == corev1.EventTypeWarning && e.Reason == "InvalidPath" {
					return nil
				}
			}
			return fmt.Errorf("%d events, none InvalidPath", len(evs.Items))
		})
		waitFor(t, c, "bad.example.com not served", direct, "bad.example.com", status(http.StatusNotFound))
		waitFor(t, c, "app.example.com still served", direct, "app.example.com", status(http.StatusOK))
		if !fh.OutputContains(`"name":"bad"`) {
			t.Errorf("the bad Ingress is not named in the log")
		}
	})

	t.Run("losing the API server keeps the last table serving; a new Ingress is seen after it returns", func(t *testing.T) {
		k.cluster.StopAPIServer(t)
		deadline := time.Now().Add(3 * time.Second)
		n := 0
		for time.Now().Before(deadline) {
			r, err := get(c, direct, "app.example.com")
			if err != nil || r.status != http.StatusOK {
				t.Fatalf("request %d without the API server: %v %d %.200s", n, err, r.status, r.body)
			}
			n++
		}
		t.Logf("%d requests served without the API server", n)
		if r, err := get(c, "http://"+k.nodeA.Addr4(l7Port).String()+"/", "app.example.com"); err != nil || r.status != http.StatusOK {
			t.Fatalf("after the outage window: %v %d", err, r.status)
		}
		k.cluster.StartAPIServer(t)
		ing2 := IngressObject(kubeNS, "after", kubeClass, IngressRoute{Host: "after.example.com", Path: "/", Service: kubeSvc})
		Eventually(t, 30*time.Second, "creating an Ingress after the restart", func() error {
			_, err := ing.Create(Ctx(t), ing2, metav1.CreateOptions{})
			return err
		})
		waitFor(t, c, "after.example.com served", direct, "after.example.com", status(http.StatusOK))
	})

	t.Run("TLS from Ingress Secrets: chosen by SNI, 421 on a mismatched Host, rotation picked up", func(t *testing.T) {
		testIngressTLS(t, k)
	})

	t.Run("deleting the Ingress gives 404", func(t *testing.T) {
		if err := ing.Delete(Ctx(t), "app", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, c, "app.example.com gone", direct, "app.example.com", status(http.StatusNotFound))
	})
}

// TestIngressLeaderElection runs two controllers with one election ID:
// both serve, exactly one writes the status.
func TestIngressLeaderElection(t *testing.T) {
	k := newKube(t)
	k.setSlice(t, endpointsOn(k.podA, "node-a", k.podB, "node-b")...)
	args := []string{"--publish-address", kubeLBIP, "--election-id", "e2e-leader", "--election-namespace", kubeNS}
	a := k.nodeA.FirsthopIngress(t, k.cluster, IngressSpec{Config: k.ingressConfig(), Args: args})
	b := k.nodeB.FirsthopIngress(t, k.cluster, IngressSpec{Config: k.ingressConfig(), Args: args})
	ing := k.cs.NetworkingV1().Ingresses(kubeNS)
	Must[any](t, "creating the Ingress")(ing.Create(Ctx(t), IngressObject(kubeNS, "app", kubeClass,
		IngressRoute{Host: "app.example.com", Path: "/", Service: kubeSvc}), metav1.CreateOptions{}))
	c := k.client.HTTPClient(5 * time.Second)
	for _, node := range []*Host{k.nodeA, k.nodeB} {
		waitFor(t, c, "served by "+node.Name, "http://"+node.Addr4(l7Port).String()+"/", "app.example.com", status(http.StatusOK))
	}
	Eventually(t, 60*time.Second, "status written", func() error {
		got := Must[*networkingv1.Ingress](t, "getting the Ingress")(ing.Get(Ctx(t), "app", metav1.GetOptions{}))
		if lb := got.Status.LoadBalancer.Ingress; len(lb) != 1 || lb[0].IP != kubeLBIP {
			return fmt.Errorf("status %+v", lb)
		}
		return nil
	})
	lease := Must[*coordinationv1.Lease](t, "getting the Lease")(k.cs.CoordinationV1().Leases(kubeNS).Get(Ctx(t), "e2e-leader", metav1.GetOptions{}))
	if h := lease.Spec.HolderIdentity; h == nil || *h == "" {
		t.Errorf("Lease e2e-leader has no holder")
	}
	const wrote = "Ingress status updated"
	writers := 0
	for _, p := range []*Firsthop{a, b} {
		if p.OutputContains(wrote) {
			writers++
		}
	}
	if writers != 1 {
		t.Errorf("%d controllers wrote the status, want exactly 1", writers)
	}
	leaders := 0
	for _, p := range []*Firsthop{a, b} {
		if strings.Contains(p.Output(), "leading: writing status and Events") {
			leaders++
		}
	}
	if leaders != 1 {
		t.Errorf("%d controllers lead, want exactly 1", leaders)
	}
}

// testIngressTLS serves two hosts over TLS from two Secrets of one
// Ingress: an exact name and a wildcard.
func testIngressTLS(t *testing.T, k *kube) {
	ca := Must[*TestCA](t, "making a CA")(NewTestCA("e2e-ingress-ca"))
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, ca.CertPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	secret := func(name, cn string, names ...string) *corev1.Secret {
		crt, key, err := ca.Issue(cn, names, nil)
		if err != nil {
			t.Fatal(err)
		}
		return &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: kubeNS, Name: name},
			Type:       corev1.SecretTypeTLS,
			Data:       map[string][]byte{corev1.TLSCertKey: crt, corev1.TLSPrivateKeyKey: key},
		}
	}
	secrets := k.cs.CoreV1().Secrets(kubeNS)
	Must[any](t, "creating Secret secure-tls")(secrets.Create(Ctx(t), secret("secure-tls", "secure-v1", "secure.example.com"), metav1.CreateOptions{}))
	Must[any](t, "creating Secret wild-tls")(secrets.Create(Ctx(t), secret("wild-tls", "wild", "*.wild.example.com"), metav1.CreateOptions{}))
	ing := IngressObject(kubeNS, "secure", kubeClass,
		IngressRoute{Host: "secure.example.com", Path: "/", Service: kubeSvc},
		IngressRoute{Host: "*.wild.example.com", Path: "/", Service: kubeSvc})
	ing.Spec.TLS = []networkingv1.IngressTLS{
		{Hosts: []string{"secure.example.com"}, SecretName: "secure-tls"},
		{Hosts: []string{"*.wild.example.com"}, SecretName: "wild-tls"},
	}
	Must[any](t, "creating Ingress secure")(k.cs.NetworkingV1().Ingresses(kubeNS).Create(Ctx(t), ing, metav1.CreateOptions{}))

	node := k.nodeA.IPv4.String()
	curlTLS := func(name string, args ...string) CurlResult {
		url := fmt.Sprintf("https://%s:%d/", name, tlsPort)
		return k.client.Curl(t, url, append([]string{"--cacert", caFile, "--resolve", fmt.Sprintf("%s:%d:%s", name, tlsPort, node)}, args...)...)
	}
	for _, name := range []string{"secure.example.com", "a.wild.example.com", "b.wild.example.com"} {
		var r CurlResult
		Eventually(t, 30*time.Second, "https://"+name+" verified and served", func() error {
			if r = curlTLS(name); r.ExitCode != 0 || r.Status != http.StatusOK {
				return fmt.Errorf("%s", r)
			}
			return nil
		})
		e := r.Echo(t)
		e.WantHeader(t, "X-Forwarded-Proto", "https")
		if want := fmt.Sprintf("%s:%d", name, tlsPort); e.Host != want {
			t.Errorf("backend saw Host %q, want %q (passed on as sent)", e.Host, want)
		}
	}
	// SNI secure.example.com, Host of the wildcard's certificate.
	if r := curlTLS("secure.example.com", "-H", "Host: a.wild.example.com"); r.Status != http.StatusMisdirectedRequest {
		t.Errorf("SNI and Host with different certificates: %s, want 421", r)
	}

	// Rotation: a new certificate in the same Secret is served without a
	// restart.
	cur := Must[*corev1.Secret](t, "getting Secret secure-tls")(secrets.Get(Ctx(t), "secure-tls", metav1.GetOptions{}))
	next := secret("secure-tls", "secure-v2", "secure.example.com")
	cur.Data = next.Data
	Must[any](t, "updating Secret secure-tls")(secrets.Update(Ctx(t), cur, metav1.UpdateOptions{}))
	Eventually(t, 30*time.Second, "the rotated certificate", func() error {
		cn, err := servedCertificate(k.client, k.nodeA.Addr4(tlsPort).String(), "secure.example.com")
		if err != nil {
			return err
		}
		if cn != "secure-v2" {
			return fmt.Errorf("served %q", cn)
		}
		return nil
	})
}

// servedCertificate returns the common name of the certificate served at
// addr for SNI name, connecting from h.
func servedCertificate(h *Host, addr, name string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	raw, err := h.DialContext(ctx, "tcp", addr)
	if err != nil {
		return "", err
	}
	defer raw.Close()
	conn := tls.Client(raw, &tls.Config{ServerName: name, InsecureSkipVerify: true})
	if err := conn.HandshakeContext(ctx); err != nil {
		return "", err
	}
	return conn.ConnectionState().PeerCertificates[0].Subject.CommonName, nil
}

// grepLines returns the lines of text that contain s.
func grepLines(text, s string) string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		if strings.Contains(line, s) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}
