package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestCommandHelpExitsZero(t *testing.T) {
	t.Parallel()
	tests := []struct {
		command string
		want    []string // in the usage, on stdout
		notWant []string
	}{
		{"serve", []string{"Usage: firsthop serve --config FILE", "\n  --config FILE\n", "\n  --grace-period duration\n", "(default 30s)", "\n  --pprof\n"}, []string{"\n  -config", "(default false)"}},
		{"validate", []string{"Usage: firsthop validate --config FILE", "\n  --config FILE\n", "\n  --ingress\n        validate for firsthop ingress"}, []string{"--ingress firsthop"}},
		{"ingress", []string{"Usage: firsthop ingress", "\n  --kubeconfig FILE\n", "\n  --config FILE\n", "\n  --watch-ingress-without-class\n", "\n  --ingress-nginx-annotations\n"}, nil},
		{"echo", []string{"Usage: firsthop echo", "\n  --listen ADDR\n", `(default 127.0.0.1:9000)`}, nil},
		{"version", []string{"Usage: firsthop version", "\n  -" + "-v\n"}, nil},
		{"migrate", []string{"Usage: firsthop migrate -f FILE", "\n  --f FILE\n", "\n  --o string\n", "(default text)"}, nil},
	}
	for _, tc := range tests {
		for _, help := range []string{"--help", "-h", "-help"} {
			t.Run(tc.command+" "+help, func(t *testing.T) {
				t.Parallel()
				var stdout, stderr bytes.Buffer
				code := run(context.Background(), []string{tc.command, help}, &stdout, &stderr)
				if code != 0 {
					t.Errorf("exit code %d, want 0\nstderr: %s", code, &stderr)
				}
				if stderr.Len() != 0 {
					t.Errorf("stderr %q, want nothing (help goes to stdout)", &stderr)
				}
				for _, want := range tc.want {
					if !strings.Contains(stdout.String(), want) {
						t.Errorf("usage does not contain %q:\n%s", want, &stdout)
					}
				}
				for _, bad := range tc.notWant {
					if strings.Contains(stdout.String(), bad) {
						t.Errorf("usage contains %q:\n%s", bad, &stdout)
					}
				}
			})
		}
	}
}

func TestCommandBadFlagExitsTwoWithUsage(t *testing.T) {
	t.Parallel()
	for _, command := range []string{"serve", "validate", "ingress", "echo", "version", "migrate"} {
		t.Run(command, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), []string{command, "--no-such-flag"}, &stdout, &stderr)
			if code != 2 {
				t.Errorf("exit code %d, want 2", code)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout %q, want nothing", &stdout)
			}
			for _, want := range []string{"flag provided but not defined: -no-such-flag", "Usage: firsthop " + command} {
				if !strings.Contains(stderr.String(), want) {
					t.Errorf("stderr does not contain %q:\n%s", want, &stderr)
				}
			}
		})
	}
}
