package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// installedRuntime returns the installed toolchain's runtime directory and
// its netpoll_epoll.go, netpoll.go and proc.go.
func installedRuntime(t *testing.T) (dir string, epoll, netpoll, proc []byte) {
	t.Helper()
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatal(err)
	}
	dir = filepath.Join(strings.TrimSpace(string(out)), "src", "runtime")
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	return dir, read("netpoll_epoll.go"), read("netpoll.go"), read("proc.go")
}

func TestPatchNetpollReversesTheEventLoopOfTheInstalledRuntime(t *testing.T) {
	_, epoll, netpoll, proc := installedRuntime(t)
	out, err := patchNetpoll(epoll, netpoll, proc)
	if err != nil {
		t.Fatalf("the installed toolchain's poller (%s): %v", runtime.Version(), err)
	}
	if bytes.Contains(out, []byte(forwardLoop)) || !bytes.Contains(out, []byte("for i := n - 1; i >= 0; i-- {")) {
		t.Fatal("the event loop was not reversed")
	}
	// Nothing else changed, and every line keeps its number.
	if got := bytes.Replace(out, []byte(reverseLoop), []byte(forwardLoop), 1); !bytes.Equal(got, epoll) {
		t.Error("the patch changed more than the loop")
	}
	if bytes.Count(out, []byte("\n")) != bytes.Count(epoll, []byte("\n")) {
		t.Error("the patch moved lines")
	}
}

func TestPatchNetpollRefusesAnUnknownRuntime(t *testing.T) {
	_, epoll, netpoll, proc := installedRuntime(t)
	patched, err := patchNetpoll(epoll, netpoll, proc)
	if err != nil {
		t.Fatal(err)
	}
	edit := func(b []byte, old, new string) []byte {
		t.Helper()
		if !bytes.Contains(b, []byte(old)) {
			t.Fatalf("%q not in the source", old)
		}
		return bytes.Replace(b, []byte(old), []byte(new), 1)
	}
	tests := map[string][3][]byte{
		// A change anywhere in the poller, even one the loop check would
		// not see.
		"poller changed inside the loop": {edit(epoll, "\t\tev := events[i]\n", "\t\tev := events[i]\n\t\tif delta > 64 {\n\t\t\tbreak\n\t\t}\n"), netpoll, proc},
		"poller changed elsewhere":       {append(append([]byte(nil), epoll...), "\n// a comment\n"...), netpoll, proc},
		"already patched":                {patched, netpoll, proc},
		"readied goroutines appended":    {epoll, edit(netpoll, "toRun.push(rg)", "toRun.pushBack(rg)"), proc},
		"push appends":                   {epoll, netpoll, edit(proc, "func (l *gList) push(gp *g) {\n\tgp.schedlink = l.head", "func (l *gList) push(gp *g) {\n\tgp.schedlink = 0")},
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := patchNetpoll(in[0], in[1], in[2]); !errors.Is(err, errUnknownSource) {
				t.Errorf("patchNetpoll: %v, want errUnknownSource", err)
			}
		})
	}
}

func TestWriteMapsTheRuntimeFileToThePatchedCopy(t *testing.T) {
	rt, _, _, _ := installedRuntime(t)
	orig := filepath.Join(rt, "netpoll_epoll.go")
	dir := t.TempDir()
	path, err := write(dir, "linux", filepath.Dir(filepath.Dir(rt)))
	if err != nil {
		t.Fatal(err)
	}
	var ov overlay
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &ov); err != nil {
		t.Fatal(err)
	}
	repl, ok := ov.Replace[orig]
	if !ok || len(ov.Replace) != 1 {
		t.Fatalf("overlay %s, want %s replaced", b, orig)
	}
	if got, err := os.ReadFile(repl); err != nil || !bytes.Contains(got, []byte("for i := n - 1; i >= 0; i-- {")) {
		t.Errorf("the replacement %s is not the patched poller (%v)", repl, err)
	}
	// Another target gets an empty overlay.
	path, err = write(t.TempDir(), "darwin", "")
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); !bytes.Contains(b, []byte(`"Replace": {}`)) {
		t.Errorf("overlay for darwin: %s, want no replacement", b)
	}
}

// TestOverlayRunsReadyGoroutinesInOrder builds firsthop with the overlay
// and without, and asks each which order its poller has (version -v
// probes it with eight connections made readable one after another).
func TestOverlayRunsReadyGoroutinesInOrder(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the overlay patches the Linux poller only")
	}
	if testing.Short() {
		t.Skip("builds firsthop twice")
	}
	ov, err := write(t.TempDir(), "linux", "")
	if err != nil {
		t.Fatal(err)
	}
	poller := func(overlay string) string {
		t.Helper()
		bin := filepath.Join(t.TempDir(), "firsthop")
		args := []string{"build", "-o", bin}
		if overlay != "" {
			args = append(args, "-overlay", overlay)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		if out, err := exec.CommandContext(ctx, "go", append(args, "../firsthop")...).CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
		out, err := exec.CommandContext(ctx, bin, "version", "-v").Output()
		if err != nil {
			t.Fatalf("%s version -v: %v", bin, err)
		}
		for _, line := range strings.Split(string(out), "\n") {
			if v, ok := strings.CutPrefix(line, "poller: "); ok {
				return v
			}
		}
		t.Fatalf("%s version -v printed no poller line:\n%s", bin, out)
		return ""
	}
	if got := poller(ov); got != "first-ready first" {
		t.Errorf("with the overlay the poller runs %q, want first-ready first", got)
	}
	// What the stock runtime does, for the record: last-ready first. Should
	// it ever run them in order too, the overlay is no longer needed.
	t.Logf("without the overlay: %s", poller(""))
}
