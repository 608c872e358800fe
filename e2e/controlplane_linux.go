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

// buildTimeout bounds building the control plane from cold (about five
// minutes for kube-apiserver on two cores, a few more for
// kube-controller-manager).
const buildTimeout = 40 * time.Minute

// ControlPlane holds the paths of the control-plane binaries.
type ControlPlane struct {
	KubeAPIServer         string
	KubeControllerManager string
	Etcd                  string
}

var controlPlane buildOnce[ControlPlane]

// ControlPlaneBinaries returns kube-apiserver, kube-controller-manager and
// etcd, built from the tools modules (tools/go.mod for the Kubernetes
// binaries, tools/etcd/go.mod for etcd) into the cache ([CacheDir]) keyed
// by those modules' go.mod and go.sum. The first call on a machine builds
// them (minutes); later calls and later test processes reuse them. It is
// called lazily, only by tests that need a cluster, and never under
// -short.
func ControlPlaneBinaries(t testing.TB) ControlPlane {
	t.Helper()
	return controlPlane.get(t, "control plane", buildControlPlane)
}

// buildOnce is a cached build run at most once per test process.
type buildOnce[T any] struct {
	once sync.Once
	v    T
	err  error
}

// get runs build the first time (skipping t where e2e tests cannot run or
// go is missing) and returns its result, failing t on its error, named
// what.
func (b *buildOnce[T]) get(t testing.TB, what string, build func(logf func(string, ...any)) (T, error)) T {
	t.Helper()
	RequireE2E(t)
	RequireCommands(t, "go")
	b.once.Do(func() {
		b.v, b.err = build(func(format string, args ...any) {
			fmt.Fprintf(os.Stderr, format+"\n", args...)
		})
	})
	if b.err != nil {
		t.Fatalf("%s: %v", what, b.err)
	}
	return b.v
}

func buildControlPlane(logf func(string, ...any)) (ControlPlane, error) {
	tools, err := filepath.Abs("tools")
	if err != nil {
		return ControlPlane{}, err
	}
	etcdTools := filepath.Join(tools, "etcd")
	key, err := cacheKey(
		filepath.Join(tools, "go.mod"), filepath.Join(tools, "go.sum"),
		filepath.Join(etcdTools, "go.mod"), filepath.Join(etcdTools, "go.sum"),
	)
	if err != nil {
		return ControlPlane{}, fmt.Errorf("cache key (run the tests from the e2e directory, as go test does): %w", err)
	}
	dir, err := CacheDir()
	if err != nil {
		return ControlPlane{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	entry, err := ensureCached(ctx, dir, key, []cachedBinary{
		{Name: "kube-apiserver", Build: func(ctx context.Context, out string) error {
			return buildKubernetes(ctx, tools, out, "k8s.io/kubernetes/cmd/kube-apiserver")
		}},
		{Name: "kube-controller-manager", Build: func(ctx context.Context, out string) error {
			return buildKubernetes(ctx, tools, out, "k8s.io/kubernetes/cmd/kube-controller-manager")
		}},
		{Name: "etcd", Build: func(ctx context.Context, out string) error {
			return goBuild(ctx, etcdTools, out, "-s -w", "go.etcd.io/etcd/server/v3")
		}},
	}, logf)
	if err != nil {
		return ControlPlane{}, err
	}
	return ControlPlane{
		KubeAPIServer:         filepath.Join(entry, "kube-apiserver"),
		KubeControllerManager: filepath.Join(entry, "kube-controller-manager"),
		Etcd:                  filepath.Join(entry, "etcd"),
	}, nil
}

// buildKubernetes builds pkg (a command of k8s.io/kubernetes) from the tools
// module, stamping the module's version into it as the Kubernetes release
// scripts do (otherwise /version says v0.0.0-master).
func buildKubernetes(ctx context.Context, tools, out, pkg string) error {
	v, err := goOutput(ctx, tools, "list", "-m", "-f", "{{.Version}}", "k8s.io/kubernetes")
	if err != nil {
		return err
	}
	v = strings.TrimSpace(v)
	major, minor, _ := strings.Cut(strings.TrimPrefix(v, "v"), ".")
	minor, _, _ = strings.Cut(minor, ".")
	const version = "k8s.io/component-base/version"
	ldflags := fmt.Sprintf("-s -w -X %[1]s.gitVersion=%[2]s -X %[1]s.gitMajor=%[3]s -X %[1]s.gitMinor=%[4]s -X %[1]s.gitTreeState=clean",
		version, v, major, minor)
	return goBuild(ctx, tools, out, ldflags, pkg)
}

// goBuild runs `go build -o out -ldflags ldflags pkg` in module directory
// dir: static (CGO_ENABLED=0), outside any workspace, with the module's
// go.sum as it is (-mod=readonly), without VCS stamping.
func goBuild(ctx context.Context, dir, out, ldflags, pkg string) error {
	_, err := goOutput(ctx, dir, "build", "-o", out, "-ldflags", ldflags, pkg)
	return err
}

func goOutput(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOWORK=off", "GOFLAGS=-mod=readonly -buildvcs=false")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go %s (in %s): %w\n%s", strings.Join(args, " "), dir, err, stderr.String())
	}
	return string(out), nil
}
