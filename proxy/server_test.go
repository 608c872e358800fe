package proxy

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firsthop/firsthop/proxy/clientip"
	"github.com/firsthop/firsthop/proxy/echo"
	"github.com/firsthop/firsthop/proxy/listen"
	proxyproto "github.com/pires/go-proxyproto"

	"github.com/firsthop/firsthop/model"
)

// testProxy is a Server running on loopback for one test.
type testProxy struct {
	srv  *Server
	addr string // the "public" listener
	// stop drains the server and waits for Serve to return; it runs when
	// the test ends and may be called before that.
	stop func()
}

// startProxy starts a Server with one listener "public" on 127.0.0.1:0
// (PROXY policy pp) serving spec, and stops it when the test ends.
func startProxy(t *testing.T, spec model.TableSpec, pp listen.Policy) *testProxy {
	t.Helper()
	return startProxyWith(t, spec, Options{
		Listeners: []model.ListenerSpec{{Name: "public", Address: "127.0.0.1:0", ProxyProtocol: pp}},
	})
}

// startProxyWith is startProxy with the caller's options; loopback admin,
// a quiet logger and a short grace period are filled in when unset.
func startProxyWith(t testing.TB, spec model.TableSpec, opts Options) *testProxy {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.AdminAddress == "" {
		opts.AdminAddress = "127.0.0.1:0"
	}
	if opts.GracePeriod == 0 {
		opts.GracePeriod = 2 * time.Second
	}
	srv := NewServer(opts)
	if err := srv.Apply(spec); err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	stop := sync.OnceFunc(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve returned %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Serve did not return after cancel")
		}
	})
	t.Cleanup(stop)
	return &testProxy{srv: srv, addr: srv.Addr(opts.Listeners[0].Name).String(), stop: stop}
}

// echoBackend starts an echo server and returns its address.
func echoBackend(t *testing.T) netip.AddrPort {
	t.Helper()
	return namedEchoBackend(t, "")
}

// namedEchoBackend starts an echo server that also answers with the
// response header X-Test-Backend: name, and returns its address. It
// speaks HTTP/1.1 and h2c (prior knowledge), so it serves an h2c backend
// too. A request with the header X-Test-Stall gets no answer: it waits
// until its client goes away.
func namedEchoBackend(t *testing.T, name string) netip.AddrPort {
	t.Helper()
	return serveHTTPBackend(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Test-Stall") != "" {
			<-r.Context().Done()
			return
		}
		w.Header().Set("X-Test-Backend", name)
		echo.Handler().ServeHTTP(w, r)
	}), h1AndH2C)
}

// oneBackend is a spec routing every request to one backend at addr.
func oneBackend(addr netip.AddrPort) model.TableSpec {
	return model.TableSpec{
		Headers:  model.ForwardedHeaders{XForwardedFor: model.HeaderAppend, Forwarded: model.HeaderAppend, XRealIP: true},
		Routes:   []model.Route{{Path: "/", Backend: "b"}},
		Backends: []model.Backend{{Name: "b", Endpoints: []model.Endpoint{{Addr: addr}}}},
	}
}

// rawRequest writes raw (optionally preceded by prefix, e.g. a PROXY header)
// on a new connection to addr and returns the response.
func rawRequest(t *testing.T, addr string, prefix []byte, raw string) (*http.Response, error) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write(append(prefix, raw...)); err != nil {
		return nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp, nil
}

// echoed decodes what the echo backend saw, failing on a non-200 answer.
func echoed(t *testing.T, resp *http.Response, err error) echo.Request {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200: %s", resp.StatusCode, body)
	}
	var got echo.Request
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("backend answer is not echo JSON: %v\n%s", err, body)
	}
	return got
}

func TestForgedHeadersFromUntrustedClientAreReplaced(t *testing.T) {
	t.Parallel()
	p := startProxy(t, oneBackend(echoBackend(t)), listen.Policy{})
	resp, err := rawRequest(t, p.addr, nil, "GET / HTTP/1.1\r\nHost: app.test\r\n"+
		"X-Forwarded-For: 6.6.6.6\r\n"+
		"X_Forwarded_For: 6.6.6.6\r\n"+
		"Forwarded: for=6.6.6.6\r\n"+
		"X-Real-IP: 6.6.6.6\r\n"+
		"X-Forwarded-Host: evil.test\r\n"+
		"X-Forwarded-Proto: https\r\n"+
		"True-Client-IP: 6.6.6.6\r\n"+
		"Connection: close\r\n\r\n")
	got := echoed(t, resp, err)
	want := map[string]string{
		"X-Forwarded-For":   "127.0.0.1",
		"Forwarded":         "for=127.0.0.1;host=app.test;proto=http",
		"X-Real-Ip":         "127.0.0.1",
		"X-Forwarded-Host":  "app.test",
		"X-Forwarded-Proto": "http",
	}
	for k, v := range want {
		if vals := got.Headers[k]; len(vals) != 1 || vals[0] != v {
			t.Errorf("%s = %q, want [%q]", k, vals, v)
		}
	}
	for k, vals := range got.Headers {
		for _, v := range vals {
			if strings.Contains(v, "6.6.6.6") || strings.Contains(v, "evil") {
				t.Errorf("forged value reached the backend: %s: %s", k, v)
			}
		}
	}
}

