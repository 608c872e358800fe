package proxy

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/listen"
)

// bodyEchoBackend starts a backend speaking protocol (HTTP/1.1 or h2c)
// that answers 200 with "method body" for every request.
func bodyEchoBackend(t *testing.T, protocol model.BackendProtocol) netip.AddrPort {
	t.Helper()
	var opts []backendOption
	if protocol == model.ProtocolH2C {
		opts = append(opts, h2cOnly)
	}
	return serveHTTPBackend(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Fprintf(w, "%s %s", r.Method, body)
	}), opts...)
}

// retryPaths are the two upstream paths: the lean HTTP/1.1 one and
// http.Transport's (taken by h2c backends).
var retryPaths = []struct {
	name     string
	protocol model.BackendProtocol
}{{"lean HTTP/1.1 path", model.ProtocolHTTP1}, {"http.Transport path", model.ProtocolH2C}}

// TestRefusedConnectionIsRetriedForEveryMethod: with one of two endpoints
// refusing connections, every request succeeds — POST, PUT and PATCH with
// bodies of known and unknown length included — and the backend gets the
// whole body: a refused connect sent nothing, so the request goes to the
// other endpoint whatever its method.
func TestRefusedConnectionIsRetriedForEveryMethod(t *testing.T) {
	t.Parallel()
	for _, path := range retryPaths {
		t.Run(path.name, func(t *testing.T) {
			t.Parallel()
			dead := refusedAddr(t)
			p := startProxy(t, model.TableSpec{
				Routes: []model.Route{{Path: "/", Backend: "b"}},
				Backends: []model.Backend{{Name: "b", Protocol: path.protocol,
					// Never ejected: every request may land on the refusing
					// endpoint first.
					PassiveHealth: model.PassiveHealth{Failures: 1 << 20},
					Endpoints:     []model.Endpoint{{Addr: dead}, {Addr: bodyEchoBackend(t, path.protocol)}}}},
			}, listen.Policy{})
			client := &http.Client{Timeout: 10 * time.Second}
			for i := range 40 {
				method := []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodGet}[i%5]
				payload := fmt.Sprintf("payload-%d", i)
				var body io.Reader = strings.NewReader(payload)
				if i%2 == 1 {
					body = io.MultiReader(body) // unknown length: chunked
				}
				if method == http.MethodGet {
					body, payload = nil, ""
				}
				req, err := http.NewRequest(method, "http://"+p.addr+"/", body)
				if err != nil {
					t.Fatal(err)
				}
				resp, err := client.Do(req)
				if err != nil {
					t.Fatalf("request %d (%s): %v", i, method, err)
				}
				got, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if want := method + " " + payload; resp.StatusCode != http.StatusOK || string(got) != want {
					t.Fatalf("request %d: got %d %q, want 200 %q", i, resp.StatusCode, got, want)
				}
			}
			// Each request had even odds of trying the refusing endpoint
			// first; the odds that none did are 2^-40.
			if p.srv.endpoints.get(dead).failures.Load() == 0 {
				t.Error("no request tried the refusing endpoint")
			}
		})
	}
}

// TestConnectRetriesAreBounded: when every endpoint refuses, a request is
// tried on maxAttempts endpoints, each once, and gets 502.
func TestConnectRetriesAreBounded(t *testing.T) {
	t.Parallel()
	for _, path := range retryPaths {
		t.Run(path.name, func(t *testing.T) {
			t.Parallel()
			var eps []model.Endpoint
			for range 5 {
				eps = append(eps, model.Endpoint{Addr: refusedAddr(t)})
			}
			p := startProxy(t, model.TableSpec{
				Routes: []model.Route{{Path: "/", Backend: "b"}},
				Backends: []model.Backend{{Name: "b", Protocol: path.protocol,
					PassiveHealth: model.PassiveHealth{Failures: 1 << 20}, Endpoints: eps}},
			}, listen.Policy{})
			resp, err := http.Post("http://"+p.addr+"/", "text/plain", strings.NewReader("body"))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadGateway {
				t.Errorf("status %d, want 502", resp.StatusCode)
			}
			tries := 0
			for _, ep := range eps {
				n := p.srv.endpoints.get(ep.Addr).failures.Load()
				if n > 1 {
					t.Errorf("endpoint %v tried %d times in one request, want at most once", ep.Addr, n)
				}
				tries += int(n)
			}
			if tries != maxAttempts {
				t.Errorf("%d endpoints tried, want %d", tries, maxAttempts)
			}
		})
	}
}

// TestEjectedEndpointsAreVisible: once passive health ejects an endpoint,
// /debug/table shows it ejected (and until when) and firsthop_endpoints
// no longer counts it; when the ejection ends both show it usable again.
func TestEjectedEndpointsAreVisible(t *testing.T) {
	t.Parallel()
	m, handler, err := NewPrometheusMetrics()
	if err != nil {
		t.Fatal(err)
	}
	dead := refusedAddr(t)
	p := startProxyWith(t, model.TableSpec{
		Routes: []model.Route{{Path: "/", Backend: "b"}},
		Backends: []model.Backend{{Name: "b", PassiveHealth: model.PassiveHealth{Failures: 1, Ejection: time.Hour},
			Endpoints: []model.Endpoint{{Addr: dead}, {Addr: echoBackend(t)}}}},
	}, Options{Listeners: []model.ListenerSpec{{Name: "public", Address: "127.0.0.1:0"}}, Metrics: m, MetricsHandler: handler})
	state := p.srv.endpoints.get(dead)
	// Each request lands on the refusing endpoint with even odds until
	// its first failure ejects it.
	for i := 0; !state.ejected(time.Now().UnixNano()); i++ {
		if i == 200 {
			t.Fatal("the refusing endpoint was never ejected")
		}
		if _, failed := get(t, p.addr, 1); failed != 0 {
			t.Fatalf("request %d failed", i)
		}
	}
	const gauge = `firsthop_endpoints{backend="b",tier="cluster"}`
	if v := metricValue(scrape(t, p), gauge); v != "1" {
		t.Errorf("with one endpoint ejected: %s = %q, want 1", gauge, v)
	}
	wantState := func(want string) {
		t.Helper()
		resp, err := http.Get("http://" + p.srv.AdminAddr().String() + "/debug/table")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var table debugTable
		if err := json.NewDecoder(resp.Body).Decode(&table); err != nil {
			t.Fatal(err)
		}
		for _, ep := range table.Backends[0].Tiers[0].Endpoints {
			if ep.Address != dead.String() {
				continue
			}
			if ep.State != want || (want == "ejected") != (ep.EjectedUntil != "") {
				t.Errorf("/debug/table shows the refusing endpoint as %+v, want state %q", ep, want)
			}
			return
		}
		t.Errorf("/debug/table does not list %v", dead)
	}
	wantState("ejected")

	// The ejection ends, as an hour from now would end it.
	state.ejectedUntil.Store(time.Now().Add(-time.Second).UnixNano())
	if v := metricValue(scrape(t, p), gauge); v != "2" {
		t.Errorf("after the ejection: %s = %q, want 2", gauge, v)
	}
	wantState("ready")
}
