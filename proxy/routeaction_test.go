package proxy

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/echo"
)

// actionPath is one way a request of a route with an action is served.
type actionPath struct {
	name string
	// listener is "fast" (plain HTTP/1.1: the fast loop) or "std" (h2c
	// on, so that net/http's server serves every request).
	listener string
	// protocol is what every backend speaks: HTTP/1.1 takes the lean
	// upstream path, h2c httputil.ReverseProxy's.
	protocol model.BackendProtocol
}

// actionPaths are the serving paths the route actions are tested on.
var actionPaths = []actionPath{
	{"fast loop, lean path", "fast", model.ProtocolHTTP1},
	{"net/http, lean path", "std", model.ProtocolHTTP1},
	{"net/http, reverse proxy", "std", model.ProtocolH2C},
}

// actionProxy starts a proxy with the listeners of fastAndStd (or
// listeners) serving spec, its backends speaking path.protocol but for
// the routes' mirrors, which keep theirs, and returns the address of
// path's listener and the proxy.
//
// spec's routes are compiled as they are, without [model.TableSpec.Validate]:
// this package's tests check what the data plane does with a valid route,
// and Validate's rules for actions and filters are tested with Validate.
func actionProxy(t *testing.T, spec model.TableSpec, path actionPath, listeners ...model.ListenerSpec) (string, *testProxy) {
	t.Helper()
	defaults := len(listeners) == 0
	if defaults {
		listeners = []model.ListenerSpec{
			{Name: "fast", Address: "127.0.0.1:0", AccessLog: true},
			{Name: "std", Address: "127.0.0.1:0", H2C: true, AccessLog: true},
		}
	}
	routes := spec.Routes
	spec.Routes = nil
	spec.Backends = append([]model.Backend(nil), spec.Backends...)
	mirrors := map[string]bool{}
	for _, r := range routes {
		for _, m := range r.Mirror {
			mirrors[m.Backend] = true
		}
	}
	for i := range spec.Backends {
		if !mirrors[spec.Backends[i].Name] {
			spec.Backends[i].Protocol = path.protocol
		}
	}
	m, mh, err := NewPrometheusMetrics()
	if err != nil {
		t.Fatal(err)
	}
	p := startProxyWith(t, spec, Options{Listeners: listeners, AccessLog: &lockedBuffer{}, Metrics: m, MetricsHandler: mh})
	publishRoutes(p, routes)
	if defaults && (p.srv.listeners["fast"].fast == nil || p.srv.listeners["std"].fast != nil) {
		t.Fatal("listener setup: want the fast loop on fast only")
	}
	return p.srv.Addr(path.listener).String(), p
}

// publishRoutes publishes p's current table with routes compiled in it
// (see actionProxy).
func publishRoutes(p *testProxy, routes []model.Route) {
	old := p.srv.table.Load()
	t := *old
	t.spec.Routes = routes
	t.router = newRouter(routes, t.backends, t.policies)
	p.srv.table.Store(&t)
}

// metricsText returns what the metrics handler mh shows.
func metricsText(mh http.Handler) string {
	rec := httptest.NewRecorder()
	mh.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	return rec.Body.String()
}

// echoBackends returns backends named by names, each an echo backend
// answering with X-Test-Backend: its name.
func echoBackends(t *testing.T, names ...string) []model.Backend {
	t.Helper()
	var bs []model.Backend
	for _, n := range names {
		bs = append(bs, model.Backend{Name: n, Endpoints: []model.Endpoint{{Addr: namedEchoBackend(t, n)}}})
	}
	return bs
}

// echoOf decodes what the echo backend saw from an answer, failing on
// anything but 200.
func echoOf(t *testing.T, res rawResult) echo.Request {
	t.Helper()
	if res.Status != http.StatusOK {
		t.Fatalf("status %d (%s), want 200: %s", res.Status, res.Err, res.Body)
	}
	var got echo.Request
	if err := json.Unmarshal([]byte(res.Body), &got); err != nil {
		t.Fatalf("answer is not echo JSON: %v\n%s", err, res.Body)
	}
	return got
}

// getMany sends n requests "GET path" for host on one keep-alive
// connection and returns how many answers each status and X-Test-Backend
// value had ("500 " for a 500 without one).
func getMany(t *testing.T, addr, host, path string, n int) map[string]int {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	br := bufio.NewReader(c)
	raw := "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n"
	got := map[string]int{}
	for range n {
		if _, err := c.Write([]byte(raw)); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		var sb strings.Builder
		if _, err := bufio.NewReader(resp.Body).WriteTo(&sb); err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		got[fmt.Sprintf("%d %s", resp.StatusCode, resp.Header.Get("X-Test-Backend"))]++
	}
	return got
}

