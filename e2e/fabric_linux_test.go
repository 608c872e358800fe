package e2e

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestFabricConnectivity checks that hosts reach each other over IPv4 and
// IPv6 with their own source addresses, and that making a fabric leaves
// the test process's own namespace untouched.
func TestFabricConnectivity(t *testing.T) {
	t.Parallel()
	RequireRoot(t)
	RequireCommands(t, "ip")
	before := rootLinks(t)
	f := NewFabric(t)
	client := f.Client(t, "client")
	node := f.Node(t, "node")
	pod := f.AddHost(t, HostSpec{Name: "pod", Role: Pod, IPv4: netip.MustParseAddr("198.51.100.200")})
	if got := rootLinks(t); got != before {
		t.Errorf("links in the root namespace changed:\nbefore: %s\nafter:  %s", before, got)
	}
	if want := netip.MustParseAddr("203.0.113.7"); client.IPv4 != want {
		t.Errorf("first client = %s, want %s", client.IPv4, want)
	}
	if want := netip.MustParseAddr("fd00::198:51:100:200"); pod.IPv6 != want {
		t.Errorf("pod IPv6 = %s, want %s", pod.IPv6, want)
	}

	l, err := node.Listen("tcp", "[::]:7000")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	tests := []struct {
		name string
		from *Host
		to   netip.AddrPort
		want netip.Addr
	}{
		{"client to node over IPv4", client, node.Addr4(7000), client.IPv4},
		{"client to node over IPv6", client, node.Addr6(7000), client.IPv6},
		{"pod to node over IPv4", pod, node.Addr4(7000), pod.IPv4},
		{"node to itself over loopback", node, netip.MustParseAddrPort("127.0.0.1:7000"), netip.MustParseAddr("127.0.0.1")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			c, err := tt.from.DialContext(ctx, "tcp", tt.to.String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if err := l.(*net.TCPListener).SetDeadline(time.Now().Add(5 * time.Second)); err != nil {
				t.Fatal(err)
			}
			s, err := l.Accept()
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			got := s.RemoteAddr().(*net.TCPAddr).AddrPort().Addr().Unmap()
			if got != tt.want {
				t.Errorf("peer address seen by node = %s, want %s", got, tt.want)
			}
		})
	}

	t.Run("loopback is per host", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c, err := client.DialContext(ctx, "tcp", "127.0.0.1:7000")
		if err == nil {
			c.Close()
			t.Fatal("client reached node's port on its own loopback")
		}
	})

	t.Run("duplicate host refused", func(t *testing.T) {
		if _, _, err := f.reserve(HostSpec{Name: "node", Role: Node}); err == nil {
			t.Error("second host named node accepted")
		}
		if _, _, err := f.reserve(HostSpec{Name: "x", Role: Client, IPv4: client.IPv4}); err == nil {
			t.Errorf("second host with %s accepted", client.IPv4)
		}
		if _, _, err := f.reserve(HostSpec{Name: "y", Role: Client, IPv4: netip.MustParseAddr("192.0.2.10")}); err == nil {
			t.Error("client with an infra address accepted")
		}
	})
}

// rootLinks lists the link names of the test process's own namespace.
func rootLinks(t *testing.T) string {
	t.Helper()
	out, err := outputIP("-o", "link", "show")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if f := strings.Fields(line); len(f) > 1 {
			names = append(names, strings.TrimSuffix(f[1], ":"))
		}
	}
	return strings.Join(names, " ")
}

// helperEnv selects what TestFabricHelperProcess does in a child process.
const helperEnv = "FIRSTHOP_E2E_FABRIC_HELPER"

