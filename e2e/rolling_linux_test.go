package e2e

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestRollingReplacement replaces the 10 pods of a Service one by one, as
// a Deployment's rolling update does, under steady load through firsthop:
// each step adds a new ready pod, turns an old one terminating, removes it
// from the slice and stops it. No request may fail, and each new pod must
// get traffic soon after its endpoint appears; the time from the
// EndpointSlice update to the first answer from the new pod is reported.
func TestRollingReplacement(t *testing.T) {
	const pods = 10
	k := newKube(t)
	old, next := make([]*Host, pods), make([]*Host, pods)
	oldProcs := make([]*Proc, pods)
	for i := range pods {
		old[i] = k.fabric.Pod(t, fmt.Sprintf("old-%d", i))
		next[i] = k.fabric.Pod(t, fmt.Sprintf("new-%d", i))
		oldProcs[i] = old[i].Echo(t, echoPort)
		next[i].Echo(t, echoPort)
	}
	// The live set of endpoints, updated step by step.
	live := make([]PodEndpoint, 0, 2*pods)
	for i := range pods {
		live = append(live, PodEndpoint{Addr: old[i].IPv4, Node: "node-a"})
	}
	k.setSlice(t, live...)
	k.nodeA.FirsthopIngress(t, k.cluster, IngressSpec{Config: k.ingressConfig(), Args: []string{"--election-id", ""}})
	Must[any](t, "creating the Ingress")(k.cs.NetworkingV1().Ingresses(kubeNS).Create(Ctx(t), IngressObject(kubeNS, "app", kubeClass,
		IngressRoute{Host: "app.example.com", Path: "/", Service: kubeSvc}), metav1.CreateOptions{}))
	url := "http://" + k.nodeA.Addr4(l7Port).String() + "/"
	client := func() *http.Client { return k.client.HTTPClient(5 * time.Second) }
	waitFor(t, client(), "app served", url, "app.example.com", status(http.StatusOK))

	load := StartLoad(LoadSpec{Client: client, URL: url, Host: "app.example.com", Workers: 4})
	waitLoad(t, load, 200)
	var took []time.Duration
	for i := range pods {
		// A new pod, ready: traffic reaches it.
		live = append(live, PodEndpoint{Addr: next[i].IPv4, Node: "node-a"})
		k.setSlice(t, live...)
		start := time.Now()
		want := next[i].Addr4(echoPort).String()
		before := load.Snapshot().ByLocal[want]
		took = append(took, Elapsed(t, start, 30*time.Second, "traffic on "+next[i].Name, func() error {
			if load.Snapshot().ByLocal[want] == before {
				return fmt.Errorf("no answer from %s yet", next[i].Name)
			}
			return nil
		}))
		// The old one: terminating, then gone from the slice, then stopped.
		j := slices.IndexFunc(live, func(e PodEndpoint) bool { return e.Addr == old[i].IPv4 })
		live[j].Terminating = true
		k.setSlice(t, live...)
		live = slices.Delete(live, j, j+1)
		k.setSlice(t, live...)
		gone := old[i].Addr4(echoPort).String()
		Eventually(t, 30*time.Second, old[i].Name+" out of rotation", func() error {
			s1 := load.Snapshot().ByLocal[gone]
			time.Sleep(100 * time.Millisecond)
			if s2 := load.Snapshot().ByLocal[gone]; s2 != s1 {
				return fmt.Errorf("%s still answering", old[i].Name)
			}
			return nil
		})
		if err := oldProcs[i].Stop(); err != nil && !isSignalled(err) {
			t.Logf("stopping %s: %v", old[i].Name, err)
		}
	}
	res := load.Stop()
	slices.Sort(took)
	t.Logf("rolling replacement of %d pods under load: %d requests, %d failed; EndpointSlice update to traffic on the new pod: median %v, max %v",
		pods, res.Total, res.Failed, took[len(took)/2], took[len(took)-1])
	if res.Failed != 0 {
		t.Errorf("%d failed requests, want 0: %q", res.Failed, res.Failures)
	}
	for i := range pods {
		if res.ByLocal[next[i].Addr4(echoPort).String()] == 0 {
			t.Errorf("new pod %s never answered", next[i].Name)
		}
	}
}