// TestSplitSpreadsRequestsByWeight: 2,000 requests on a split of weights
// 3, 1 and 0 land about 3:1 on the first two, none on the third, on every
// serving path, and the access log names the backend each one went to.
func TestSplitSpreadsRequestsByWeight(t *testing.T) {
	t.Parallel()
	for _, path := range actionPaths {
		t.Run(path.name, func(t *testing.T) {
			t.Parallel()
			spec := model.TableSpec{
				Routes: []model.Route{{Path: "/", Split: []model.WeightedBackend{
					{Backend: "a", Weight: 3}, {Backend: "b", Weight: 1}, {Backend: "never", Weight: 0},
				}}},
				Backends: echoBackends(t, "a", "b", "never"),
			}
			addr, p := actionProxy(t, spec, path)
			const n = 2000
			got := getMany(t, addr, "app.test", "/", n)
			// 1,500 expected on a, with a standard deviation of about 19:
			// 6 of them either side fail once in 10^9 runs.
			if a, b := got["200 a"], got["200 b"]; a+b != n || a < 1500-120 || a > 1500+120 {
				t.Errorf("answers %v: want 200s only, about 1500 from a and 500 from b", got)
			}
			logs := p.srv.opts.AccessLog.(*lockedBuffer)
			waitFor(t, "every request in the access log", func() bool {
				return strings.Count(logs.String(), `"backend":"`) >= n
			})
			if a, b := strings.Count(logs.String(), `"backend":"a"`), strings.Count(logs.String(), `"backend":"b"`); a != got["200 a"] || b != got["200 b"] {
				t.Errorf("access log names a %d and b %d times; the answers came %d and %d times from them", a, b, got["200 a"], got["200 b"])
			}
		})
	}
}

// TestSplitWithoutUsableShareAnswers500: a share whose backend reference
// is unresolved, and a split whose weights are all zero, answer 500
// (Gateway API) without forwarding; a split with a valid and an
// unresolved share answers both ways.
func TestSplitWithoutUsableShareAnswers500(t *testing.T) {
	t.Parallel()
	for _, path := range actionPaths {
		t.Run(path.name, func(t *testing.T) {
			t.Parallel()
			spec := model.TableSpec{
				Routes: []model.Route{
					{Path: "/unresolved", Split: []model.WeightedBackend{{Backend: "", Weight: 1}}},
					{Path: "/zero", Split: []model.WeightedBackend{{Backend: "a", Weight: 0}, {Backend: "b", Weight: 0}}},
					{Path: "/half", Split: []model.WeightedBackend{{Backend: "a", Weight: 1}, {Backend: "", Weight: 1}}},
				},
				Backends: echoBackends(t, "a", "b"),
			}
			addr, _ := actionProxy(t, spec, path)
			for _, p := range []string{"/unresolved", "/zero"} {
				if got := getMany(t, addr, "app.test", p, 5); got["500 "] != 5 {
					t.Errorf("%s: answers %v, want 500 only", p, got)
				}
			}
			// Each request has even odds: both answers are missing from
			// 200 once in 2^199 runs.
			if got := getMany(t, addr, "app.test", "/half", 200); got["200 a"]+got["500 "] != 200 || got["200 a"] == 0 || got["500 "] == 0 {
				t.Errorf("/half: answers %v, want 200 from a and 500, both", got)
			}
		})
	}
}

// TestBackendTimeoutAnswers504: a backend that sends no response head
// within the route's BackendTimeout gets the client a 504, long before the
// backend's own response-header timeout (a minute), on every path.
func TestBackendTimeoutAnswers504(t *testing.T) {
	t.Parallel()
	for _, path := range actionPaths {
		t.Run(path.name, func(t *testing.T) {
			t.Parallel()
			spec := model.TableSpec{
				Routes:   []model.Route{{Path: "/", Backend: "s", BackendTimeout: 200 * time.Millisecond}},
				Backends: echoBackends(t, "s"),
			}
			addr, _ := actionProxy(t, spec, path)
			if res := exchangeRaw(t, addr, "GET /slow HTTP/1.1\r\nHost: app.test\r\nX-Test-Stall: 1\r\n\r\n", "GET"); res.Status != http.StatusGatewayTimeout {
				t.Errorf("/slow: got %d %q, want 504", res.Status, res.Body)
			}
			if res := exchangeRaw(t, addr, "GET /fast HTTP/1.1\r\nHost: app.test\r\n\r\n", "GET"); res.Status != http.StatusOK {
				t.Errorf("/fast: got %d %q, want 200", res.Status, res.Body)
			}
		})
	}
}
