package resolve

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy"
)

// TestNamedBackendsThroughTheProxy runs a real server whose backends are
// given by name, resolved by an injected resolver to the loopback address
// of a real backend: the backend that allows loopback is reached, the one
// that does not answers 503, and /debug/table shows the name an endpoint
// came from.
func TestNamedBackendsThroughTheProxy(t *testing.T) {
	t.Parallel()
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "backend\n")
	}))
	defer backend.Close()
	bp := netip.MustParseAddrPort(backend.Listener.Addr().String())

	srv := proxy.NewServer(proxy.Options{
		Logger:       quiet,
		Listeners:    []model.ListenerSpec{{Name: "public", Address: "127.0.0.1:0"}},
		AdminAddress: "127.0.0.1:0",
		GracePeriod:  2 * time.Second,
		AccessLog:    io.Discard,
	})
	res := newFakeResolver()
	res.set("app.test", "127.0.0.1")
	res.set("evil.test", "127.0.0.1")
	spec := model.TableSpec{
		Routes: []model.Route{
			{Path: "/open", Backend: "open"},
			{Path: "/closed", Backend: "closed"},
		},
		Backends: []model.Backend{
			{Name: "open", Named: []model.NamedEndpoint{{Host: "app.test", Port: bp.Port()}},
				Resolve: model.ResolvePolicy{AllowLoopback: true}},
			{Name: "closed", Named: []model.NamedEndpoint{{Host: "evil.test", Port: bp.Port()}}},
		},
	}
	l := New(Options{Resolver: res, Logger: quiet, Publish: srv.Apply})
	ctx, cancel := context.WithCancel(context.Background())
	if err := l.Update(ctx, spec, nil, srv.Apply); err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	}()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	get := func(url string) (int, string) {
		t.Helper()
		resp, err := client.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	base := "http://" + srv.Addr("public").String()
	if code, body := get(base + "/open"); code != http.StatusOK || body != "backend\n" {
		t.Errorf("/open (allowLoopback): %d %q, want 200 from the backend", code, body)
	}
	if code, body := get(base + "/closed"); code != http.StatusServiceUnavailable {
		t.Errorf("/closed (loopback refused): %d %q, want 503", code, body)
	}

	_, body := get("http://" + srv.AdminAddr().String() + "/debug/table")
	var table struct {
		Backends []struct {
			Name  string
			Tiers []struct {
				Endpoints []struct {
					Address      string
					ResolvedFrom string
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(body), &table); err != nil {
		t.Fatalf("/debug/table: %v\n%s", err, body)
	}
	found := false
	for _, b := range table.Backends {
		for _, tier := range b.Tiers {
			for _, e := range tier.Endpoints {
				if b.Name == "open" && e.Address == bp.String() && e.ResolvedFrom == "app.test" {
					found = true
				}
			}
		}
	}
	if !found {
		t.Errorf("/debug/table does not show %s resolved from app.test:\n%s", bp, body)
	}
}
