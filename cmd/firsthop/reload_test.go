package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestReloaderSeesAChangeMadeAfterTheRead: a config file that changes
// after serve read it but before the watch takes its first look is still
// reloaded (the watch starts from the file as it was read, not as it is
// when the goroutine gets to run).
func TestReloaderSeesAChangeMadeAfterTheRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "firsthop.yaml")
	if err := os.WriteFile(path, []byte("listeners: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	loaded := stamp(path) // as serve stamps it, before reading
	// An invalid change, so that the reload stops before the server
	// (there is none here) and reports an error.
	if err := os.WriteFile(path, []byte("bogus: key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	results := make(chan error, 1)
	r := &reloader{path: path, log: slog.New(slog.DiscardHandler), interval: 10 * time.Millisecond,
		files: []string{path}, loaded: loaded, reloaded: results}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.run(ctx)
	select {
	case err := <-results:
		if err == nil {
			t.Error("the invalid file was accepted")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the change made after the read was never reloaded")
	}
}
