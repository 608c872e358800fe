package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// localhostBackend serves "named backend" on port p of every address the
// system resolves localhost to (127.0.0.1 and, on many systems, ::1), so
// that whichever endpoint the proxy picks answers.
func localhostBackend(t *testing.T) (port uint16) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", "localhost")
	if err != nil {
		t.Skipf("localhost does not resolve here: %v", err)
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "named backend\n") })
	for _, a := range addrs {
		a = a.Unmap()
		if !a.IsLoopback() {
			t.Skipf("localhost resolves to %s here", a)
		}
		ln, err := net.Listen("tcp", netip.AddrPortFrom(a, port).String())
		if err != nil {
			t.Skipf("cannot listen on %s port %d: %v", a, port, err)
		}
		port = uint16(ln.Addr().(*net.TCPAddr).Port)
		srv := &http.Server{Handler: handler}
		go srv.Serve(ln)
		t.Cleanup(func() { srv.Close() })
	}
	return port
}

// TestServeNamedBackends runs serve with backends given by name (the
// system resolver's localhost, allowed to be loopback): the first request
// reaches the backend, /debug/table shows the name, a name that would
// reach the admin listener is refused and logged, and a reload keeps the
// endpoints.
func TestServeNamedBackends(t *testing.T) {
	t.Parallel()
	port := localhostBackend(t)
	addr, admin := freePort(t), freePort(t)
	adminPort := admin[strings.LastIndexByte(admin, ':')+1:]
	cfg := fmt.Sprintf(`admin: {address: %s}
listeners: [{name: public, address: %s}]
routes: [{paths: [{path: /, backend: app}, {path: /admin, backend: self}]}]
backends:
  - name: app
    resolve: {allowLoopback: true, interval: 1s}
    endpoints: [{address: "localhost:%d"}]
  - name: self
    resolve: {allowLoopback: true}
    endpoints: [{address: "LOCALHOST.:%s"}]
`, admin, addr, port, adminPort)
	path, log, _, _ := serveConfig(t, cfg, "--watch-interval", "20ms")
	waitReady(t, "http://"+admin+"/readyz", nil, log)

	get := func(url string) (int, string) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if code, body := get("http://" + addr + "/"); code != http.StatusOK || body != "named backend\n" {
		t.Fatalf("first request: %d %q, want 200 from the named backend\n%s", code, body, log.String())
	}
	if code, _ := get("http://" + addr + "/admin"); code != http.StatusServiceUnavailable {
		t.Errorf("a name leading to the admin listener: %d, want 503", code)
	}
	if !strings.Contains(log.String(), "the proxy's own listening address") {
		t.Errorf("the refused admin address was not logged:\n%s", log.String())
	}
	if _, table := get("http://" + admin + "/debug/table"); !strings.Contains(table, `"resolvedFrom": "localhost"`) {
		t.Errorf("/debug/table does not show the name:\n%s", table)
	}

	if err := os.WriteFile(path, []byte(cfg+"# reloaded\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the reload", func() bool { return strings.Contains(log.String(), "configuration reloaded") })
	if code, body := get("http://" + addr + "/"); code != http.StatusOK {
		t.Errorf("after the reload: %d %q, want 200", code, body)
	}
}

// TestValidateNeedsNoDNS: validate checks a file whose backends are given
// by names that resolve nowhere (the .invalid domain never does) and finds
// it valid: it checks syntax, it does not look names up.
func TestValidateNeedsNoDNS(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "names.yaml")
	cfg := `listeners: [{name: public, address: 127.0.0.1:8080}]
routes: [{paths: [{path: /, backend: api}]}]
backends:
  - name: api
    resolve: {interval: 10s}
    endpoints: [{address: "api.does-not-exist.invalid:9001"}]
`
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr strings.Builder
	if code := run(context.Background(), []string{"validate", "--config", path}, &stdout, &stderr); code != 0 {
		t.Fatalf("validate exited %d: %s%s", code, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "valid (0 warning(s))") {
		t.Errorf("stdout %q, stderr %q", stdout.String(), stderr.String())
	}
}