func TestConnectionHeaderCannotRemoveForwardingHeaders(t *testing.T) {
	t.Parallel()
	p := startProxy(t, oneBackend(echoBackend(t)), listen.Policy{})
	for name, conn := range map[string]string{
		"one line":  "Connection: X-Forwarded-For, Forwarded, X-Real-IP, X-Forwarded-Proto, X-Forwarded-Host\r\n",
		"two lines": "Connection: X-Forwarded-For, Forwarded\r\nConnection: X-Real-IP, keep-alive\r\n",
		"upgrade":   "Connection: Upgrade, X-Forwarded-For, X-Real-IP\r\nUpgrade: websocket\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			resp, err := rawRequest(t, p.addr, nil, "GET / HTTP/1.1\r\nHost: app.test\r\nX-Forwarded-For: 6.6.6.6\r\n"+conn+"\r\n")
			got := echoed(t, resp, err)
			for _, k := range []string{"X-Forwarded-For", "Forwarded", "X-Real-Ip"} {
				if v := got.Headers.Get(k); !strings.Contains(v, "127.0.0.1") {
					t.Errorf("%s = %q, want it set to the client address", k, v)
				}
			}
		})
	}
}

func TestTrustedProxyChain(t *testing.T) {
	t.Parallel()
	spec := oneBackend(echoBackend(t))
	spec.ClientIP = clientip.Policy{
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("10.0.0.0/8")},
		Headers:        []clientip.Header{clientip.HeaderForwarded, clientip.HeaderXForwardedFor},
	}
	p := startProxy(t, spec, listen.Policy{})
	resp, err := rawRequest(t, p.addr, nil, "GET / HTTP/1.1\r\nHost: app.test\r\n"+
		"X-Forwarded-For: 6.6.6.6, 203.0.113.7, 10.1.1.1\r\nX-Forwarded-Proto: https\r\nConnection: close\r\n\r\n")
	got := echoed(t, resp, err)
	if v := got.Headers.Get("X-Forwarded-For"); v != "203.0.113.7, 10.1.1.1, 127.0.0.1" {
		t.Errorf("X-Forwarded-For = %q, want the trusted chain from the client on, then this hop's peer", v)
	}
	if v := got.Headers.Get("X-Real-Ip"); v != "203.0.113.7" {
		t.Errorf("X-Real-Ip = %q, want 203.0.113.7", v)
	}
	if v := got.Headers.Get("X-Forwarded-Proto"); v != "https" {
		t.Errorf("X-Forwarded-Proto = %q, want the trusted proxy's https", v)
	}
	if v := got.Headers.Get("Forwarded"); v != "for=203.0.113.7, for=10.1.1.1, for=127.0.0.1;host=app.test;proto=http" {
		t.Errorf("Forwarded = %q", v)
	}
}

func TestProxyProtocolSourceIsTheClient(t *testing.T) {
	t.Parallel()
	p := startProxy(t, oneBackend(echoBackend(t)), listen.Policy{
		Mode:         listen.ModeRequired,
		TrustedCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
	})
	hdr := proxyproto.HeaderProxyFromAddrs(2,
		&net.TCPAddr{IP: net.ParseIP("203.0.113.7"), Port: 40000},
		&net.TCPAddr{IP: net.ParseIP("192.0.2.1"), Port: 443})
	prefix, err := hdr.Format()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := rawRequest(t, p.addr, prefix, "GET / HTTP/1.1\r\nHost: app.test\r\nX-Forwarded-For: 6.6.6.6\r\nConnection: close\r\n\r\n")
	got := echoed(t, resp, err)
	if v := got.Headers.Get("X-Forwarded-For"); v != "203.0.113.7" {
		t.Errorf("X-Forwarded-For = %q, want the PROXY source 203.0.113.7 only", v)
	}
	if v := got.Headers.Get("X-Real-Ip"); v != "203.0.113.7" {
		t.Errorf("X-Real-Ip = %q, want 203.0.113.7", v)
	}

	// The same listener refuses a connection without the header.
	if resp, err := rawRequest(t, p.addr, nil, "GET / HTTP/1.1\r\nHost: app.test\r\n\r\n"); err == nil {
		t.Errorf("request without a PROXY header under required got %d, want the connection closed", resp.StatusCode)
	}
}

