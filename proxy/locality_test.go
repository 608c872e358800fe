package proxy

import (
	"io"
	"net/http"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/listen"
)

// localityProxy serves one backend whose endpoints are given with their
// nodes, for a proxy on node-a in zone-1.
func localityProxy(t *testing.T, b model.Backend) *testProxy {
	t.Helper()
	b.Name = "app"
	return startProxy(t, model.TableSpec{
		Node: "node-a", Zone: "zone-1",
		Routes:   []model.Route{{Path: "/", Backend: "app"}},
		Backends: []model.Backend{b},
	}, listen.Policy{})
}

// get sends n sequential requests and returns the X-Test-Backend answers
// by count, and the number of requests that did not get 200.
func get(t *testing.T, addr string, n int) (map[string]int, int) {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	served, failed := map[string]int{}, 0
	for range n {
		resp, err := client.Get("http://" + addr + "/")
		if err != nil {
			failed++
			continue
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			failed++
			continue
		}
		served[resp.Header.Get("X-Test-Backend")]++
	}
	return served, failed
}

func TestLocalEndpointsTakeTheTraffic(t *testing.T) {
	t.Parallel()
	p := localityProxy(t, model.Backend{Endpoints: []model.Endpoint{
		{Addr: namedEchoBackend(t, "local-1"), Node: "node-a", Zone: "zone-1"},
		{Addr: namedEchoBackend(t, "remote-1"), Node: "node-b", Zone: "zone-1"},
		{Addr: namedEchoBackend(t, "local-2"), Node: "node-a", Zone: "zone-1"},
		{Addr: namedEchoBackend(t, "remote-2"), Node: "node-c", Zone: "zone-2"},
	}})
	served, failed := get(t, p.addr, 400)
	local := served["local-1"] + served["local-2"]
	t.Logf("served %v, %d failed", served, failed)
	if failed != 0 || local*100 < 400*99 {
		t.Errorf("local share %d/400 with %d failures, want at least 99%% local and none failed", local, failed)
	}
	if served["local-1"] == 0 || served["local-2"] == 0 {
		t.Errorf("one local endpoint got nothing: %v", served)
	}
}

func TestDeadLocalEndpointsFallBackWithoutFailures(t *testing.T) {
	t.Parallel()
	p := localityProxy(t, model.Backend{Endpoints: []model.Endpoint{
		{Addr: refusedAddr(t), Node: "node-a", Zone: "zone-1"},
		{Addr: refusedAddr(t), Node: "node-a", Zone: "zone-1"},
		{Addr: namedEchoBackend(t, "remote"), Node: "node-b", Zone: "zone-2"},
	}})
	served, failed := get(t, p.addr, 100)
	if failed != 0 || served["remote"] != 100 {
		t.Errorf("served %v, %d failed; want every request served by the remote endpoint", served, failed)
	}
}

func TestSpillOverWhenLocalIsAtItsCap(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var held sync.WaitGroup
	slowLocal := serveHTTPBackend(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		held.Done()
		<-release
		w.Header().Set("X-Test-Backend", "local")
	}))
	p := localityProxy(t, model.Backend{MaxInflightPerEndpoint: 2, Endpoints: []model.Endpoint{
		{Addr: slowLocal, Node: "node-a", Zone: "zone-1"},
		{Addr: namedEchoBackend(t, "remote"), Node: "node-b", Zone: "zone-1"},
	}})
	// Two requests occupy the local endpoint up to its cap.
	held.Add(2)
	done := make(chan map[string]int, 2)
	for range 2 {
		go func() { s, _ := get(t, p.addr, 1); done <- s }()
	}
	held.Wait()
	// The next ones spill to the remote endpoint, request by request.
	served, failed := get(t, p.addr, 5)
	if failed != 0 || served["remote"] != 5 {
		t.Errorf("with the local endpoint at its cap: served %v, %d failed; want all 5 on the remote endpoint", served, failed)
	}
	close(release)
	for range 2 {
		if s := <-done; s["local"] != 1 {
			t.Errorf("held request served by %v, want local", s)
		}
	}
	// Below the cap again, traffic returns to the local endpoint.
	held.Add(1)
	go func() { held.Wait() }()
	if served, _ := get(t, p.addr, 1); served["local"] != 1 {
		t.Errorf("after the cap cleared: served %v, want local", served)
	}
}

func TestHealthzLocal(t *testing.T) {
	t.Parallel()
	p := startProxy(t, model.TableSpec{
		Node:   "node-a",
		Routes: []model.Route{{Path: "/a", Backend: "has-local"}, {Path: "/b", Backend: "remote-only"}},
		Backends: []model.Backend{
			{Name: "has-local", Endpoints: []model.Endpoint{{Addr: netip.MustParseAddrPort("10.0.0.1:80"), Node: "node-a"}}},
			{Name: "remote-only", Endpoints: []model.Endpoint{{Addr: netip.MustParseAddrPort("10.0.0.2:80"), Node: "node-b"}}},
		},
	}, listen.Policy{})
	for query, want := range map[string]int{
		"":                     http.StatusOK,
		"?backend=has-local":   http.StatusOK,
		"?backend=remote-only": http.StatusServiceUnavailable,
		"?backend=missing":     http.StatusNotFound,
	} {
		resp, err := http.Get("http://" + p.srv.AdminAddr().String() + "/healthz/local" + query)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("/healthz/local%s = %d, want %d", query, resp.StatusCode, want)
		}
	}
}
