package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/firsthop/firsthop/proxy/echo"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name       string
		path       string
		wantCode   int
		wantStdout string
		wantStderr []string
	}{
		{
			name:       "the demo config is valid without warnings",
			path:       "../../examples/standalone.yaml",
			wantCode:   0,
			wantStdout: "valid (0 warning(s))",
		},
		{
			name:       "an unknown key is reported with file, line and column",
			path:       write("unknown.yaml", "listeners:\n  - name: public\n    address: 127.0.0.1:8080\n    adress: typo\n"),
			wantCode:   1,
			wantStderr: []string{"unknown.yaml:4:5"},
		},
		{
			name:       "trusting every address is a warning, not an error",
			path:       write("lint.yaml", "listeners:\n  - name: public\n    address: 127.0.0.1:8080\nclientIP:\n  trustedProxies: [0.0.0.0/0]\nroutes: []\nbackends: []\n"),
			wantCode:   0,
			wantStderr: []string{"warning:", "lint.yaml:5:"},
		},
		{
			name:       "a missing file is an error",
			path:       filepath.Join(dir, "missing.yaml"),
			wantCode:   1,
			wantStderr: []string{"missing.yaml"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), []string{"validate", "--config", tc.path}, &stdout, &stderr)
			if code != tc.wantCode {
				t.Errorf("exit code %d, want %d\nstdout: %s\nstderr: %s", code, tc.wantCode, &stdout, &stderr)
			}
			if !strings.Contains(stdout.String(), tc.wantStdout) {
				t.Errorf("stdout %q does not contain %q", &stdout, tc.wantStdout)
			}
			for _, want := range tc.wantStderr {
				if !strings.Contains(stderr.String(), want) {
					t.Errorf("stderr %q does not contain %q", &stderr, want)
				}
			}
		})
	}
}

func TestUsage(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), nil, &stdout, &stderr); code != 2 {
		t.Errorf("no arguments: exit %d, want 2", code)
	}
	if code := run(context.Background(), []string{"frobnicate"}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "unknown command") {
		t.Errorf("unknown command: exit %d, stderr %q", code, &stderr)
	}
	stdout.Reset()
	if code := run(context.Background(), []string{"version"}, &stdout, &stderr); code != 0 || !strings.HasPrefix(stdout.String(), "firsthop ") {
		t.Errorf("version: exit %d, stdout %q", code, &stdout)
	}
	if code := run(context.Background(), []string{"version", "extra"}, &stdout, &stderr); code != 2 {
		t.Errorf("version extra: exit %d, want 2", code)
	}
}

// TestVersionVerbose: version -v names the Go release and the order of the
// poller the test binary was built with: the stock runtime's, since go test
// builds without the overlay (e2e checks the release build's; a -race
// build's scheduler may mix the order).
func TestVersionVerbose(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"version", "-v"}, &stdout, &stderr); code != 0 {
		t.Fatalf("version -v: exit %d, stderr %q", code, &stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[1], "go: "+runtime.Version()+" ") {
		t.Fatalf("version -v printed %q", &stdout)
	}
	if !strings.HasPrefix(lines[2], "poller: ") {
		t.Errorf("version -v: %q, want the poller's order", lines[2])
	}
	t.Log(lines[2])
}

// TestServeDemo runs the README's demo in-process: a forged X-Forwarded-For
// sent to the echo backend through firsthop is replaced by the real
// client address, and /healthz/local is 200.
func TestServeDemo(t *testing.T) {
	t.Parallel()
	demo, err := os.ReadFile("../../examples/standalone.yaml")
	if err != nil {
		t.Fatal(err)
	}
	addr, admin := freePort(t), freePort(t)
	cfg := strings.NewReplacer("127.0.0.1:8080", addr, "127.0.0.1:9901", admin).Replace(string(demo))
	path := filepath.Join(t.TempDir(), "demo.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var stderr lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--config", path, "--log-format", "text"}, io.Discard, &stderr)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("serve exited %d after cancel, want 0\n%s", code, stderr.String())
			}
		case <-time.After(15 * time.Second):
			t.Error("serve did not stop after cancel")
		}
	})

	waitReady(t, "http://"+admin+"/readyz", done, &stderr)
	// The demo names its node, so the echo backend counts as local.
	if local, err := http.Get("http://" + admin + "/healthz/local"); err != nil {
		t.Error(err)
	} else if local.Body.Close(); local.StatusCode != http.StatusOK {
		t.Errorf("/healthz/local: %s, want 200", local.Status)
	}
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/hello", nil)
	req.Header.Set("X-Forwarded-For", "6.6.6.6")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got echo.Request
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatalf("decoding the echo answer: %v", err)
	}
	for k, want := range map[string]string{
		"X-Forwarded-For": "127.0.0.1",
		"X-Real-Ip":       "127.0.0.1",
		"Forwarded":       "for=127.0.0.1;host=\"" + addr + "\";proto=http",
	} {
		if v := got.Headers.Get(k); v != want {
			t.Errorf("backend got %s: %q, want %q", k, v, want)
		}
	}
}

// waitReady polls url until it answers 200, failing if serve exits first
// or ten seconds pass.
func waitReady(t *testing.T, url string, exited <-chan int, log *lockedBuffer) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case code := <-exited:
			t.Fatalf("serve exited early with %d:\n%s", code, log.String())
		default:
		}
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s not ready after 10s:\n%s", url, log.String())
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// lockedBuffer is a bytes.Buffer safe for the concurrent writes of a logger
// and reads of a test.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
