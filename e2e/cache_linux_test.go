package e2e

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
)

func TestEnsureCachedBuildsOnce(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var builds atomic.Int32
	bins := []cachedBinary{
		{Name: "a", Build: func(_ context.Context, out string) error {
			builds.Add(1)
			return os.WriteFile(out, []byte("a"), 0o755)
		}},
		{Name: "b", Build: func(_ context.Context, out string) error {
			builds.Add(1)
			return os.WriteFile(out, []byte("b"), 0o755)
		}},
	}
	var wg sync.WaitGroup
	entries := make([]string, 8)
	errs := make([]error, 8)
	for i := range entries {
		wg.Go(func() {
			entries[i], errs[i] = ensureCached(context.Background(), dir, "k1", bins, t.Logf)
		})
	}
	wg.Wait()
	for i := range entries {
		if errs[i] != nil || entries[i] != filepath.Join(dir, "k1") {
			t.Errorf("caller %d: %q, %v; want %q", i, entries[i], errs[i], filepath.Join(dir, "k1"))
		}
	}
	if n := builds.Load(); n != 2 {
		t.Errorf("%d builds for 8 concurrent callers and 2 binaries, want 2", n)
	}
	for _, b := range []string{"a", "b"} {
		if got, err := os.ReadFile(filepath.Join(dir, "k1", b)); err != nil || string(got) != b {
			t.Errorf("binary %s: %q, %v", b, got, err)
		}
	}
}

func TestEnsureCachedFailedBuildLeavesNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fail := true
	bins := []cachedBinary{{Name: "x", Build: func(_ context.Context, out string) error {
		if err := os.WriteFile(out, []byte("half"), 0o755); err != nil {
			return err
		}
		if fail {
			return errors.New("compiler crashed")
		}
		return nil
	}}}
	if _, err := ensureCached(context.Background(), dir, "k", bins, t.Logf); err == nil {
		t.Fatal("failed build reported success")
	}
	left, _ := filepath.Glob(filepath.Join(dir, "k", "*"))
	if len(left) != 0 {
		t.Errorf("failed build left %v", left)
	}
	fail = false
	if _, err := ensureCached(context.Background(), dir, "k", bins, t.Logf); err != nil {
		t.Errorf("retry after failure: %v", err)
	}
}

func TestCacheKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	mod, sum := write("go.mod", "module x\n"), write("go.sum", "a v1 h1:x\n")
	k1, err := cacheKey(mod, sum)
	if err != nil {
		t.Fatal(err)
	}
	if k2, _ := cacheKey(mod, sum); k2 != k1 {
		t.Errorf("same files, keys %s and %s", k1, k2)
	}
	write("go.sum", "a v2 h1:y\n")
	if k3, _ := cacheKey(mod, sum); k3 == k1 {
		t.Errorf("go.sum changed, key stayed %s", k1)
	}
	if _, err := cacheKey(filepath.Join(dir, "missing")); err == nil {
		t.Error("missing file gave a key")
	}
}

func TestCacheDir(t *testing.T) {
	// Not parallel: it sets environment variables.
	t.Setenv(CacheEnv, "/some/where")
	if d, err := CacheDir(); err != nil || d != "/some/where" {
		t.Errorf("with %s set: %q, %v", CacheEnv, d, err)
	}
	t.Setenv(CacheEnv, "")
	t.Setenv("XDG_CACHE_HOME", "")
	t.Setenv("HOME", "/home/ci")
	if d, err := CacheDir(); err != nil || d != "/home/ci/.cache/firsthop-e2e" {
		t.Errorf("default: %q, %v", d, err)
	}
}
