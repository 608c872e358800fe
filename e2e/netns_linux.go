package e2e

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// netnsDir is where `ip netns` keeps its named namespaces.
const netnsDir = "/run/netns"

// Netns names a network namespace made with `ip netns add`. The zero value
// is the test process's own (root) namespace, where commands run directly
// and dials use the ordinary stack.
type Netns struct {
	// Name is the name under /run/netns; "" means the root namespace.
	Name string
}

// IsRoot reports whether n is the test process's own namespace.
func (n Netns) IsRoot() bool { return n.Name == "" }

// String returns the namespace name, or "root".
func (n Netns) String() string {
	if n.IsRoot() {
		return "root"
	}
	return n.Name
}

// Command returns a command that runs argv inside n (through
// `ip netns exec`, which execs argv in place, so the PID is argv's own).
func (n Netns) Command(ctx context.Context, argv ...string) *exec.Cmd {
	if n.IsRoot() {
		return exec.CommandContext(ctx, argv[0], argv[1:]...)
	}
	ip, _ := lookPath("ip")
	return exec.CommandContext(ctx, ip, append([]string{"netns", "exec", n.Name}, argv...)...)
}

// Do runs fn on an OS thread switched into n, so that sockets fn creates
// belong to n; they stay there after Do returns. fn must not start
// goroutines that create sockets. For the root namespace fn just runs.
func (n Netns) Do(fn func() error) error {
	if n.IsRoot() {
		return fn()
	}
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		// No UnlockOSThread on failure to restore: the goroutine then exits
		// locked and the runtime discards the thread, still in n.
		self, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		defer self.Close()
		target, err := os.Open(netnsDir + "/" + n.Name)
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("netns %s: %w", n.Name, err)
			return
		}
		defer target.Close()
		if err := setns(target); err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("enter netns %s: %w", n.Name, err)
			return
		}
		ferr := fn()
		if err := setns(self); err != nil {
			errc <- errors.Join(ferr, fmt.Errorf("leave netns %s: %w", n.Name, err))
			return
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}

func setns(f *os.File) error {
	_, _, errno := syscall.Syscall(sysSetns, f.Fd(), syscall.CLONE_NEWNET, 0)
	if errno != 0 {
		return errno
	}
	return nil
}

// DialContext dials address from inside n. address must be a literal IP
// and port: nothing is resolved.
func (n Netns) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	var c net.Conn
	err := n.Do(func() error {
		var d net.Dialer
		var err error
		c, err = d.DialContext(ctx, network, address)
		return err
	})
	return c, err
}

// Listen listens on address inside n.
func (n Netns) Listen(network, address string) (net.Listener, error) {
	var l net.Listener
	err := n.Do(func() error {
		var err error
		l, err = net.Listen(network, address)
		return err
	})
	return l, err
}

// HTTPClient returns a client whose connections are made inside n, with
// the given overall timeout, no proxy from the environment and no
// connection reuse (every request is a fresh connection, as curl's are).
func (n Netns) HTTPClient(timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			Proxy:             nil,
			DialContext:       n.DialContext,
			DisableKeepAlives: true,
		},
	}
}

// ipCommandTimeout bounds every `ip` invocation.
const ipCommandTimeout = 15 * time.Second

// runIP runs `ip args...` in the root namespace and returns its error with
// the output.
func runIP(args ...string) error {
	_, err := outputIP(args...)
	return err
}

// outputIP runs `ip args...` and returns its standard output.
func outputIP(args ...string) (string, error) {
	ip, err := lookPath("ip")
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), ipCommandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, ip, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out), fmt.Errorf("ip %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}

// netnsExists reports whether /run/netns/name exists.
func netnsExists(name string) bool {
	_, err := os.Stat(netnsDir + "/" + name)
	return err == nil
}

// netnsPIDs lists the processes whose network namespace is name.
func netnsPIDs(name string) ([]int, error) {
	out, err := outputIP("netns", "pids", name)
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, f := range strings.Fields(out) {
		var pid int
		if _, err := fmt.Sscan(f, &pid); err == nil && pid > 0 {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// killNetns SIGKILLs every process in namespace name and waits (at most
// timeout) until none is left.
func killNetns(name string, timeout time.Duration) error {
	return Poll(context.Background(), timeout, func() error {
		if !netnsExists(name) { // deleted meanwhile (by a concurrent sweep)
			return nil
		}
		pids, err := netnsPIDs(name)
		if err != nil {
			return err
		}
		if len(pids) == 0 {
			return nil
		}
		for _, pid := range pids {
			if pid != os.Getpid() {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		return fmt.Errorf("processes still in netns %s: %v", name, pids)
	})
}

// deleteNetns kills what runs in namespace name and deletes it. A
// namespace that is already gone is not an error.
func deleteNetns(name string) error {
	if !netnsExists(name) {
		return nil
	}
	if err := killNetns(name, 10*time.Second); err != nil {
		return err
	}
	if err := runIP("netns", "delete", name); err != nil && netnsExists(name) {
		return err
	}
	return nil
}
