// Command idleconns measures the memory firsthop spends per idle keep-alive
// client connection. It starts the firsthop command given after "--" (and,
// unless -backend is empty, a fixed-reply backend on that address for it),
// opens -n connections to -addr, sends one request on each and reads the
// answer, leaves them all open and idle, and reports firsthop's resident
// memory from /proc: before, after, and its peak (VmHWM), with the cost per
// connection.
//
// -mode picks the kind of connection: http (HTTP/1.1 in the clear, the
// default), tls (HTTP/1.1 over TLS) or h2 (HTTP/2 over TLS, one stream
// used); the TLS modes need a listener that terminates TLS, as
// examples/bench/tls.yaml's does, and -tls-cert-dir writes the
// self-signed certificate that config reads before firsthop starts.
//
//	go build -o /tmp/firsthop ./cmd/firsthop
//	go run ./e2e/cmd/idleconns -n 10000 -- /tmp/firsthop serve --config examples/bench.yaml --log-level warn
//	go run ./e2e/cmd/idleconns -n 10000 -mode h2 -tls-cert-dir /tmp/peers-tls -- /tmp/firsthop serve --config examples/bench/tls.yaml --log-level warn
//
// It raises RLIMIT_NOFILE (firsthop, its child, inherits the limit), which
// needs root beyond the hard limit, and spreads the connections over the
// source addresses 127.0.0.1 to 127.0.0.(-sources) so that ports last.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	n := flag.Int("n", 10000, "idle connections to open")
	addr := flag.String("addr", "127.0.0.1:18090", "firsthop listener")
	backend := flag.String("backend", "127.0.0.1:18080", "address to serve a fixed 1 KiB reply on for firsthop (empty: none)")
	sources := flag.Int("sources", 4, "source addresses to spread the connections over (127.0.0.1 up)")
	parallel := flag.Int("parallel", 64, "connections set up at a time")
	settle := flag.Duration("settle", 3*time.Second, "how long to leave the connections idle before measuring")
	mode := flag.String("mode", "http", "connection kind: http (HTTP/1.1 in the clear), tls (HTTP/1.1 over TLS) or h2 (HTTP/2 over TLS)")
	certDir := flag.String("tls-cert-dir", "", "write a self-signed certificate for bench.local and localhost to DIR/cert.pem and DIR/key.pem first (empty: none)")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: idleconns [flags] -- FIRSTHOP-COMMAND...")
		os.Exit(2)
	}
	dial, ok := dialers[*mode]
	if !ok {
		fmt.Fprintf(os.Stderr, "idleconns: -mode %q: want http, tls or h2\n", *mode)
		os.Exit(2)
	}
	raiseNoFile(uint64(*n + 4096))
	if *certDir != "" {
		writeCert(*certDir)
	}
	if *backend != "" {
		startBackend(*backend)
	}
	cmd := exec.Command(flag.Arg(0), flag.Args()[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		fail("starting firsthop: %v", err)
	}
	defer cmd.Process.Kill()
	pid := cmd.Process.Pid
	waitServing(*addr)
	// Warm up on a few connections, then take the baseline.
	warm := openIdle(dial, *addr, 64, 8, 1)
	closeAll(warm)
	time.Sleep(time.Second)
	before := procStatus(pid)

	began := time.Now()
	conns := openIdle(dial, *addr, *n, *parallel, *sources)
	setup := time.Since(began)
	time.Sleep(*settle)
	after := procStatus(pid)
	// Every connection must still be open and serviceable.
	if err := check(conns[:min(len(conns), 100)]); err != nil {
		fail("after idling: %v", err)
	}
	fmt.Printf("idle %s connections: %d (set up in %s)\n", *mode, len(conns), setup.Round(time.Millisecond))
	fmt.Printf("firsthop VmRSS before: %d KiB, after: %d KiB, peak VmHWM: %d KiB\n",
		before["VmRSS"], after["VmRSS"], after["VmHWM"])
	fmt.Printf("per connection: %.1f KiB resident, %.1f KiB at peak\n",
		float64(after["VmRSS"]-before["VmRSS"])/float64(len(conns)),
		float64(after["VmHWM"]-before["VmRSS"])/float64(len(conns)))
	closeAll(conns)
}

// raiseNoFile raises RLIMIT_NOFILE to want, beyond the hard limit when
// allowed (root with CAP_SYS_RESOURCE), else up to it.
func raiseNoFile(want uint64) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		fail("reading RLIMIT_NOFILE: %v", err)
	}
	if lim.Cur >= want {
		return
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: want, Max: max(want, lim.Max)}); err == nil {
		return
	}
	if lim.Max < want {
		fail("RLIMIT_NOFILE hard limit %d is below the %d descriptors needed, and raising it was refused", lim.Max, want)
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: want, Max: lim.Max}); err != nil {
		fail("raising RLIMIT_NOFILE to %d: %v", want, err)
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "idleconns: "+format+"\n", args...)
	os.Exit(1)
}

// startBackend serves a fixed 1 KiB reply on addr from this process.
func startBackend(addr string) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		fail("backend: %v", err)
	}
	body := strings.Repeat("x", 1024)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, body)
	})}
	go srv.Serve(l)
}

// waitServing polls addr until it accepts connections.
func waitServing(addr string) {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	fail("%s did not start accepting", addr)
}

// openIdle opens n connections with dial (parallel at a time, from the
// given number of source addresses), sends one request on each and reads
// the answer.
func openIdle(dial dialer, addr string, n, parallel, sources int) []idleConn {
	conns := make([]idleConn, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, parallel)
	var mu sync.Mutex
	var firstErr error
	for i := range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(1+i%sources))}}
			tcp, err := d.Dial("tcp", addr)
			var c idleConn
			if err == nil {
				if c, err = dial(tcp); err != nil {
					tcp.Close()
				}
			}
			if err == nil {
				if err = c.roundTrip(); err != nil {
					c.Close()
				}
			}
			if err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
				return
			}
			conns[i] = c
		}()
	}
	wg.Wait()
	if firstErr != nil {
		fail("opening connections: %v", firstErr)
	}
	return conns
}

func check(conns []idleConn) error {
	for _, c := range conns {
		if err := c.roundTrip(); err != nil {
			return err
		}
	}
	return nil
}

func closeAll(conns []idleConn) {
	for _, c := range conns {
		if c != nil {
			c.Close()
		}
	}
}

// procStatus returns the kB fields of /proc/PID/status.
func procStatus(pid int) map[string]int64 {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		fail("reading firsthop's status: %v", err)
	}
	out := map[string]int64{}
	for _, line := range bytes.Split(data, []byte("\n")) {
		k, v, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		f := strings.Fields(string(v))
		if len(f) == 2 && f[1] == "kB" {
			out[string(k)], _ = strconv.ParseInt(f[0], 10, 64)
		}
	}
	return out
}
