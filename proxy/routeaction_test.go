package proxy

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
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

// onEveryPath runs test on each of actionPaths, in parallel.
func onEveryPath(t *testing.T, test func(t *testing.T, path actionPath)) {
	t.Parallel()
	for _, path := range actionPaths {
		t.Run(path.name, func(t *testing.T) {
			t.Parallel()
			test(t, path)
		})
	}
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
	publishRoutes(p.srv, routes)
	if defaults && (p.srv.listeners["fast"].fast == nil || p.srv.listeners["std"].fast != nil) {
		t.Fatal("listener setup: want the fast loop on fast only")
	}
	return p.srv.Addr(path.listener).String(), p
}

// publishRoutes publishes srv's current table with routes compiled in it
// (see actionProxy).
func publishRoutes(srv *Server, routes []model.Route) {
	old := srv.table.Load()
	t := *old
	t.spec.Routes = routes
	t.router = newRouter(routes, nil, t.backends, t.policies)
	srv.table.Store(&t)
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
	onEveryPath(t, func(t *testing.T, path actionPath) {
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

// TestSplitWithoutUsableShareAnswers500: a share whose backend reference
// is unresolved, and a split whose weights are all zero, answer 500
// (Gateway API) without forwarding; a split with a valid and an
// unresolved share answers both ways.
func TestSplitWithoutUsableShareAnswers500(t *testing.T) {
	onEveryPath(t, func(t *testing.T, path actionPath) {
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

// TestBackendTimeoutAnswers504: a backend that sends no response head
// within the route's BackendTimeout gets the client a 504, long before the
// backend's own response-header timeout (a minute), on every path.
func TestBackendTimeoutAnswers504(t *testing.T) {
	onEveryPath(t, func(t *testing.T, path actionPath) {
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

// TestRouteActionCompiles: a plain route has no action; the fast loop
// serves a route whose backends it may pick are all HTTP/1.1 and hands
// the others to net/http, decided when the table is built.
func TestRouteActionCompiles(t *testing.T) {
	t.Parallel()
	backends := map[string]*backend{
		"h1":  testBackend(model.Backend{Name: "h1"}),
		"h2c": testBackend(model.Backend{Name: "h2c", Protocol: model.ProtocolH2C}),
	}
	cases := []struct {
		name       string
		route      model.Route
		action     bool
		servedFast bool
	}{
		{"plain HTTP/1.1", model.Route{Path: "/", Backend: "h1"}, false, true},
		{"plain h2c", model.Route{Path: "/", Backend: "h2c"}, false, false},
		{"HTTP/1.1 with a filter", model.Route{Path: "/", Backend: "h1", Rewrite: &model.Rewrite{Host: "x"}}, true, true},
		{"h2c with a filter", model.Route{Path: "/", Backend: "h2c", BackendTimeout: time.Second}, true, false},
		{"a split of HTTP/1.1", model.Route{Path: "/", Split: []model.WeightedBackend{{Backend: "h1", Weight: 1}, {Backend: "", Weight: 1}}}, true, true},
		{"a split reaching h2c", model.Route{Path: "/", Split: []model.WeightedBackend{{Backend: "h1", Weight: 1}, {Backend: "h2c", Weight: 1}}}, true, false},
		{"a split never reaching h2c", model.Route{Path: "/", Split: []model.WeightedBackend{{Backend: "h1", Weight: 1}, {Backend: "h2c", Weight: 0}}}, true, true},
		{"a redirect", model.Route{Path: "/", Redirect: &model.Redirect{Scheme: "https"}}, true, true},
		{"a direct answer", model.Route{Path: "/", Respond: &model.DirectResponse{Status: 200}}, true, true},
	}
	for _, c := range cases {
		rule := &newRouter([]model.Route{c.route}, nil, backends, nil).def.anyHost.paths[0]
		if (rule.action != nil) != c.action || rule.servedFast() != c.servedFast {
			t.Errorf("%s: action %v, served fast %v; want %v, %v", c.name, rule.action != nil, rule.servedFast(), c.action, c.servedFast)
		}
	}
}

// TestBackendTimeoutIsAViewOfTheBackend: a route's BackendTimeout gives
// its requests the backend's endpoints with that response-header timeout
// and a transport of it; the backend itself is unchanged.
func TestBackendTimeoutIsAViewOfTheBackend(t *testing.T) {
	t.Parallel()
	pool := &transportPool{}
	b := newBackend(&model.Backend{Name: "b", Endpoints: []model.Endpoint{{Addr: netip.MustParseAddrPort("192.0.2.1:80")}}}, "", "", &endpointStates{}, pool)
	v := b.withHeaderTimeout(2 * time.Second)
	if v == b || v.upstream.responseHeader != 2*time.Second || v.transport != pool.get(v.upstream, nil) || v.groups[0][0] != b.groups[0][0] {
		t.Errorf("view %+v of %+v", v, b)
	}
	if b.upstream.responseHeader != model.DefaultResponseHeaderTimeout {
		t.Errorf("the backend's own timeout changed to %v", b.upstream.responseHeader)
	}
	if b.withHeaderTimeout(0) != b || b.withHeaderTimeout(model.DefaultResponseHeaderTimeout) != b {
		t.Error("no timeout of its own should give the backend itself")
	}
}

// TestRebindRepointsActionBackends: rebinding a router to recompiled
// backends repoints the shares of a split and the mirrors, and keeps the
// router when nothing changed.
func TestRebindRepointsActionBackends(t *testing.T) {
	t.Parallel()
	mk := func() map[string]*backend {
		return map[string]*backend{"a": testBackend(model.Backend{Name: "a"}), "b": testBackend(model.Backend{Name: "b"}), "m": testBackend(model.Backend{Name: "m"})}
	}
	old := mk()
	rt := newRouter([]model.Route{
		{Path: "/split", Split: []model.WeightedBackend{{Backend: "a", Weight: 1}, {Backend: "b", Weight: 1}, {Backend: "", Weight: 1}}},
		{Path: "/mirror", Backend: "a", Mirror: []model.Mirror{{Backend: "m"}}},
		{Path: "/redirect", Redirect: &model.Redirect{Scheme: "https"}},
	}, nil, old, nil)
	if rt.rebind(old) != rt {
		t.Error("rebinding to the same backends made a new router")
	}
	next := mk()
	next["a"] = old["a"]
	rt2 := rt.rebind(next)
	split, mirror := rt2.match(&routeRequest{host: "x", path: "/split"}).action, rt2.match(&routeRequest{host: "x", path: "/mirror"}).action
	if split.shares[0].backend != next["a"] || split.shares[1].backend != next["b"] || split.shares[2].backend != nil {
		t.Errorf("split shares point at %p %p %p, want %p %p nil", split.shares[0].backend, split.shares[1].backend, split.shares[2].backend, next["a"], next["b"])
	}
	if mirror.mirrors[0].backend != next["m"] {
		t.Error("the mirror still points at the old backend")
	}
	if old := rt.match(&routeRequest{host: "x", path: "/split"}).action; old.shares[1].backend == next["b"] {
		t.Error("rebind modified the old router")
	}
}

// TestDebugTableShowsActions: /debug/table says what a route does
// beyond forwarding, and which filters it has.
func TestDebugTableShowsActions(t *testing.T) {
	t.Parallel()
	spec := model.TableSpec{
		Routes: []model.Route{
			{Path: "/", Backend: "a"},
			{Path: "/s", Split: []model.WeightedBackend{{Backend: "a", Weight: 80}, {Backend: "", Weight: 20}},
				RequestHeaders: &model.HeaderModifier{Remove: []string{"X-A"}, Set: []model.Header{{Name: "X-B", Value: "1"}}},
				Rewrite:        &model.Rewrite{Host: "in.test", Path: &model.PathRewrite{Type: model.RewritePrefix, Value: "/v2"}},
				Mirror:         []model.Mirror{{Backend: "a", Percent: 10}}, BackendTimeout: 2 * time.Second},
			{Path: "/r", Redirect: &model.Redirect{Scheme: "https", Port: 8443, Status: 301}},
			{Path: "/d", Respond: &model.DirectResponse{Status: 200, Body: "ok"}},
		},
		Backends: echoBackends(t, "a"),
	}
	_, p := actionProxy(t, spec, actionPaths[0])
	var table debugTable
	getJSON(t, "http://"+p.srv.AdminAddr().String()+"/debug/table", &table)
	want := []struct {
		action  string
		filters []string
	}{
		{"", nil},
		{"split a=80 <unresolved>=20", []string{"request headers -X-A =X-B", "rewrite host in.test, path prefix /v2", "mirror to a (10%)", "backend timeout 2s"}},
		{"redirect 301 to https://:8443", nil},
		{"respond 200 text/plain (2 bytes)", nil},
	}
	for i, w := range want {
		if got := table.Routes[i]; got.Action != w.action || strings.Join(got.Filters, "|") != strings.Join(w.filters, "|") {
			t.Errorf("route %s: action %q filters %q, want %q %q", got.Path, got.Action, got.Filters, w.action, w.filters)
		}
	}
}
