package e2e

import (
	"fmt"
	"net/http"
	"net/netip"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// adminAll is the admin address of the locality scenarios: every IPv4
// address of the node, so that HAProxy can health-check /readyz.
const adminAll = `"0.0.0.0:9901"`

// TestLocality runs the node-local scenarios of issue #5: two nodes, two
// pods on each, one `firsthop ingress` per node.
//
//	client ─> haproxy (send-proxy-v2, health-checks /readyz) ─> node-a, node-b :8080
//	client ─> node-a:8081, node-b:8081 directly
//	node-a ─> pod-a1, pod-a2 (node-a) first; node-b ─> pod-b1, pod-b2 (node-b) first
func TestLocality(t *testing.T) {
	k := newKube(t)
	f := k.fabric
	a1, a2, b1, b2 := k.podA, f.Pod(t, "pod-a2"), k.podB, f.Pod(t, "pod-b2")
	echoA2 := a2.Echo(t, echoPort)
	b2.Echo(t, echoPort)
	k.setSlice(t, endpointsOn(a1, "node-a", a2, "node-a", b1, "node-b", b2, "node-b")...)
	Must[any](t, "creating the Ingress")(k.cs.NetworkingV1().Ingresses(kubeNS).Create(Ctx(t), IngressObject(kubeNS, "app", kubeClass,
		IngressRoute{Host: "app.example.com", Path: "/", Service: kubeSvc}), metav1.CreateOptions{}))
	cfg := k.ingressConfigAdmin(adminAll)
	args := []string{"--election-id", "", "--drain-delay", "1s", "--grace-period", "10s"}
	proxies := map[*Host]*Firsthop{}
	for _, n := range []*Host{k.nodeA, k.nodeB} {
		// NODE_NAME, as the downward API sets it; no --node-name.
		proxies[n] = n.FirsthopIngress(t, k.cluster, IngressSpec{Config: cfg, Args: append(args, "--node-name", ""), Env: []string{"NODE_NAME=" + n.Name}})
	}
	client := func() *http.Client { return k.client.HTTPClient(5 * time.Second) }
	direct := func(n *Host) string { return "http://" + n.Addr4(l7Port).String() + "/" }
	local := map[*Host][]*Host{k.nodeA: {a1, a2}, k.nodeB: {b1, b2}}
	for n := range proxies {
		waitFor(t, client(), "app on "+n.Name, direct(n), "app.example.com", status(http.StatusOK))
	}

	t.Run("each proxy sends at least 99% of requests to its own node's pods", func(t *testing.T) {
		for _, n := range []*Host{k.nodeA, k.nodeB} {
			c := client()
			hits, total := 0, 400
			per := map[string]int{}
			for range total {
				r, err := get(c, direct(n), "app.example.com")
				if err != nil || r.status != http.StatusOK {
					t.Fatalf("through %s: %v %d", n.Name, err, r.status)
				}
				per[r.echo.LocalAddr]++
				for _, p := range local[n] {
					if r.echo.LocalAddr == p.Addr4(echoPort).String() {
						hits++
					}
				}
			}
			ratio := float64(hits) / float64(total)
			t.Logf("%s: %d of %d requests on its own node's pods (%.1f%%); by pod %v", n.Name, hits, total, 100*ratio, per)
			if ratio < 0.99 {
				t.Errorf("%s: local-hit ratio %.3f, want at least 0.99", n.Name, ratio)
			}
			for _, p := range local[n] {
				if per[p.Addr4(echoPort).String()] == 0 {
					t.Errorf("%s: local pod %s got nothing: both local pods should share the load", n.Name, p.Name)
				}
			}
		}
	})

	t.Run("node-a's pods go away under load: it falls back to node-b's without a failed request", func(t *testing.T) {
		load := StartLoad(LoadSpec{Client: client, URL: direct(k.nodeA), Host: "app.example.com", Workers: 4})
		waitLoad(t, load, 200)
		// As Kubernetes does it: the pods' endpoints turn terminating,
		// then leave the slice, then the pods stop.
		k.setSlice(t, []PodEndpoint{
			{Addr: a1.IPv4, Node: "node-a", Terminating: true}, {Addr: a2.IPv4, Node: "node-a", Terminating: true},
			{Addr: b1.IPv4, Node: "node-b"}, {Addr: b2.IPv4, Node: "node-b"},
		}...)
		onB := func() error {
			r, err := get(client(), direct(k.nodeA), "app.example.com")
			if err != nil {
				return err
			}
			if r.status != http.StatusOK || (r.echo.LocalAddr != b1.Addr4(echoPort).String() && r.echo.LocalAddr != b2.Addr4(echoPort).String()) {
				return fmt.Errorf("%d from %s", r.status, r.echo.LocalAddr)
			}
			return nil
		}
		Eventually(t, 30*time.Second, "node-a's traffic on node-b's pods", onB)
		k.setSlice(t, endpointsOn(b1, "node-b", b2, "node-b")...)
		time.Sleep(200 * time.Millisecond) // let the removal reach the proxy under load
		if err := echoA2.Stop(); err != nil && !isSignalled(err) {
			t.Logf("stopping pod-a2's echo: %v", err)
		}
		before := load.Snapshot().Total
		waitLoad(t, load, before+200)
		res := load.Stop()
		t.Logf("through node-a while its pods went away: %d requests, %d failed; by pod %v", res.Total, res.Failed, res.ByLocal)
		if res.Failed != 0 {
			t.Errorf("%d failed requests, want 0: %q", res.Failed, res.Failures)
		}
		if err := onB(); err != nil {
			t.Errorf("after the change: %v", err)
		}
	})

	t.Run("SIGTERM to one proxy under load through HAProxy checking /readyz: no failed request, exit 0", func(t *testing.T) {
		hp := k.lb.HAProxy(t, HAProxySpec{
			Servers:     []netip.AddrPort{k.nodeA.Addr4(l4Port), k.nodeB.Addr4(l4Port)},
			SendProxyV2: true,
			CheckPath:   "/readyz",
			CheckPort:   9901,
		})
		load := StartLoad(LoadSpec{Client: client, URL: hp.URL4("/"), Host: "app.example.com", Workers: 4})
		waitLoad(t, load, 300)
		fa := proxies[k.nodeA]
		if err := fa.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if err := fa.Wait(30 * time.Second); err != nil {
			t.Errorf("firsthop on node-a after SIGTERM: %v, want exit 0", err)
		}
		t.Logf("node-a drained and exited in %v", time.Since(start).Round(time.Millisecond))
		before := load.Snapshot().Total
		waitLoad(t, load, before+300)
		res := load.Stop()
		t.Logf("through HAProxy across the drain: %d requests, %d failed; by pod %v", res.Total, res.Failed, res.ByLocal)
		if res.Failed != 0 {
			t.Errorf("%d failed requests, want 0: %q", res.Failed, res.Failures)
		}
	})
}

// waitLoad waits until load has sent at least n requests.
func waitLoad(t testing.TB, load *Load, n int) {
	t.Helper()
	Eventually(t, 60*time.Second, fmt.Sprintf("%d requests", n), func() error {
		if s := load.Snapshot(); s.Total < n {
			return fmt.Errorf("%d requests, %d failed", s.Total, s.Failed)
		}
		return nil
	})
}
