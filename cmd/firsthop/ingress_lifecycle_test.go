package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// closedPort returns a loopback address nobody listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// silentServer returns the address of a listener that accepts connections
// and never answers, until the test ends.
func silentServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	held := make(chan net.Conn, 1024)
	t.Cleanup(func() {
		l.Close()
		close(held)
		for c := range held {
			c.Close()
		}
	})
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			select {
			case held <- c:
			default:
				c.Close()
			}
		}
	}()
	return l.Addr().String()
}

// TestIngressWithUnreachableAPIServer: `firsthop ingress` whose API server
// refuses connections, or accepts them and never answers, says every few
// seconds what it waits for and why, and on SIGTERM exits within its drain
// delay and grace period plus a small margin.
func TestIngressWithUnreachableAPIServer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		server func(*testing.T) string
		causes []string // one of them
	}{
		{"connection refused", closedPort, []string{"connect: connection refused"}},
		{"no answer", silentServer, []string{"no response after", "TLS handshake timeout"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			kubeconfig := filepath.Join(dir, "kubeconfig")
			if err := os.WriteFile(kubeconfig, []byte(fmt.Sprintf(`apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://%s", insecure-skip-tls-verify: true}}]
contexts: [{name: c, context: {cluster: c, user: u}}]
current-context: c
users: [{name: u, user: {token: test}}]
`, tc.server(t))), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg := filepath.Join(dir, "firsthop.yaml")
			admin := freePort(t)
			if err := os.WriteFile(cfg, []byte(fmt.Sprintf("admin: {address: %s}\nlisteners: [{name: http, address: %s}]\n", admin, freePort(t))), 0o600); err != nil {
				t.Fatal(err)
			}
			const grace = time.Second
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			log := &lockedBuffer{}
			done := make(chan int, 1)
			go func() {
				done <- run(ctx, []string{"ingress", "--kubeconfig", kubeconfig, "--config", cfg, "--log-format", "text",
					"--node-name", "", "--grace-period", grace.String()}, io.Discard, log)
			}()

			// Two reports: the wait is told again, and client-go's retry
			// back-off has grown to seconds by then.
			reports := func() (n int, bad string) {
				for l := range strings.Lines(log.String()) {
					if !strings.Contains(l, `level=WARN msg="waiting for the informer caches to sync"`) {
						continue
					}
					n++
					if !strings.Contains(l, "waiting_for=ingresses,") || !containsAny(l, tc.causes) {
						bad = l
					}
				}
				return n, bad
			}
			waitFor(t, 40*time.Second, "two reports of the wait for the caches", func() bool {
				n, _ := reports()
				return n >= 2
			})
			if _, bad := reports(); bad != "" {
				t.Errorf("a report does not name the resources and the cause (%q):\n%s", tc.causes, bad)
			}
			// The controller's gauge is exported with the data plane's
			// metrics: no cache has synced.
			if m := get(t, "http://"+admin+"/metrics"); !strings.Contains(m, `firsthop_kubernetes_cache_synced{resource="ingresses"} 0`) {
				t.Errorf("/metrics has no unsynced ingresses cache:\n%s", m)
			}

			cancel() // what SIGTERM does
			stopped := time.Now()
			// No drain delay, no request in flight: the grace period is
			// not even used; controllerStopWait and a margin for a busy
			// machine are the bound.
			bound := grace + controllerStopWait + 3*time.Second
			select {
			case code := <-done:
				t.Logf("exited %v after SIGTERM, code %d", time.Since(stopped).Round(time.Millisecond), code)
				if code != 0 {
					t.Errorf("exit code %d, want 0\n%s", code, log.String())
				}
			case <-time.After(bound):
				t.Errorf("still running %v after SIGTERM (grace period %v)\n%s", bound, grace, log.String())
				<-done
			}
		})
	}
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// get returns the body of a GET of url, failing t on an error.
func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
