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

func installedNetpoll(t *testing.T) (path string, src []byte) {
	t.Helper()
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(strings.TrimSpace(string(out)), "src", "runtime", "netpoll_epoll.go")
	src, err = os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, src
}

func TestPatchNetpollReversesTheEventLoopOfTheInstalledRuntime(t *testing.T) {
	_, src := installedNetpoll(t)
	out, err := patchNetpoll(src)
	if err != nil {
		t.Fatalf("the installed toolchain's poller: %v", err)
	}
	if bytes.Contains(out, []byte(forwardLoop)) || !bytes.Contains(out, []byte("for i := n - 1; i >= 0; i-- {")) {
		t.Fatal("the event loop was not reversed")
	}
	// Nothing else changed.
	if got, want := bytes.Replace(out, []byte(reverseLoop), []byte(forwardLoop), 1), src; !bytes.Equal(got, want) {
		t.Error("the patch changed more than the loop")
	}
}

func TestPatchNetpollRefusesAnUnknownPoller(t *testing.T) {
	_, src := installedNetpoll(t)
	tests := map[string][]byte{
		"loop missing": bytes.Replace(src, []byte(forwardLoop), []byte("\tfor i := range n {\n\t\tev := events[i]\n"), 1),
		"loop twice":   append(append([]byte(nil), src...), []byte("\nfunc x() {\n"+forwardLoop+"\t}\n}\n")...),
		"not netpoll":  []byte("package runtime\n\nfunc f(events []int, n int32) {\n" + forwardLoop + "\t_ = ev\n\t}\n}\n"),
		"already patched": func() []byte {
			out, err := patchNetpoll(src)
			if err != nil {
				t.Fatal(err)
			}
			return out
		}(),
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := patchNetpoll(in); !errors.Is(err, errUnknownSource) {
				t.Errorf("patchNetpoll: %v, want errUnknownSource", err)
			}
		})
	}
}

func TestWriteMapsTheRuntimeFileToThePatchedCopy(t *testing.T) {
	orig, _ := installedNetpoll(t)
	dir := t.TempDir()
	path, err := write(dir, "linux", filepath.Dir(filepath.Dir(filepath.Dir(orig))))
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

// TestOverlayRunsReadyGoroutinesInOrder builds a program whose goroutines
// wait on eight connections made readable one after another, with the
// overlay and without, and checks that with it they run in that order.
func TestOverlayRunsReadyGoroutinesInOrder(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the overlay patches the Linux poller only")
	}
	if testing.Short() {
		t.Skip("builds the runtime twice")
	}
	ov, err := write(t.TempDir(), "linux", "")
	if err != nil {
		t.Fatal(err)
	}
	run := func(overlay string) string {
		t.Helper()
		bin := filepath.Join(t.TempDir(), "order")
		args := []string{"build", "-o", bin}
		if overlay != "" {
			args = append(args, "-overlay", overlay)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		if out, err := exec.CommandContext(ctx, "go", append(args, "./testdata/order")...).CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
		out, err := exec.CommandContext(ctx, bin).Output()
		if err != nil {
			t.Fatalf("%s: %v", bin, err)
		}
		return strings.TrimSpace(string(out))
	}
	const inOrder = "0 1 2 3 4 5 6 7"
	if got := run(ov); got != inOrder {
		t.Errorf("with the overlay the goroutines ran %s, want %s", got, inOrder)
	}
	// What the stock runtime does, for the record: last-ready first. Should
	// it ever run them in order too, the overlay is no longer needed.
	t.Logf("without the overlay: %s", run(""))
}
