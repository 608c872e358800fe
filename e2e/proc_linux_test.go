package e2e

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestProc(t *testing.T) {
	t.Parallel()
	RequireCommands(t, "sh", "sleep")
	tests := []struct {
		name     string
		script   string
		stop     time.Duration
		wantOut  string
		wantExit bool // the process ends on its own
		wantErr  bool // Stop reports an error
	}{
		{"exits 0", "echo hello; exit 0", 0, "hello", true, false},
		{"exits 3", "echo bye >&2; exit 3", 0, "bye", true, true},
		{"stops on SIGTERM", "echo up; exec sleep 100", 0, "up", false, false},
		{"killed when it ignores SIGTERM", `trap "" TERM; echo stubborn; while :; do sleep 0.05; done`, 200 * time.Millisecond, "stubborn", false, true},
		{"killed at once", "echo now; exec sleep 100", -1, "now", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := StartProc(t, Netns{}, ProcSpec{Args: []string{"sh", "-c", tt.script}, StopTimeout: tt.stop})
			Eventually(t, 5*time.Second, "output "+tt.wantOut, func() error {
				if !p.OutputContains(tt.wantOut) {
					return &unexpectedOutput{p.Output()}
				}
				return nil
			})
			if tt.wantExit {
				if err := p.Wait(5 * time.Second); (err != nil) != tt.wantErr {
					t.Errorf("Wait: %v, want error %v", err, tt.wantErr)
				}
			} else if p.Exited() {
				t.Fatalf("exited early: %v", p.ExitError())
			}
			err := p.Stop()
			if tt.wantExit {
				return
			}
			if (err != nil && !isSignalled(err)) != tt.wantErr {
				t.Errorf("Stop: %v, want error %v", err, tt.wantErr)
			}
			if !p.Exited() {
				t.Error("still running after Stop")
			}
		})
	}
}

type unexpectedOutput struct{ out string }

func (u *unexpectedOutput) Error() string { return "output so far: " + strings.TrimSpace(u.out) }

// TestProcExitErrorOnceExited checks that ExitError, once the process has
// exited, always returns its exit error: it used to race a zero timeout
// against the exit and say "still running" about half the time.
func TestProcExitErrorOnceExited(t *testing.T) {
	t.Parallel()
	RequireCommands(t, "sh")
	p := StartProc(t, Netns{}, ProcSpec{Args: []string{"sh", "-c", "exit 3"}})
	<-p.Done()
	for i := range 200 {
		var ee *exec.ExitError
		if err := p.ExitError(); !errors.As(err, &ee) || ee.ExitCode() != 3 {
			t.Fatalf("call %d: ExitError() = %v, want exit status 3", i, err)
		}
	}
}

// TestProcOutputFile checks that ProcSpec.OutputFile gets the whole
// output, also what the kept tail has dropped.
func TestProcOutputFile(t *testing.T) {
	t.Parallel()
	RequireCommands(t, "sh", "head", "tr")
	path := filepath.Join(t.TempDir(), "out.log")
	// outputKept+1000 bytes of "a", then a marker, on both streams.
	script := fmt.Sprintf("head -c %d /dev/zero | tr '\\000' a; echo; echo end >&2", outputKept+1000)
	p := StartProc(t, Netns{}, ProcSpec{Args: []string{"sh", "-c", script}, OutputFile: path})
	if err := p.Wait(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Repeat("a", outputKept+1000) + "\nend\n"; string(b) != want {
		t.Errorf("output file has %d bytes, want %d", len(b), len(want))
	}
	if len(p.Output()) > outputKept+100 {
		t.Errorf("kept output %d bytes, want at most about %d", len(p.Output()), outputKept)
	}
}
