package listen

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestMain fails the package when goroutines outlive the tests: every
// server, listener and connection a test starts must be gone by then.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if err := waitNoLeaks(10 * time.Second); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

// harness names goroutines that the runtime or the test framework own
// (the fuzzing engine starts os/signal's loop, for one).
var harness = []string{
	"testing.(*M).",
	"testing.(*F).",
	"testing.runFuzz",
	"testing.tRunner",
	"os/signal.",
	"runtime.goexit0",
	"created by runtime.gc",
	"runtime.ReadTrace",
}

// leaked returns the stacks of running goroutines other than the caller's
// and the harness's.
func leaked() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []string
	stacks := strings.Split(string(buf), "\n\n")
	for _, g := range stacks[1:] { // stacks[0] is the caller
		if g = strings.TrimSpace(g); g == "" || containsAny(g, harness) {
			continue
		}
		out = append(out, g)
	}
	return out
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// waitNoLeaks polls until no goroutine is left but the harness's, or
// returns an error listing the survivors once the deadline passes.
func waitNoLeaks(within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		left := leaked()
		if len(left) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("goroutine leak: %d goroutines outlived the tests:\n\n%s", len(left), strings.Join(left, "\n\n"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
