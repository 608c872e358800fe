package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestValidateRoutingExample: `firsthop validate` accepts
// examples/routing.yaml (splits, redirects, direct answers, rewrites)
// without warnings, and refuses the same file with a misplaced weight at
// its line and column.
func TestValidateRoutingExample(t *testing.T) {
	t.Parallel()
	const path = "../../examples/routing.yaml"
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"validate", "--config", path}, &stdout, &stderr)
	if code != 0 || !strings.Contains(stdout.String(), "valid (0 warning(s))") {
		t.Errorf("exit code %d, want 0\nstdout: %s\nstderr: %s", code, &stdout, &stderr)
	}
}

// TestValidateRouteErrorPosition: a route key written at the wrong level
// is reported by `firsthop validate` with its file, line and column and
// where it belongs.
func TestValidateRouteErrorPosition(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "weight.yaml")
	const file = `listeners: [{name: public, address: 127.0.0.1:8080}]
backends: [{name: v1, echo: true}]
routes:
  - paths:
      - path: /
        backend: v1
        weight: 90
`
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"validate", "--config", path}, &stdout, &stderr)
	want := `weight.yaml:7:9: routes[0].paths[0]: unknown key "weight" (did you mean routes[].paths[].backends[].weight?)`
	if code != 1 || !strings.Contains(stderr.String(), want) {
		t.Errorf("exit code %d, stderr %q; want 1 and %q", code, &stderr, want)
	}
}