// TestFabricHelperProcess is not a test on its own: the cleanup tests run
// the test binary again with only this test selected, and it builds a
// fabric with processes in it, prints the run ID and the PIDs, then ends
// the way helperEnv says.
func TestFabricHelperProcess(t *testing.T) {
	mode := os.Getenv(helperEnv)
	if mode == "" {
		t.Skip("helper for TestFabricCleanup, run in a child process")
	}
	f := NewFabric(t)
	h := f.Pod(t, "pod")
	managed := h.Start(t, "sleep", "sleep", "300")
	// A process the harness does not know about, in its own session so
	// that nothing but the namespace cleanup can find it.
	stray := h.Command(context.Background(), "sleep", "301")
	stray.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := stray.Start(); err != nil {
		t.Fatal(err)
	}
	go stray.Wait()
	// `ip netns exec` enters the namespace after it starts; wait for that,
	// or the cleanup could look before it is there.
	Eventually(t, 5*time.Second, "stray process in the pod namespace", func() error {
		pids, err := netnsPIDs(h.Netns.Name)
		if err != nil || !containsInt(pids, stray.Process.Pid) {
			return fmt.Errorf("pids in namespace: %v (%v)", pids, err)
		}
		return nil
	})
	fmt.Printf("RUN %s %d %d\n", f.ID, managed.PID(), stray.Process.Pid)
	switch mode {
	case "pass":
	case "fail":
		t.Fatal("deliberate failure")
	case "panic":
		panic("deliberate panic")
	case "kill":
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
	}
}

// TestFabricCleanup runs TestFabricHelperProcess in a child process that
// passes, fails, panics or is killed, and checks that afterwards (after a
// sweep, for the killed one) nothing of its run is left: no namespace, no
// owner file, no process.
func TestFabricCleanup(t *testing.T) {
	t.Parallel()
	RequireRoot(t)
	RequireCommands(t, "ip", "sleep")
	tests := []struct {
		mode  string
		sweep bool
	}{
		{"pass", false},
		{"fail", false},
		{"panic", false},
		{"kill", true},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestFabricHelperProcess$", "-test.v")
			cmd.Env = append(os.Environ(), helperEnv+"="+tt.mode)
			out, err := cmd.Output()
			if (err == nil) != (tt.mode == "pass") {
				t.Errorf("child exited with %v, want failure only unless mode is pass\n%s", err, out)
			}
			m := regexp.MustCompile(`(?m)^RUN (fh[0-9a-f]{6}) (\d+) (\d+)$`).FindSubmatch(out)
			if m == nil {
				t.Fatalf("child printed no RUN line:\n%s", out)
			}
			id := string(m[1])
			if tt.sweep {
				if len(namespacesOf(id)) == 0 {
					t.Fatalf("killed child left no namespaces; nothing to sweep")
				}
				// Another test process's TestMain may sweep it first; the
				// checks below hold either way.
				if _, err := SweepStale(); err != nil {
					t.Errorf("SweepStale: %v", err)
				}
			}
			if ns := namespacesOf(id); len(ns) > 0 {
				t.Errorf("namespaces left: %v", ns)
			}
			if _, err := os.Stat(filepath.Join(ownerDir, id)); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("owner file left: %v", err)
			}
			for _, pid := range m[2:] {
				n, _ := strconv.Atoi(string(pid))
				Eventually(t, 5*time.Second, "process "+string(pid)+" gone", func() error {
					if processRunning(n) {
						return fmt.Errorf("still running")
					}
					return nil
				})
			}
		})
	}
}

// TestSweepLeavesOthersAlone checks that the sweep touches neither runs
// whose owner is alive nor namespaces without an owner file.
func TestSweepLeavesOthersAlone(t *testing.T) {
	t.Parallel()
	RequireRoot(t)
	RequireCommands(t, "ip")
	f := NewFabric(t) // owned by this live process
	// A namespace that looks like ours but has no owner file.
	var foreign string
	for {
		foreign = "fh" + randomHex(3)
		if _, err := os.Stat(filepath.Join(ownerDir, foreign)); errors.Is(err, fs.ErrNotExist) && len(namespacesOf(foreign)) == 0 {
			break
		}
	}
	foreign += "-other"
	if err := runIP("netns", "add", foreign); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { runIP("netns", "delete", foreign) })
	if _, err := SweepStale(); err != nil {
		t.Errorf("SweepStale: %v", err)
	}
	if !netnsExists(foreign) {
		t.Error("sweep deleted a namespace without an owner file")
	}
	if len(namespacesOf(f.ID)) == 0 {
		t.Error("sweep deleted a live run's namespaces")
	}
}

// processRunning reports whether pid exists and is not a zombie.
func processRunning(pid int) bool {
	f, err := os.Open(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	defer f.Close()
	line, _ := bufio.NewReader(f).ReadString('\n')
	i := strings.LastIndexByte(line, ')')
	return i < 0 || !strings.HasPrefix(line[i+1:], " Z")
}

func containsInt(list []int, n int) bool {
	for _, x := range list {
		if x == n {
			return true
		}
	}
	return false
}
