package e2e

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"testing"
)

// TestMain sweeps what crashed earlier runs left behind, cleans up this
// run's namespaces if the process is interrupted, and removes the firsthop
// build directory at the end. Under -short it does nothing: the e2e tests
// skip themselves.
func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() || os.Geteuid() != 0 {
		os.Exit(m.Run())
	}
	if removed, err := SweepStale(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: sweeping stale runs: %v\n", err)
	} else if len(removed) > 0 {
		fmt.Fprintf(os.Stderr, "e2e: removed stale runs %v\n", removed)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		s := <-sig
		fmt.Fprintf(os.Stderr, "e2e: %v: removing this run's namespaces\n", s)
		if err := CleanupOwnRuns(); err != nil {
			fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		}
		os.Exit(2)
	}()
	code := m.Run()
	removeFirsthopBuild()
	os.Exit(code)
}
