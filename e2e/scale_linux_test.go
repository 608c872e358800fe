package e2e

import (
	"fmt"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ScaleEnv turns TestScale and TestScaleGatewayAPI on: they create
// thousands of objects and take minutes, so they are measurements to run
// by hand, not CI tests. "1" means 5,000 objects of each kind, another
// number that many.
const ScaleEnv = "FIRSTHOP_E2E_SCALE"

// TestScale measures firsthop ingress on a large cluster: N Ingresses, each
// with its own Service and an EndpointSlice of 10 endpoints (N=5000 unless
// $FIRSTHOP_E2E_SCALE is another number). It reports the time from start
// to the first table (/readyz), the process's memory after sync, and the
// time from one EndpointSlice update to traffic on the new endpoint.
//
//	FIRSTHOP_E2E_SCALE=1 go test ./e2e/ -run 'TestScale$' -v -timeout 30m
//
// The endpoints of the other Services are addresses in 10.0.0.0/8 that no
// host has and no request is ever sent to; the fabric has no route out.
func TestScale(t *testing.T) {
	n := scaleSize(t, "Ingresses")
	const per = 10
	k := newKube(t)
	cs := k.cs
	start := time.Now()
	parallel(t, 16, n, func(i int) error {
		name := fmt.Sprintf("app-%d", i)
		svc := ServiceObject(kubeNS, name)
		svc.Spec.ClusterIP = "None" // headless: the service range has 126 addresses
		if _, err := cs.CoreV1().Services(kubeNS).Create(Ctx(t), svc, metav1.CreateOptions{}); err != nil {
			return err
		}
		eps := make([]PodEndpoint, per)
		for j := range eps {
			eps[j] = PodEndpoint{Addr: netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), byte(j + 1)}), Node: fmt.Sprintf("node-%d", (i+j)%50)}
		}
		if _, err := cs.DiscoveryV1().EndpointSlices(kubeNS).Create(Ctx(t), EndpointSliceObject(kubeNS, name+"-1", name, eps...), metav1.CreateOptions{}); err != nil {
			return err
		}
		_, err := cs.NetworkingV1().Ingresses(kubeNS).Create(Ctx(t), IngressObject(kubeNS, name, kubeClass,
			IngressRoute{Host: name + ".example.com", Path: "/", Service: name}), metav1.CreateOptions{})
		return err
	})
	t.Logf("created %d Ingresses, Services and EndpointSlices (%d endpoints) in %v", n, n*per, time.Since(start).Round(time.Millisecond))
	// One more, served by real pods, for the update measurement.
	k.setSlice(t, endpointsOn(k.podA, "node-a")...)
	Must[any](t, "creating Ingress web")(cs.NetworkingV1().Ingresses(kubeNS).Create(Ctx(t), IngressObject(kubeNS, "web", kubeClass,
		IngressRoute{Host: "web.example.com", Path: "/", Service: kubeSvc}), metav1.CreateOptions{}))

	start = time.Now()
	fh := k.nodeA.FirsthopIngress(t, k.cluster, IngressSpec{Config: k.ingressConfig(), Args: []string{"--election-id", ""}})
	firstTable := time.Since(start)
	rss, hwm := procMemory(t, fh.PID())
	t.Logf("firsthop ingress: first table (/readyz 200) %v after start; VmRSS %d MiB, VmHWM %d MiB after sync",
		firstTable.Round(time.Millisecond), rss>>10, hwm>>10)

	c := k.client.HTTPClient(5 * time.Second)
	url := "http://" + k.nodeA.Addr4(l7Port).String() + "/"
	waitFor(t, c, "web served", url, "web.example.com", servedBy(k.podA))
	var took []time.Duration
	pods := []*Host{k.podB, k.podA}
	for i := range 10 {
		pod := pods[i%2]
		k.setSlice(t, endpointsOn(pod, "node-a")...)
		want := servedBy(pod)
		took = append(took, Elapsed(t, time.Now(), 30*time.Second, "traffic on "+pod.Name, func() error {
			r, err := get(c, url, "web.example.com")
			if err != nil {
				return err
			}
			return want(r)
		}))
	}
	slices.Sort(took)
	rss2, hwm2 := procMemory(t, fh.PID())
	t.Logf("one EndpointSlice update to traffic on the new endpoint, %d rounds: median %v, max %v; VmRSS %d MiB, VmHWM %d MiB after",
		len(took), took[len(took)/2], took[len(took)-1], rss2>>10, hwm2>>10)
	if firstTable > 5*time.Second {
		t.Logf("first table took over the 5s goal")
	}
}

// scaleSize returns the number of objects a scale test makes: 5000, or
// the number in $FIRSTHOP_E2E_SCALE; without it the test skips.
func scaleSize(t *testing.T, what string) int {
	t.Helper()
	switch v := os.Getenv(ScaleEnv); v {
	case "":
		t.Skipf("a measurement, not a CI test: set %s=1 (or a number of %s) to run it", ScaleEnv, what)
	case "1":
		return 5000
	default:
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: want 1 or a number of %s", ScaleEnv, v, what)
		}
		return n
	}
	return 0
}

// parallel runs fn(0..n-1) on workers goroutines, failing t with the first
// error.
func parallel(t testing.TB, workers, n int, fn func(i int) error) {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	next := make(chan int)
	for range workers {
		wg.Go(func() {
			for i := range next {
				if err := fn(i); err != nil {
					mu.Lock()
					if first == nil {
						first = fmt.Errorf("item %d: %w", i, err)
					}
					mu.Unlock()
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	if first != nil {
		t.Fatal(first)
	}
}

// procMemory returns a process's VmRSS and VmHWM in KiB.
func procMemory(t testing.TB, pid int) (rss, hwm int) {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.Atoi(f[1])
		switch f[0] {
		case "VmRSS:":
			rss = v
		case "VmHWM:":
			hwm = v
		}
	}
	return rss, hwm
}
