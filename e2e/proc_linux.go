package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// StopTimeout is how long [Proc.Stop] waits after SIGTERM before it
// SIGKILLs the process group, unless [ProcSpec.StopTimeout] says otherwise.
const StopTimeout = 10 * time.Second

// outputKept is how much of a process's combined output a [Proc] keeps.
const outputKept = 256 << 10

// ProcSpec says how to start a [Proc].
type ProcSpec struct {
	// Name labels the process in logs; empty means the program name.
	Name string
	// Args is the program and its arguments. Args[0] is looked up on PATH
	// unless it contains a slash.
	Args []string
	// Env is added to the test process's environment (or, with ExactEnv,
	// is the whole environment).
	Env []string
	// ExactEnv starts the process with Env only, inheriting nothing from
	// the test process (a pod's container).
	ExactEnv bool
	// Dir is the working directory; empty means the test process's.
	Dir string
	// OutputFile, if set, is created and receives the whole combined
	// output as well (a [Proc] keeps only its last part).
	OutputFile string
	// Log, if set, receives the whole combined output as well (the pod
	// runner's container logs).
	Log io.Writer
	// StopTimeout is how long [Proc.Stop] waits after SIGTERM before
	// SIGKILL. Zero means [StopTimeout]; negative means SIGKILL at once,
	// for processes whose shutdown nothing depends on.
	StopTimeout time.Duration
}

// Proc is a process the harness started, in its own process group, with
// combined stdout and stderr captured. It is killed if the test process
// dies (parent-death signal), and stopped by a t.Cleanup; a failed test
// logs its output.
type Proc struct {
	Name string
	Netns

	cmd         *exec.Cmd
	stopTimeout time.Duration
	out         *tailBuffer
	outFile     *os.File
	done        chan struct{}
	waitErr     error
}

// StartProc starts spec inside ns and registers a cleanup on t that stops
// it (see [Proc.Stop]) and, if t failed, logs its output. It fails t if the
// program cannot be started.
func StartProc(t testing.TB, ns Netns, spec ProcSpec) *Proc {
	t.Helper()
	p, err := startProc(ns, spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		err := p.Stop()
		if t.Failed() {
			t.Logf("--- %s (netns %s) output ---\n%s--- end of %s output ---", p.Name, p.Netns, p.Output(), p.Name)
		}
		if err != nil && !isSignalled(err) {
			t.Logf("%s: %v", p.Name, err)
		}
	})
	return p
}

func startProc(ns Netns, spec ProcSpec) (*Proc, error) {
	if len(spec.Args) == 0 {
		return nil, errors.New("StartProc: no program")
	}
	args := append([]string(nil), spec.Args...)
	if !strings.Contains(args[0], "/") {
		path, err := lookPath(args[0])
		if err != nil {
			return nil, err
		}
		args[0] = path
	}
	name := spec.Name
	if name == "" {
		name = args[0][strings.LastIndex(args[0], "/")+1:]
	}
	p := &Proc{Name: name, Netns: ns, stopTimeout: spec.StopTimeout, out: newTailBuffer(outputKept), done: make(chan struct{})}
	if p.stopTimeout == 0 {
		p.stopTimeout = StopTimeout
	}
	// The context only matters for exec's bookkeeping; lifetime is ours.
	p.cmd = ns.Command(context.Background(), args...)
	p.cmd.Env = append(os.Environ(), spec.Env...)
	if spec.ExactEnv {
		p.cmd.Env = append([]string{}, spec.Env...)
	}
	p.cmd.Dir = spec.Dir
	var out io.Writer = p.out
	if spec.OutputFile != "" {
		f, err := os.Create(spec.OutputFile)
		if err != nil {
			return nil, fmt.Errorf("start %s: %w", name, err)
		}
		p.outFile = f // closed once the process has exited
		out = io.MultiWriter(p.out, f)
	}
	if spec.Log != nil {
		out = io.MultiWriter(out, spec.Log)
	}
	p.cmd.Stdout = out
	p.cmd.Stderr = out
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	p.cmd.WaitDelay = time.Second
	if err := p.cmd.Start(); err != nil {
		p.closeOutputFile()
		return nil, fmt.Errorf("start %s in netns %s: %w", name, ns, err)
	}
	go func() {
		p.waitErr = p.cmd.Wait()
		p.closeOutputFile()
		close(p.done)
	}()
	return p, nil
}

// closeOutputFile closes [ProcSpec.OutputFile], if any; Wait has copied
// all of the output by then.
func (p *Proc) closeOutputFile() {
	if p.outFile != nil {
		_ = p.outFile.Close()
	}
}

// PID returns the process's id, which is also its process group id.
func (p *Proc) PID() int { return p.cmd.Process.Pid }

// Output returns the last part of the process's combined output.
func (p *Proc) Output() string { return p.out.String() }

// OutputContains reports whether the kept output contains s.
func (p *Proc) OutputContains(s string) bool { return p.out.Contains(s) }

// Exited reports whether the process has exited.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Done is closed when the process has exited.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Wait waits at most timeout for the process to exit and returns its exit
// error (nil for status 0), or an error saying it is still running.
func (p *Proc) Wait(timeout time.Duration) error {
	// First without the timer: with both ready, select would pick either.
	select {
	case <-p.done:
		return p.waitErr
	default:
	}
	select {
	case <-p.done:
		return p.waitErr
	case <-time.After(timeout):
		return fmt.Errorf("%s still running after %v", p.Name, timeout)
	}
}

// Signal sends sig to the process group.
func (p *Proc) Signal(sig syscall.Signal) error {
	if p.Exited() {
		return nil
	}
	return syscall.Kill(-p.PID(), sig)
}

// Stop sends SIGTERM to the process group, waits up to the spec's
// StopTimeout, then SIGKILLs the group, and returns the exit error.
// Stopping a process that has exited just returns its exit error. Stop is
// idempotent.
func (p *Proc) Stop() error {
	if !p.Exited() && p.stopTimeout > 0 {
		_ = p.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(p.stopTimeout):
			_ = syscall.Kill(-p.PID(), syscall.SIGKILL)
			<-p.done
			return fmt.Errorf("%s ignored SIGTERM for %v; killed", p.Name, p.stopTimeout)
		}
	}
	// Children left behind in the group go too (and the process itself
	// when stopTimeout is negative).
	_ = syscall.Kill(-p.PID(), syscall.SIGKILL)
	<-p.done
	return p.waitErr
}

// ExitError returns the process's exit error once it has exited (nil for
// status 0), and an error if it is still running.
func (p *Proc) ExitError() error { return p.Wait(0) }

// isSignalled reports whether err says the process died of a signal, the
// normal end of a process stopped with SIGTERM that has no handler.
func isSignalled(err error) bool {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return true
		}
	}
	return false
}
