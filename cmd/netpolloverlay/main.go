// Command netpolloverlay writes a Go build overlay (go build -overlay)
// under which the runtime's network poller on Linux hands the goroutines
// whose sockets became ready to the scheduler in the order the kernel
// reported them, instead of in reverse.
//
//	go run ./cmd/netpolloverlay -o /tmp/firsthop-overlay
//	go build -overlay /tmp/firsthop-overlay/overlay.json -o firsthop ./cmd/firsthop
//
// It prints the overlay file's path. The release build (Dockerfile) and
// the end-to-end tests build firsthop this way; a plain go build gives the
// stock runtime, which behaves the same apart from that order.
//
// Why: runtime.netpoll builds its list of ready goroutines by pushing each
// one in front of the previous, so a batch runs last-ready first. A proxy
// near saturation on one core gets every connection in each batch (about
// sixty here), and a request then waits anywhere from no time to two
// batches per step, where first-ready first would make every wait about
// one: at the same throughput the 99th percentile is a third lower
// (proxy/PERFORMANCE.md). The change is the direction of one loop over the
// events epoll_wait returned; what each event does is untouched.
//
// The runtime source is taken from the toolchain that runs this command
// (go env GOROOT), and the patch applies only when that loop is found
// exactly once as expected: any other source is refused with an error, so
// a Go release that changes the poller fails the build loudly instead of
// being patched blindly. For a target other than Linux (-goos), the
// overlay is empty.
package main

import (
	"bytes"
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
	if goos == "linux" {
		if goroot == "" {
			out, err := exec.Command("go", "env", "GOROOT").Output()
			if err != nil {
				return "", fmt.Errorf("go env GOROOT: %w", err)
			}
			goroot = strings.TrimSpace(string(out))
		}
		orig := filepath.Join(goroot, "src", "runtime", "netpoll_epoll.go")
		src, err := os.ReadFile(orig)
		if err != nil {
			return "", err
		}
		patched, err := patchNetpoll(src)
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

// The loop of runtime.netpoll over the events epoll_wait returned, as Go
// 1.22 through 1.26 write it, and what it becomes.
const (
	forwardLoop = "\tfor i := int32(0); i < n; i++ {\n\t\tev := events[i]\n"
	reverseLoop = "\t// Patched by firsthop's cmd/netpolloverlay: visit the events last to\n" +
		"\t// first, so that toRun, which each netpollready pushes in front,\n" +
		"\t// runs them first-ready first.\n" +
		"\tfor i := n - 1; i >= 0; i-- {\n\t\tev := events[i]\n"
)

// errUnknownSource says the poller's source is not the one the patch is
// for.
var errUnknownSource = errors.New("the runtime's poller is not the one this patch knows " +
	"(its event loop must occur exactly once); build without the overlay, or update cmd/netpolloverlay")

// patchNetpoll returns src, runtime/netpoll_epoll.go, with netpoll's event
// loop reversed.
func patchNetpoll(src []byte) ([]byte, error) {
	if bytes.Count(src, []byte(forwardLoop)) != 1 || !bytes.Contains(src, []byte("func netpoll(delay int64) (gList, int32) {")) ||
		!bytes.Contains(src, []byte("delta += netpollready(&toRun, pd, mode)")) {
		return nil, errUnknownSource
	}
	out := bytes.Replace(src, []byte(forwardLoop), []byte(reverseLoop), 1)
	if _, err := parser.ParseFile(token.NewFileSet(), "netpoll_epoll.go", out, parser.SkipObjectResolution); err != nil {
		return nil, fmt.Errorf("patched source does not parse: %w", err)
	}
	return out, nil
}
