package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// FirsthopPackage is the import path of the binary under test.
const FirsthopPackage = "github.com/firsthop/firsthop/cmd/firsthop"

var firsthopBuild struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// BinaryEnv names the environment variable that points the tests at a
// firsthop binary built elsewhere (a release build, an image's binary)
// instead of building cmd/firsthop from this tree.
const BinaryEnv = "FIRSTHOP_E2E_BINARY"

// FirsthopBinary returns the firsthop binary under test: $FIRSTHOP_E2E_BINARY
// if set, else cmd/firsthop built once per test process as the Dockerfile
// builds it, with the stock Go runtime (into a temporary directory that
// TestMain removes).
func FirsthopBinary(t testing.TB) string {
	t.Helper()
	RequireE2E(t)
	firsthopBuild.once.Do(func() {
		if p := os.Getenv(BinaryEnv); p != "" {
			firsthopBuild.path, firsthopBuild.err = filepath.Abs(p)
			return
		}
		firsthopBuild.dir, firsthopBuild.err = os.MkdirTemp("", "firsthop-e2e-bin-")
		if firsthopBuild.err != nil {
			return
		}
		out := filepath.Join(firsthopBuild.dir, "firsthop")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		// As the Dockerfile builds it by default: the stock runtime, no
		// overlay (cmd/netpolloverlay is an opt-in experiment).
		cmd := exec.CommandContext(ctx, "go", "build", "-o", out, FirsthopPackage)
		if b, err := cmd.CombinedOutput(); err != nil {
			firsthopBuild.err = fmt.Errorf("go build %s: %w\n%s", FirsthopPackage, err, b)
			return
		}
		firsthopBuild.path = out
	})
	if firsthopBuild.err != nil {
		t.Fatal(firsthopBuild.err)
	}
	return firsthopBuild.path
}

// removeFirsthopBuild removes FirsthopBinary's directory, if any.
func removeFirsthopBuild() {
	if firsthopBuild.dir != "" {
		os.RemoveAll(firsthopBuild.dir)
	}
}

// FirsthopReadyTimeout bounds the wait for a started firsthop (proxy or
// echo) to answer.
const FirsthopReadyTimeout = 20 * time.Second

// DefaultAdmin is the admin address [FirsthopSpec] assumes when its Admin
// is empty: loopback inside the host's namespace, so each host can use the
// same one.
const DefaultAdmin = "127.0.0.1:9901"

// FirsthopSpec says how to run `firsthop serve`.
type FirsthopSpec struct {
	// Config is the YAML config file's text. It must set admin.address to
	// Admin.
	Config string
	// Admin is the admin listener's address inside the host, polled for
	// /readyz. Empty means [DefaultAdmin].
	Admin string
	// Args are extra command-line arguments.
	Args []string
	// Env is added to the process environment (NODE_NAME=...).
	Env []string
}

// Firsthop is a running `firsthop serve`.
type Firsthop struct {
	*Proc
	Host       *Host
	ConfigPath string
	Admin      string
}

// Firsthop writes spec.Config to a file, checks it with `firsthop
// validate`, starts `firsthop serve` inside h and waits until its admin
// /readyz answers 200. The process is stopped by a cleanup on t.
func (h *Host) Firsthop(t testing.TB, spec FirsthopSpec) *Firsthop {
	t.Helper()
	path := writeConfig(t, spec.Config, "validate", "--config")
	return h.startFirsthop(t, "firsthop", append([]string{"serve", "--config", path}, spec.Args...), spec.Env, spec.Admin, path)
}

// writeConfig writes a config file and checks it with `firsthop
// validateArgs... PATH`; it returns the file's path.
func writeConfig(t testing.TB, text string, validateArgs ...string) string {
	t.Helper()
	bin := FirsthopBinary(t)
	path := filepath.Join(t.TempDir(), "firsthop.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, bin, append(validateArgs, path)...).CombinedOutput(); err != nil {
		t.Fatalf("firsthop %s: %v\n%s\nconfig:\n%s", strings.Join(validateArgs, " "), err, out, numbered(text))
	}
	return path
}

// startFirsthop starts the firsthop binary with args inside h, under the
// process name name@host, and waits until admin (default [DefaultAdmin])
// answers /readyz with 200.
func (h *Host) startFirsthop(t testing.TB, name string, args, env []string, admin, configPath string) *Firsthop {
	t.Helper()
	if admin == "" {
		admin = DefaultAdmin
	}
	argv := append([]string{FirsthopBinary(t)}, args...)
	p := StartProc(t, h.Netns, ProcSpec{Name: name + "@" + h.Name, Args: argv, Env: env})
	f := &Firsthop{Proc: p, Host: h, ConfigPath: configPath, Admin: admin}
	c := h.HTTPClient(2 * time.Second)
	Eventually(t, FirsthopReadyTimeout, name+"@"+h.Name+" /readyz", func() error {
		if p.Exited() {
			return fmt.Errorf("firsthop exited: %v\n%s", p.ExitError(), p.Output())
		}
		return expectGet(c, "http://"+admin+"/readyz", 200, "")
	})
	return f
}

// Echo starts `firsthop echo` inside h, listening on every address of the
// host at port, and waits until it answers. It is stopped by a cleanup on
// t.
func (h *Host) Echo(t testing.TB, port uint16) *Proc {
	t.Helper()
	bin := FirsthopBinary(t)
	listen := fmt.Sprintf(":%d", port)
	p := StartProc(t, h.Netns, ProcSpec{Name: "echo@" + h.Name, Args: []string{bin, "echo", "--listen", listen}})
	c := h.HTTPClient(2 * time.Second)
	url := "http://" + h.Addr4(port).String() + "/__e2e_ready"
	Eventually(t, FirsthopReadyTimeout, "echo@"+h.Name, func() error {
		if p.Exited() {
			return fmt.Errorf("echo exited: %v\n%s", p.ExitError(), p.Output())
		}
		return expectGet(c, url, 200, `"path"`)
	})
	return p
}

// numbered prefixes each line of s with its number, for error messages
// that quote a config file.
func numbered(s string) string {
	var b strings.Builder
	for i, line := range strings.Split(s, "\n") {
		fmt.Fprintf(&b, "%3d  %s\n", i+1, line)
	}
	return b.String()
}
