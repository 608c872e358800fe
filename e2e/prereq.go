package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
)

// InCI reports whether the environment variable CI holds a true value
// ("true", "1", ...). In CI a missing e2e prerequisite fails the test
// instead of skipping it.
func InCI() bool {
	ok, _ := strconv.ParseBool(os.Getenv("CI"))
	return ok
}

// Unavailable ends the test because a prerequisite is missing: it skips
// with the reason, or, under CI, fails with it, so that CI can never pass
// while running no e2e test.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if InCI() {
		t.Fatalf("e2e prerequisite missing (CI=true, so this fails instead of skipping): %s", msg)
	}
	t.Skipf("e2e prerequisite missing: %s", msg)
}

// RequireE2E skips t under -short (whatever CI says: -short is an explicit
// request for the quick layers only). Every e2e test calls it first,
// directly or through a helper such as [NewFabric] or [StartCluster].
func RequireE2E(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("e2e layer skipped with -short")
	}
}

// RequireRoot ends the test through [Unavailable] unless it runs as root,
// which network namespaces need.
func RequireRoot(t testing.TB) {
	t.Helper()
	RequireE2E(t)
	if os.Geteuid() != 0 {
		Unavailable(t, "needs root for network namespaces (running as uid %d)", os.Geteuid())
	}
}

// RequireCommands ends the test through [Unavailable] unless every named
// program is on PATH. The message names the Debian packages to install.
func RequireCommands(t testing.TB, names ...string) {
	t.Helper()
	RequireE2E(t)
	var missing []string
	for _, name := range names {
		if _, err := lookPath(name); err != nil {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		Unavailable(t, "programs not on PATH: %v (apt-get install -y %s)", missing, debianPackages(missing))
	}
}

// packageOf maps a program the harness runs to the Debian package that
// ships it.
var packageOf = map[string]string{
	"ip":      "iproute2",
	"haproxy": "haproxy",
	"nginx":   "nginx",
	"curl":    "curl",
	"go":      "(the Go toolchain)",
}

func debianPackages(programs []string) string {
	s := ""
	for i, p := range programs {
		if i > 0 {
			s += " "
		}
		if pkg, ok := packageOf[p]; ok {
			s += pkg
		} else {
			s += p
		}
	}
	return s
}

var lookPathCache sync.Map // program name -> lookPathResult

type lookPathResult struct {
	path string
	err  error
}

// lookPath is exec.LookPath, remembered for the life of the process. The
// harness resolves programs once so that every process it starts runs the
// same binary.
func lookPath(name string) (string, error) {
	if v, ok := lookPathCache.Load(name); ok {
		r := v.(lookPathResult)
		return r.path, r.err
	}
	p, err := exec.LookPath(name)
	lookPathCache.Store(name, lookPathResult{p, err})
	return p, err
}
