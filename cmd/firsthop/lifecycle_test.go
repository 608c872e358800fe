package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/firsthop/firsthop/internal/testcert"
)

// loadGenerator sends GET requests to url from several goroutines over
// keep-alive connections until stopped, and counts the outcomes.
type loadGenerator struct {
	ok, failed, refused atomic.Int64
	mu                  sync.Mutex
	firstFailure        string
	stop                chan struct{}
	wg                  sync.WaitGroup
}

func startLoad(url string, workers int) *loadGenerator {
	g := &loadGenerator{stop: make(chan struct{})}
	tr := &http.Transport{MaxIdleConnsPerHost: workers}
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	for range workers {
		g.wg.Go(func() {
			for {
				select {
				case <-g.stop:
					return
				default:
				}
				resp, err := client.Get(url)
				switch {
				case err != nil && errors.Is(err, syscall.ECONNREFUSED):
					// Never accepted: the listener is gone.
					g.refused.Add(1)
					time.Sleep(5 * time.Millisecond)
				case err != nil:
					g.fail(err.Error())
				default:
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						g.fail(fmt.Sprintf("%d %s", resp.StatusCode, body))
					} else {
						g.ok.Add(1)
					}
				}
			}
		})
	}
	return g
}

func (g *loadGenerator) fail(what string) {
	if g.failed.Add(1) == 1 {
		g.mu.Lock()
		g.firstFailure = what
		g.mu.Unlock()
	}
}

func (g *loadGenerator) finish() {
	close(g.stop)
	g.wg.Wait()
}

// waitFor polls cond until it holds, failing after d.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// serveConfig writes cfg to a temp file and runs `firsthop serve` on it
// in-process with extra flags; cancel stops it, and wait returns its exit
// code.
func serveConfig(t *testing.T, cfg string, flags ...string) (path string, log *lockedBuffer, cancel func(), wait func() int) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "firsthop.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancelCtx := context.WithCancel(context.Background())
	log = &lockedBuffer{}
	done := make(chan int, 1)
	args := append([]string{"serve", "--config", path, "--log-format", "text"}, flags...)
	go func() { done <- run(ctx, args, io.Discard, log) }()
	var once sync.Once
	code := -1
	wait = func() int {
		once.Do(func() {
			select {
			case code = <-done:
			case <-time.After(30 * time.Second):
				t.Error("serve did not stop")
			}
		})
		return code
	}
	t.Cleanup(func() { cancelCtx(); wait() })
	return path, log, cancelCtx, wait
}

const lifecycleConfig = `admin: {address: %s}
listeners:
  - {name: public, address: %s}
%s
routes: [{paths: [{path: /, backend: echo}]}]
backends: [{name: echo, echo: true}]
`

func TestDrainUnderLoadLosesNoAcceptedRequest(t *testing.T) {
	t.Parallel()
	addr, admin := freePort(t), freePort(t)
	_, log, cancel, wait := serveConfig(t, fmt.Sprintf(lifecycleConfig, admin, addr, ""),
		"--drain-delay", "200ms", "--grace-period", "5s")
	waitReady(t, "http://"+admin+"/readyz", nil, log)

	load := startLoad("http://"+addr+"/", 8)
	waitFor(t, 10*time.Second, "some load", func() bool { return load.ok.Load() > 200 })
	cancel() // what SIGTERM does
	if code := wait(); code != 0 {
		t.Errorf("exit code %d after the drain, want 0\n%s", code, log.String())
	}
	load.finish()
	t.Logf("requests: %d ok, %d failed, %d refused after the listener closed", load.ok.Load(), load.failed.Load(), load.refused.Load())
	if n := load.failed.Load(); n != 0 {
		t.Errorf("%d accepted requests failed during the drain; first: %s", n, load.firstFailure)
	}
}

func TestReloadUnderLoad(t *testing.T) {
	t.Parallel()
	addr, admin, extra := freePort(t), freePort(t), freePort(t)
	valid := []string{
		fmt.Sprintf(lifecycleConfig, admin, addr, ""),
		// Adds a listener and changes the forwarding headers: the public
		// listener and its connections stay.
		fmt.Sprintf(lifecycleConfig, admin, addr, "  - {name: extra, address: "+extra+"}\nforwardedHeaders: {xRealIP: false}"),
	}
	invalid := fmt.Sprintf(lifecycleConfig, admin, addr, "bogus: key")
	path, log, _, _ := serveConfig(t, valid[0], "--watch-interval", "20ms")
	waitReady(t, "http://"+admin+"/readyz", nil, log)

	load := startLoad("http://"+addr+"/", 4)
	reloads, rejects := 0, 0
	for i := range 20 {
		body := invalid
		if i%2 == 0 {
			body = valid[(i/2)%2] + strings.Repeat("#", i+1) + "\n" // always a new size, so the change is seen
		}
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			reloads++
			waitFor(t, 10*time.Second, fmt.Sprintf("reload %d", reloads), func() bool {
				return strings.Count(log.String(), "configuration reloaded") == reloads
			})
		} else {
			rejects++
			waitFor(t, 10*time.Second, fmt.Sprintf("rejection %d", rejects), func() bool {
				return strings.Count(log.String(), "reload rejected") >= rejects
			})
		}
		before := load.ok.Load()
		waitFor(t, 10*time.Second, "traffic after the reload", func() bool { return load.ok.Load() > before+10 })
	}
	load.finish()
	t.Logf("requests: %d ok, %d failed over %d reloads and %d rejected files", load.ok.Load(), load.failed.Load(), reloads, rejects)
	if n := load.failed.Load() + load.refused.Load(); n != 0 {
		t.Errorf("%d requests failed during reloads; first: %s", n, load.firstFailure)
	}
	if !strings.Contains(log.String(), `firsthop.yaml:4:1: the file: unknown key \"bogus\"`) {
		t.Errorf("the invalid file's error was not logged:\n%s", log.String())
	}
}

func TestCertificateRotationOnDisk(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	testcert.Write(t, dir, "site", "app.example.com")
	addr, admin := freePort(t), freePort(t)
	cfg := fmt.Sprintf(`admin: {address: %s}
listeners: [{name: https, address: %s, tls: true}]
tls: {certificates: [{certFile: %s, keyFile: %s}]}
routes: [{paths: [{path: /, backend: echo}]}]
backends: [{name: echo, echo: true}]
`, admin, addr, filepath.Join(dir, "site.crt"), filepath.Join(dir, "site.key"))
	_, log, _, _ := serveConfig(t, cfg, "--watch-interval", "20ms")
	waitReady(t, "http://"+admin+"/readyz", nil, log)

	serial := func() string {
		c, err := tls.Dial("tcp", addr, &tls.Config{ServerName: "app.example.com", InsecureSkipVerify: true}) //nolint:gosec // self-signed
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return c.ConnectionState().PeerCertificates[0].SerialNumber.String()
	}
	before := serial()
	// Rotate as cert-manager or a Secret volume update would: new files.
	testcert.Write(t, dir, "site", "app.example.com")
	waitFor(t, 10*time.Second, "the rotated certificate", func() bool { return serial() != before })
	if !strings.Contains(log.String(), "configuration reloaded") {
		t.Errorf("no reload logged:\n%s", log.String())
	}
}
