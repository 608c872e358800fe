package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"time"
)

// CacheEnv names the environment variable that points the control-plane
// binary cache somewhere other than $XDG_CACHE_HOME/firsthop-e2e (usually
// $HOME/.cache/firsthop-e2e).
const CacheEnv = "FIRSTHOP_E2E_CACHE"

// lockWait bounds how long a test process waits for another one that is
// building the same cache entry.
const lockWait = 45 * time.Minute

// CacheDir returns the control-plane binary cache: $FIRSTHOP_E2E_CACHE if
// set, else firsthop-e2e under the user cache directory.
func CacheDir() (string, error) {
	if d := os.Getenv(CacheEnv); d != "" {
		return filepath.Abs(d)
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory (set %s): %w", CacheEnv, err)
	}
	return filepath.Join(d, "firsthop-e2e"), nil
}

// cacheKey hashes what decides the binaries' bytes: the given files (the
// tools modules' go.mod and go.sum) and the Go toolchain and platform. The
// key is 16 hex digits.
func cacheKey(files ...string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %d\n", filepath.Base(filepath.Dir(f))+"/"+filepath.Base(f), len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// cachedBinary is one binary in a cache entry, and how to build it.
type cachedBinary struct {
	// Name is the file name in the entry ("kube-apiserver").
	Name string
	// Build writes the binary to out.
	Build func(ctx context.Context, out string) error
}

// ensureCached returns the directory dir/key holding every binary in bins,
// building the missing ones first. An exclusive flock on dir/key.lock
// makes concurrent test processes (and goroutines) build each entry once:
// the others wait, then find the binaries. Binaries are built under a
// temporary name and renamed into place, so a present file is complete.
func ensureCached(ctx context.Context, dir, key string, bins []cachedBinary, logf func(string, ...any)) (string, error) {
	entry := filepath.Join(dir, key)
	if allPresent(entry, bins) {
		return entry, nil
	}
	if err := os.MkdirAll(entry, 0o755); err != nil {
		return "", err
	}
	unlock, err := lockFile(ctx, filepath.Join(dir, key+".lock"), logf)
	if err != nil {
		return "", err
	}
	defer unlock()
	for _, b := range bins {
		final := filepath.Join(entry, b.Name)
		if _, err := os.Stat(final); err == nil {
			continue
		}
		tmp := fmt.Sprintf("%s.tmp%d", final, os.Getpid())
		start := time.Now()
		logf("e2e: building %s into %s (once per machine and tools version)", b.Name, entry)
		if err := b.Build(ctx, tmp); err != nil {
			os.Remove(tmp)
			return "", fmt.Errorf("build %s: %w", b.Name, err)
		}
		if err := os.Rename(tmp, final); err != nil {
			return "", err
		}
		logf("e2e: built %s in %v", b.Name, time.Since(start).Round(time.Second))
	}
	return entry, nil
}

func allPresent(entry string, bins []cachedBinary) bool {
	for _, b := range bins {
		if _, err := os.Stat(filepath.Join(entry, b.Name)); err != nil {
			return false
		}
	}
	return true
}

// lockFile takes an exclusive flock on path, polling until ctx is done or
// lockWait has passed, and returns the function that releases it.
func lockFile(ctx context.Context, path string, logf func(string, ...any)) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, lockWait)
	defer cancel()
	said := false
	err = Poll(ctx, lockWait, func() error {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if errors.Is(err, syscall.EWOULDBLOCK) && !said {
			logf("e2e: waiting for another test process to finish building (%s)", path)
			said = true
		}
		return err
	})
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
