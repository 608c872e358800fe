package proxy

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/firsthop/firsthop/model"
)

// TestMirrorGetsACopy: on every serving path a mirror gets the request as
// the backend gets it — method, rewritten path with the query, Host,
// modified header with firsthop's forwarding headers, a small body — and
// a request whose body is longer than maxMirrorBody is forwarded but not
// mirrored.
func TestMirrorGetsACopy(t *testing.T) {
	onEveryPath(t, func(t *testing.T, path actionPath) {
		mirror := startRawBackend(t, nil)
		spec := model.TableSpec{
			Headers: model.ForwardedHeaders{XForwardedFor: model.HeaderAppend},
			Routes: []model.Route{{Path: "/api", Backend: "b",
				RequestHeaders: &model.HeaderModifier{Set: []model.Header{{Name: "X-Mod", Value: "1"}}},
				Rewrite:        &model.Rewrite{Path: &model.PathRewrite{Type: model.RewritePrefix, Value: "/v2"}},
				Mirror:         []model.Mirror{{Backend: "m"}},
			}},
			Backends: append(echoBackends(t, "b"), model.Backend{Name: "m", Endpoints: []model.Endpoint{{Addr: mirror.addr}}}),
		}
		addr, p := actionProxy(t, spec, path)
		big := strings.Repeat("x", maxMirrorBody+1)
		if got := echoOf(t, exchangeRaw(t, addr, fmt.Sprintf("PUT /api/big HTTP/1.1\r\nHost: app.test\r\nContent-Length: %d\r\n\r\n%s", len(big), big), "PUT")); got.Path != "/v2/big" {
			t.Errorf("the big request reached %q, want /v2/big", got.Path)
		}
		waitFor(t, "the big request counted as not mirrored", func() bool {
			return strings.Contains(metricsText(p.srv.opts.MetricsHandler), `firsthop_mirror_requests_total{backend="m",outcome="body-too-large"} 1`)
		})
		if got := echoOf(t, exchangeRaw(t, addr, "GET /api/x?q=1 HTTP/1.1\r\nHost: app.test\r\nX-Client: c\r\n\r\n", "GET")); got.Path != "/v2/x" {
			t.Errorf("the backend saw %q, want /v2/x", got.Path)
		}
		echoOf(t, exchangeRaw(t, addr, "POST /api/form HTTP/1.1\r\nHost: app.test\r\nContent-Length: 5\r\n\r\nhello", "POST"))
		waitFor(t, "two copies at the mirror", func() bool { return len(mirror.requests()) == 2 })
		byURI := map[string]seenRequest{}
		for _, r := range mirror.requests() {
			byURI[r.URI] = r
		}
		get, post := byURI["/v2/x?q=1"], byURI["/v2/form"]
		if get.Method != "GET" || get.Host != "app.test" || get.Header.Get("X-Mod") != "1" || get.Header.Get("X-Client") != "c" ||
			get.Header.Get("X-Forwarded-For") != "127.0.0.1" {
			t.Errorf("the mirror got %+v, want GET /v2/x?q=1 for app.test with X-Mod, X-Client and X-Forwarded-For", get)
		}
		if post.Method != "POST" || string(post.Body) != "hello" {
			t.Errorf("the mirror got %+v, want POST /v2/form with the body", post)
		}
		// Counted once the mirror's answer is read, after it got the copy.
		waitFor(t, "2 copies counted as sent", func() bool {
			return strings.Contains(metricsText(p.srv.opts.MetricsHandler), `firsthop_mirror_requests_total{backend="m",outcome="sent"} 2`)
		})
	})
}

// grepLines returns the lines of s holding sub.
func grepLines(s, sub string) string {
	var out []string
	for l := range strings.Lines(s) {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "")
}

