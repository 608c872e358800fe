package gateway

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy"
)

// TestCORSServed translates the manifests of the conformance test
// HTTPRouteCORS, serves the result with the proxy on a loopback listener
// (the routes' backend is the proxy's echo backend) and makes the
// suite's requests, checking the answers its cases accept. The suite
// itself runs in e2e (TestGatewayConformance); this keeps the translator
// and the data plane agreeing on CORS without a cluster.
func TestCORSServed(t *testing.T) {
	t.Parallel()
	f := loadFixture(t, "testdata/base.yaml", "testdata/secrets.yaml", "testdata/conformance/httproute-cors.yaml")
	res := Translate(f.snap, f, testOptions(f.snap))
	var sc *Scope
	for i := range res.Scopes {
		if res.Scopes[i].Gateway == (types.NamespacedName{Namespace: infra, Name: "same-namespace"}) {
			sc = &res.Scopes[i]
		}
	}
	if sc == nil || len(sc.Routes) == 0 {
		t.Fatalf("no routes for Gateway same-namespace in %+v", res.Scopes)
	}
	backends := make([]model.Backend, len(res.Backends))
	for i, b := range res.Backends {
		backends[i] = model.Backend{Name: b.Name, Echo: true}
	}
	ln := model.ListenerSpec{Name: "gateway", Address: "127.0.0.1:0", Scope: sc.Spec.Name}
	srv := proxy.NewServer(proxy.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), AccessLog: io.Discard,
		Listeners: []model.ListenerSpec{ln}, GracePeriod: time.Second})
	if err := srv.Apply(model.TableSpec{Scopes: []model.ScopeSpec{sc.Spec}, Routes: sc.Routes, Backends: backends}); err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	addr := srv.Addr("gateway").String()

	const preflight, get = "OPTIONS", "GET"
	type want map[string][]string // header: accepted values; nil: absent
	tests := []struct {
		name, method, path, origin, reqMethod, reqHeaders string
		status                                            []int
		headers                                           want
	}{
		{"preflight exact origin", preflight, "/cors-1", "https://www.foo.com", "GET", "x-header-1, x-header-2", []int{200, 204}, want{
			"Access-Control-Allow-Origin": {"https://www.foo.com"}, "Access-Control-Allow-Methods": {"GET, OPTIONS"},
			"Access-Control-Allow-Headers": {"x-header-1, x-header-2"}, "Access-Control-Expose-Headers": {"x-header-3, x-header-4"},
			"Access-Control-Max-Age": {"3600"}, "Access-Control-Allow-Credentials": {"true"}}},
		{"preflight wildcard origin", preflight, "/cors-1", "https://www.bar.com", "GET", "x-header-1, x-header-2", []int{200, 204}, want{
			"Access-Control-Allow-Origin": {"https://www.bar.com"}, "Access-Control-Max-Age": {"3600"}}},
		{"preflight wildcard origin, several labels", preflight, "/cors-1", "https://xpto.www.bar.com", "GET", "", []int{200, 204}, want{
			"Access-Control-Allow-Origin": {"https://xpto.www.bar.com"}}},
		{"preflight foreign origin", preflight, "/cors-1", "https://foobar.com", "GET", "", []int{200, 204, 403}, want{
			"Access-Control-Allow-Origin": nil}},
		{"preflight bare wildcard domain", preflight, "/cors-1", "https://bar.com", "GET", "", []int{200, 204, 403}, want{
			"Access-Control-Allow-Origin": nil}},
		{"simple exact origin", get, "/cors-1", "https://www.foo.com", "GET", "", []int{200}, want{
			"Access-Control-Allow-Origin": {"https://www.foo.com"}, "Access-Control-Allow-Methods": nil}},
		{"simple foreign origin", get, "/cors-1", "https://foobar.com", "GET", "", []int{200}, want{"Access-Control-Allow-Origin": nil}},
		{"preflight methods *", preflight, "/cors-2", "https://www.foo.com", "POST", "", []int{200, 204}, want{
			"Access-Control-Allow-Methods": {"POST", "*"}, "Access-Control-Allow-Origin": {"https://www.foo.com"},
			"Access-Control-Allow-Credentials": nil, "Access-Control-Max-Age": {"5"}}},
		{"preflight origin *", preflight, "/cors-wildcard-origin", "https://foobar.com:12345", "PUT", "", []int{200, 204}, want{
			"Access-Control-Allow-Origin": {"https://foobar.com:12345", "*"}, "Access-Control-Allow-Methods": {"PUT"},
			"Access-Control-Allow-Credentials": nil}},
		{"request origin *", "PUT", "/cors-wildcard-origin", "https://foobar.com:12345", "", "", []int{200}, want{
			"Access-Control-Allow-Origin": {"https://foobar.com:12345", "*"}, "Access-Control-Allow-Credentials": nil}},
		{"preflight * with credentials", preflight, "/cors-wildcard-methods-headers", "https://other.foo.com", "PUT", "x-header-1, x-header-2", []int{200, 204}, want{
			"Access-Control-Allow-Origin": {"https://other.foo.com"}, "Access-Control-Allow-Methods": {"PUT"},
			"Access-Control-Allow-Headers": {"x-header-1, x-header-2"}, "Access-Control-Allow-Credentials": {"true"}}},
		{"preflight * without credentials", preflight, "/cors-wildcard-methods-headers-unauth", "https://other.foo.com", "PUT", "x-header-1, x-header-2", []int{200, 204}, want{
			"Access-Control-Allow-Origin": {"https://other.foo.com", "*"}, "Access-Control-Allow-Methods": {"PUT", "*"},
			"Access-Control-Allow-Headers": {"x-header-1, x-header-2", "*"}, "Access-Control-Allow-Credentials": nil}},
		{"request * with credentials", get, "/cors-wildcard-methods-headers", "https://other.foo.com", "", "", []int{200}, want{
			"Access-Control-Allow-Origin": {"https://other.foo.com"}, "Access-Control-Allow-Credentials": {"true"}}},
		{"request * without credentials", get, "/cors-wildcard-methods-headers-unauth", "https://other.foo.com", "", "", []int{200}, want{
			"Access-Control-Allow-Origin": {"https://other.foo.com", "*"}, "Access-Control-Allow-Credentials": nil}},
	}
	client := &http.Client{Timeout: 5 * time.Second}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequest(tt.method, "http://"+addr+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Host = "example.test"
			req.Header.Set("Origin", tt.origin)
			if tt.reqMethod != "" {
				req.Header.Set("Access-Control-Request-Method", tt.reqMethod)
			}
			if tt.reqHeaders != "" {
				req.Header.Set("Access-Control-Request-Headers", tt.reqHeaders)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if !slices.Contains(tt.status, resp.StatusCode) {
				t.Errorf("status %d, want one of %v", resp.StatusCode, tt.status)
			}
			for name, accepted := range tt.headers {
				got, present := resp.Header[name]
				switch {
				case accepted == nil && present:
					t.Errorf("%s = %q, want none", name, got)
				case accepted != nil && (len(got) != 1 || !slices.Contains(accepted, got[0])):
					t.Errorf("%s = %q, want one of %q", name, got, accepted)
				}
			}
			if tt.method != preflight && resp.Header.Get("Content-Type") == "" {
				t.Errorf("the answer to %s has no Content-Type: it did not come from the echo backend", tt.method)
			}
		})
	}
}
