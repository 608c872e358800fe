package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/firsthop/firsthop/kube/ingress"
)

// nginxLBIP is the address of the L7 load balancer of TestIngressPolicies.
const nginxLBIP = "192.0.2.20"

// policyConfig is the config file of `firsthop ingress` in
// TestIngressPolicies: k's (l4 behind HAProxy, PROXY v2 required from it)
// with nginx's X-Forwarded-For believed, so that the l7Port listener
// serves behind nginx. sources is left at its default, X-Forwarded-For
// only: nginx writes X-Forwarded-For and passes a client's Forwarded
// header on untouched, which must not be believed.
func policyConfig(k *kube, nginx *Host) string {
	return k.ingressConfig() + fmt.Sprintf(`clientIP:
  trustedProxies: [%s/32, %s/128]
`, nginx.IPv4, nginx.IPv6)
}

// policyLB is one of the load balancers in front of firsthop.
type policyLB struct {
	name string
	lb   *LB
}

// curlPolicy is curl from h through lb's URL with Host host, also
// returning the response's header.
func curlPolicy(t *testing.T, h *Host, lb *LB, host string, args ...string) (CurlResult, http.Header) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "header")
	r := h.Curl(t, lb.URL4("/"), append([]string{"-H", "Host: " + host, "-D", file}, args...)...)
	raw, err := os.ReadFile(file)
	if err != nil || r.ExitCode != 0 {
		return r, http.Header{}
	}
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(raw)), nil)
	if err != nil {
		t.Fatalf("reading the header curl dumped (%v): %q; %s", err, raw, r)
	}
	resp.Body.Close()
	return r, resp.Header
}

// wantRefused requires r to be firsthop's refusal by policy pol with
// status code.
func wantRefused(t *testing.T, what string, r CurlResult, code int, pol string) {
	t.Helper()
	if r.ExitCode != 0 || r.Status != code || !strings.Contains(string(r.Body), "refused by policy "+strconv.Quote(pol)) {
		t.Errorf("%s: want %d refused by policy %q; %s", what, code, pol, r)
	}
}

// createAnnotated creates Ingress name for host with annotations.
func createAnnotated(t *testing.T, k *kube, name, host string, annotations map[string]string) {
	t.Helper()
	ing := IngressObject(kubeNS, name, kubeClass, IngressRoute{Host: host, Path: "/", Service: kubeSvc})
	ing.Annotations = annotations
	Must[any](t, "creating Ingress "+name)(k.cs.NetworkingV1().Ingresses(kubeNS).Create(Ctx(t), ing, metav1.CreateOptions{}))
}