// TestSlowOrDeadMirrorDoesNotDelayTheClient: the client gets its answer
// while one mirror holds its copy unanswered (it answers only once the
// client has) and another refuses connections: were the client waiting for
// either, the exchange would never end.
func TestSlowOrDeadMirrorDoesNotDelayTheClient(t *testing.T) {
	onEveryPath(t, func(t *testing.T, path actionPath) {
		got := make(chan struct{}, 10)
		release := make(chan struct{})
		slow := startScriptBackend(t, func(c net.Conn, _ *bufio.Reader, r *http.Request, _ []byte) {
			got <- struct{}{}
			<-release
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
		})
		t.Cleanup(func() { close(release) }) // before the backend's own cleanup waits for its answers
		spec := model.TableSpec{
			Routes: []model.Route{{Path: "/", Backend: "b", Mirror: []model.Mirror{{Backend: "slow"}, {Backend: "dead"}}}},
			Backends: append(echoBackends(t, "b"),
				model.Backend{Name: "slow", Endpoints: []model.Endpoint{{Addr: slow.addr}}},
				model.Backend{Name: "dead", Endpoints: []model.Endpoint{{Addr: refusedAddr(t)}}}),
		}
		addr, p := actionProxy(t, spec, path)
		for i := range 3 {
			if res := exchangeRaw(t, addr, "GET /x HTTP/1.1\r\nHost: app.test\r\n\r\n", "GET"); res.Status != http.StatusOK {
				t.Fatalf("request %d: got %d %q, want 200", i, res.Status, res.Body)
			}
		}
		<-got // the slow mirror has a copy, unanswered
		waitFor(t, "the dead mirror's failures counted", func() bool {
			return strings.Contains(metricsText(p.srv.opts.MetricsHandler), `firsthop_mirror_requests_total{backend="dead",outcome="failed"} 3`)
		})
	})
}

// TestMirrorDropsCopiesPastItsLimit: with one copy in flight allowed and a
// mirror that does not answer, the next request's copy is dropped and
// counted, and the request itself is served.
func TestMirrorDropsCopiesPastItsLimit(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	slow := startScriptBackend(t, func(c net.Conn, _ *bufio.Reader, r *http.Request, _ []byte) {
		<-release
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
	})
	t.Cleanup(func() { close(release) })
	spec := model.TableSpec{
		Backends: append(echoBackends(t, "b"), model.Backend{Name: "slow", Endpoints: []model.Endpoint{{Addr: slow.addr}}}),
	}
	table, err := NewTable(spec)
	if err != nil {
		t.Fatal(err)
	}
	table.router = newRouter([]model.Route{{Path: "/", Backend: "b", Mirror: []model.Mirror{{Backend: "slow"}}}}, nil, table.backends, nil)
	m, mh, err := NewPrometheusMetrics()
	if err != nil {
		t.Fatal(err)
	}
	h := newHandler(func() *Table { return table }, handlerOptions{listener: "l", log: quietLogger(), metrics: m, mirrorLimit: 1})
	for i := range 3 {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "http://app.test/", nil)
		req.RemoteAddr = "192.0.2.1:1234"
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("request %d: got %d, want 200", i, rec.Code)
		}
	}
	if got := metricsText(mh); !strings.Contains(got, `firsthop_mirror_requests_total{backend="slow",outcome="dropped"} 2`) {
		t.Errorf("/metrics does not count 2 copies dropped:\n%s", grepLines(got, "mirror"))
	}
}

// TestMirrorSampling: a mirror of 25 percent gets about a quarter of the
// requests; 0 and 100 get all.
func TestMirrorSampling(t *testing.T) {
	t.Parallel()
	n, hit := 4000, 0
	for range n {
		if (&mirrorTarget{percent: 25}).sampled() {
			hit++
		}
	}
	// 1,000 expected, standard deviation about 27: 6 of them either side.
	if hit < 1000-165 || hit > 1000+165 {
		t.Errorf("%d of %d sampled at 25%%", hit, n)
	}
	for _, p := range []int{0, 100} {
		for range 100 {
			if !(&mirrorTarget{percent: p}).sampled() {
				t.Fatalf("percent %d left a request out", p)
			}
		}
	}
}
