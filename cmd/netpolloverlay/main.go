// Command netpolloverlay writes a Go build overlay (go build -overlay)
// under which the runtime's network poller on Linux hands the goroutines
// whose sockets became ready to the scheduler in the order the kernel
// reported them, instead of in reverse.
//
//	go run ./cmd/netpolloverlay -o /tmp/firsthop-overlay
//	go build -overlay /tmp/firsthop-overlay/overlay.json -o firsthop ./cmd/firsthop
//
// It prints the overlay file's path. This is an opt-in experiment: the
// release build (Dockerfile) and the end-to-end tests use the stock
// runtime, which behaves the same apart from that order; `docker build
// --build-arg POLLER_OVERLAY=1` builds the image with the overlay.
// PROPOSAL.md writes the change up as it would be proposed upstream.
//
// Why: runtime.netpoll builds its list of ready goroutines by pushing each
// one in front of the previous, so a batch runs last-ready first. A proxy
// near saturation on one core gets every connection in each batch (about
// sixty here), and a request then waits anywhere from no time to two
// batches per step, where first-ready first would make every wait about
// one: at the same throughput the 99th percentile is about a fifth lower
// and p99/p50 1.65 instead of 2.31 (proxy/PERFORMANCE.md; a later single
// pair was within noise). The change is the direction of one loop over the
// events epoll_wait returned; what each event does is untouched.
//
// The runtime source is taken from the toolchain that runs this command
// (go env GOROOT; run it with the go command and GOROOT of the build, since
// go build ignores an overlay of files it does not read). The patch
// applies only to a netpoll_epoll.go whose SHA-256 is one it was checked
// against, and only while netpoll.go and proc.go still push readied
// goroutines in front: any other source is refused with an error, so a Go
// release that changes the poller fails the build instead of being patched
// blindly. `firsthop version -v` tells which order a binary has. For a
// target other than Linux (-goos), the overlay is empty.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

func main() {
	dir := flag.String("o", "", "directory to write the overlay into (required)")
	goos := flag.String("goos", targetGOOS(), "operating system of the build the overlay is for")
	goroot := flag.String("goroot", "", "GOROOT of the toolchain that will build (default: go env GOROOT)")
	flag.Parse()
	if *dir == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: netpolloverlay -o DIR [-goos GOOS] [-goroot GOROOT]")
		os.Exit(2)
	}
	if *goos == "" { // an empty build argument, as an unset TARGETOS gives
		*goos = targetGOOS()
	}
	path, err := write(*dir, *goos, *goroot)
	if err != nil {
		fmt.Fprintln(os.Stderr, "netpolloverlay:", err)
		os.Exit(1)
	}
	fmt.Println(path)
}

// targetGOOS is the GOOS a go build run now would target.
func targetGOOS() string {
	if g := os.Getenv("GOOS"); g != "" {
		return g
	}
	return runtime.GOOS
}

// overlay is the JSON file go build -overlay reads.
type overlay struct {
	Replace map[string]string
}

// write writes the overlay for goos into dir and returns its path.
func write(dir, goos, goroot string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	ov := overlay{Replace: map[string]string{}}
	if goos == "linux" || goos == "android" { // netpoll_epoll.go's build constraint
		if goroot == "" {
			out, err := exec.Command("go", "env", "GOROOT").Output()
			if err != nil {
				return "", fmt.Errorf("go env GOROOT: %w", err)
			}
			goroot = strings.TrimSpace(string(out))
		}
		rt := filepath.Join(goroot, "src", "runtime")
		orig := filepath.Join(rt, "netpoll_epoll.go")
		var srcs [3][]byte
		for i, name := range []string{orig, filepath.Join(rt, "netpoll.go"), filepath.Join(rt, "proc.go")} {
			var err error
			if srcs[i], err = os.ReadFile(name); err != nil {
				return "", err
			}
		}
		patched, err := patchNetpoll(srcs[0], srcs[1], srcs[2])
		if err != nil {
			return "", fmt.Errorf("%s: %w", orig, err)
		}
		repl, err := filepath.Abs(filepath.Join(dir, "netpoll_epoll.go"))
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(repl, patched, 0o644); err != nil {
			return "", err
		}
		ov.Replace[orig] = repl
	}
	b, err := json.MarshalIndent(ov, "", "\t")
	if err != nil {
		return "", err
	}
	path, err := filepath.Abs(filepath.Join(dir, "overlay.json"))
	if err != nil {
		return "", err
	}
	return path, os.WriteFile(path, append(b, '\n'), 0o644)
}

// knownPollers are the SHA-256 sums of the runtime/netpoll_epoll.go files
// the patch was checked against, with the release each comes from. Any
// other file is refused: a release that changes the poller in any way needs
// a look (and a line here) before it is patched.
var knownPollers = map[string]string{
	"cd94172ee133e4e522a8091818c6d82c9fdb94a9c263d5004feee114f76f9624": "go1.26.8",
}

// The loop of runtime.netpoll over the events epoll_wait returned, and
// what it becomes; the comment shares the line, so that every other line
// keeps its number (tracebacks, profiles).
const (
	forwardLoop = "\tfor i := int32(0); i < n; i++ {\n\t\tev := events[i]\n"
	reverseLoop = "\tfor i := n - 1; i >= 0; i-- { // patched by firsthop cmd/netpolloverlay: first-ready first\n\t\tev := events[i]\n"
)

// What the order depends on elsewhere in the runtime, as the known
// releases write it: netpollready pushes the goroutines it readies, and a
// push puts one in front of the list.
const (
	readyPushes = "\tif rg != nil {\n\t\ttoRun.push(rg)\n\t}\n\tif wg != nil {\n\t\ttoRun.push(wg)\n\t}\n"
	pushFronts  = "func (l *gList) push(gp *g) {\n\tgp.schedlink = l.head\n\tl.head.set(gp)\n"
)

// errUnknownSource says the runtime's sources are not the ones the patch
// was checked against.
var errUnknownSource = errors.New("the runtime's poller is not one this patch was checked against " +
	"(see knownPollers); build without the overlay, or review the new source and update cmd/netpolloverlay")

// patchNetpoll returns epoll, runtime/netpoll_epoll.go, with netpoll's
// event loop reversed, after checking it and what the order depends on in
// netpoll.go and proc.go.
func patchNetpoll(epoll, netpoll, proc []byte) ([]byte, error) {
	sum := sha256.Sum256(epoll)
	if _, ok := knownPollers[hex.EncodeToString(sum[:])]; !ok {
		return nil, fmt.Errorf("%w: netpoll_epoll.go has SHA-256 %x", errUnknownSource, sum)
	}
	if bytes.Count(epoll, []byte(forwardLoop)) != 1 || !bytes.Contains(netpoll, []byte(readyPushes)) ||
		!bytes.Contains(proc, []byte(pushFronts)) {
		return nil, errUnknownSource
	}
	out := bytes.Replace(epoll, []byte(forwardLoop), []byte(reverseLoop), 1)
	if _, err := parser.ParseFile(token.NewFileSet(), "netpoll_epoll.go", out, parser.SkipObjectResolution); err != nil {
		return nil, fmt.Errorf("patched source does not parse: %w", err)
	}
	return out, nil
}