// TestIngressPolicies checks issue 16's ingress-nginx policy annotations
// on the real client IP, through HAProxy (PROXY v2) and through nginx
// (X-Forwarded-For): the allowlist and the rate limit behave the same
// behind both, a forged header moves no one, and a malformed annotation
// fails closed.
func TestIngressPolicies(t *testing.T) {
	RequireCommands(t, "nginx")
	k := newKube(t)
	clientA := k.client
	clientB := k.fabric.Client(t, "client-b")
	clientC := k.fabric.Client(t, "client-c")
	a := clientA.IPv4.String()
	lb7 := k.fabric.AddHost(t, HostSpec{Name: "nginx", Role: Infra, IPv4: netip.MustParseAddr(nginxLBIP)})
	k.setSlice(t, endpointsOn(k.podA, "node-a")...)
	k.nodeA.FirsthopIngress(t, k.cluster, IngressSpec{Config: policyConfig(k, lb7), Args: []string{"--election-id", ""}})
	lbs := []policyLB{
		{"HAProxy (PROXY v2)", k.lb.HAProxy(t, HAProxySpec{Servers: []netip.AddrPort{k.nodeA.Addr4(l4Port)}, SendProxyV2: true})},
		{"nginx (X-Forwarded-For)", lb7.Nginx(t, NginxSpec{Upstreams: []netip.AddrPort{k.nodeA.Addr4(l7Port)}})},
	}

	t.Run("whitelist-source-range admits only client A, whatever B forges", func(t *testing.T) {
		const host = "allow.example.com"
		pol := ingress.PolicyName(kubeNS, "allow")
		createAnnotated(t, k, "allow", host, map[string]string{ingress.NginxWhitelistSourceRange: a + "/32"})
		for _, lb := range lbs {
			var r CurlResult
			Eventually(t, 30*time.Second, "client A served through "+lb.name, func() error {
				if r, _ = curlPolicy(t, clientA, lb.lb, host); r.ExitCode != 0 || r.Status != http.StatusOK {
					return fmt.Errorf("%s", r)
				}
				return nil
			})
			r.Echo(t).WantHeader(t, "X-Real-IP", a)
			r, _ = curlPolicy(t, clientB, lb.lb, host)
			wantRefused(t, "client B through "+lb.name, r, http.StatusForbidden, pol)
			r, _ = curlPolicy(t, clientB, lb.lb, host, "-H", "X-Forwarded-For: "+a)
			wantRefused(t, "client B forging X-Forwarded-For: "+a+" through "+lb.name, r, http.StatusForbidden, pol)
			r, _ = curlPolicy(t, clientB, lb.lb, host, "-H", "Forwarded: for="+a)
			wantRefused(t, "client B forging Forwarded: for="+a+" through "+lb.name, r, http.StatusForbidden, pol)
		}
	})

	t.Run("limit-rps keeps one bucket per real client behind each load balancer", func(t *testing.T) {
		const host = "limited.example.com"
		pol := ingress.PolicyName(kubeNS, "limited")
		createAnnotated(t, k, "limited", host, map[string]string{
			ingress.NginxLimitRPS:             "1",
			ingress.NginxLimitBurstMultiplier: "1",
		})
		// Polls return 404 until the route exists; a 404 takes no token.
		Eventually(t, 30*time.Second, "the limited route served", func() error {
			if r, _ := curlPolicy(t, clientA, lbs[0].lb, host); r.ExitCode != 0 || r.Status != http.StatusOK {
				return fmt.Errorf("%s", r)
			}
			return nil
		})
		// Behind each LB one client bursts until refused, then a client
		// that has sent nothing yet is served at once: the LB's address is
		// not the bucket. B bursts behind nginx, so C is nginx's fresh one.
		for i, pair := range [][2]*Host{{clientA, clientB}, {clientB, clientC}} {
			lb, burster, fresh := lbs[i], pair[0], pair[1]
			Eventually(t, 30*time.Second, burster.Name+"'s burst refused through "+lb.name, func() error {
				r, hdr := curlPolicy(t, burster, lb.lb, host)
				switch {
				case r.ExitCode == 0 && r.Status == http.StatusOK:
					return fmt.Errorf("served: %s", r)
				case r.Status != http.StatusServiceUnavailable:
					t.Fatalf("%s's burst through %s: want 200 or 503; %s", burster.Name, lb.name, r)
				}
				wantRefused(t, burster.Name+"'s burst through "+lb.name, r, http.StatusServiceUnavailable, pol)
				if s, err := strconv.Atoi(hdr.Get("Retry-After")); err != nil || s < 1 {
					t.Errorf("503 through %s: Retry-After %q, want whole seconds >= 1", lb.name, hdr.Get("Retry-After"))
				}
				return nil
			})
			r, _ := curlPolicy(t, fresh, lb.lb, host)
			if r.ExitCode != 0 || r.Status != http.StatusOK {
				t.Errorf("%s's first request through %s, right after %s was refused: want 200; %s", fresh.Name, lb.name, burster.Name, r)
			}
		}
	})

	t.Run("a malformed whitelist-source-range fails closed and is reported", func(t *testing.T) {
		const host = "broken.example.com"
		pol := ingress.PolicyName(kubeNS, "broken")
		createAnnotated(t, k, "broken", host, map[string]string{ingress.NginxWhitelistSourceRange: "10.0.0.0/33"})
		Eventually(t, 30*time.Second, "the broken route refusing client A", func() error {
			if r, _ := curlPolicy(t, clientA, lbs[0].lb, host); r.Status != http.StatusForbidden {
				return fmt.Errorf("%s", r)
			}
			return nil
		})
		for _, lb := range lbs {
			for _, c := range []*Host{clientA, clientB} {
				r, _ := curlPolicy(t, c, lb.lb, host)
				wantRefused(t, c.Name+" through "+lb.name, r, http.StatusForbidden, pol)
			}
		}
		Eventually(t, 30*time.Second, "a Warning Event on shop/broken", func() error {
			evs := Must[*corev1.EventList](t, "listing Events")(k.cs.CoreV1().Events(kubeNS).List(Ctx(t), metav1.ListOptions{
				FieldSelector: "involvedObject.kind=Ingress,involvedObject.name=broken",
			}))
			for _, e := range evs.Items {
				if e.Type == corev1.EventTypeWarning && e.Reason == ingress.ReasonInvalidPolicy && strings.Contains(e.Message, "10.0.0.0/33") {
					return nil
				}
			}
			return fmt.Errorf("%d events, none %s naming 10.0.0.0/33", len(evs.Items), ingress.ReasonInvalidPolicy)
		})
	})
}