func TestUpstreamErrors(t *testing.T) {
	t.Parallel()
	closed := refusedAddr(t)
	stall := make(chan struct{})
	t.Cleanup(func() { close(stall) })
	slow := serveHTTPBackend(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-stall:
		case <-r.Context().Done():
		}
	}))

	spec := model.TableSpec{
		Routes: []model.Route{
			{Host: "refused.test", Path: "/", Backend: "refused"},
			{Host: "empty.test", Path: "/", Backend: "empty"},
			{Host: "slow.test", Path: "/", Backend: "slow"},
			{Host: "local.test", Path: "/", Backend: "local-only"},
			{Host: "route-timeout.test", Path: "/", Backend: "slow-no-header-timeout", Timeout: 200 * time.Millisecond},
		},
		Node: "node-a",
		Backends: []model.Backend{
			{Name: "refused", Endpoints: []model.Endpoint{{Addr: closed}}},
			{Name: "empty"},
			{Name: "slow", ResponseHeaderTimeout: 200 * time.Millisecond,
				Endpoints: []model.Endpoint{{Addr: slow}}},
			{Name: "slow-no-header-timeout",
				Endpoints: []model.Endpoint{{Addr: slow}}},
			{Name: "local-only", Locality: model.LocalityLocal,
				Endpoints: []model.Endpoint{{Addr: echoBackend(t), Node: "node-b"}}},
		},
	}
	p := startProxy(t, spec, listen.Policy{})
	tests := []struct {
		host   string
		status int
		body   string
	}{
		{"refused.test", http.StatusBadGateway, "upstream connection failed"},
		{"empty.test", http.StatusServiceUnavailable, "no available endpoint"},
		{"slow.test", http.StatusGatewayTimeout, "upstream timed out"},
		{"local.test", http.StatusServiceUnavailable, "no endpoint on this node"},
		{"route-timeout.test", http.StatusGatewayTimeout, "route timeout exceeded"},
		{"unrouted.test", http.StatusNotFound, "no route"},
	}
	for _, tc := range tests {
		t.Run(tc.host, func(t *testing.T) {
			t.Parallel()
			resp, err := rawRequest(t, p.addr, nil, "GET / HTTP/1.1\r\nHost: "+tc.host+"\r\nConnection: close\r\n\r\n")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status || !strings.Contains(string(body), tc.body) {
				t.Errorf("got %d %q, want %d containing %q", resp.StatusCode, body, tc.status, tc.body)
			}
		})
	}
}

func TestForwardedPathIsTheRoutedPath(t *testing.T) {
	t.Parallel()
	api, web := namedEchoBackend(t, "api"), namedEchoBackend(t, "web")
	spec := model.TableSpec{
		Routes: []model.Route{{Path: "/api", Backend: "api"}, {Path: "/", Backend: "web"}},
		Backends: []model.Backend{
			{Name: "api", Endpoints: []model.Endpoint{{Addr: api}}},
			{Name: "web", Endpoints: []model.Endpoint{{Addr: web}}},
		},
	}
	p := startProxy(t, spec, listen.Policy{})
	tests := []struct{ path, wantPath, wantBackend string }{
		{"/api/../admin", "/admin", "web"},
		{"/api//v1", "/api/v1", "api"},
		{"/web/./../api/x", "/api/x", "api"},
		{"/%2e%2e/api/x", "/api/x", "api"},
		{"/api%2F..%2Fadmin", "/admin", "web"},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			t.Parallel()
			resp, err := rawRequest(t, p.addr, nil, "GET "+tc.path+" HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n")
			got := echoed(t, resp, err)
			if got.Path != tc.wantPath {
				t.Errorf("backend saw path %q, want %q", got.Path, tc.wantPath)
			}
			if got.Host != "app.test" {
				t.Errorf("backend saw Host %q, want the client's app.test", got.Host)
			}
			if b := resp.Header.Get("X-Test-Backend"); b != tc.wantBackend {
				t.Errorf("served by %q, want %q", b, tc.wantBackend)
			}
		})
	}
}

func TestReadyz(t *testing.T) {
	t.Parallel()
	p := startProxy(t, oneBackend(echoBackend(t)), listen.Policy{})
	resp, err := http.Get("http://" + p.srv.AdminAddr().String() + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/readyz = %d while serving, want 200", resp.StatusCode)
	}
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
