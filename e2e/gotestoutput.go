package e2e

import (
	"strings"
)

// FailedTest is a test that `go test -v` output reports as failed, with
// the last lines logged while it or one of its subtests was running.
type FailedTest struct {
	Name string
	Last []string
}

// goTestHeaders are the prefixes of the lines with which -v output says
// which test the following lines belong to.
var goTestHeaders = []string{"=== RUN", "=== CONT", "=== PAUSE", "=== NAME"}

// FailedGoTests reads `go test -v` output (a test binary run with
// -test.v) and returns, in the order their "--- FAIL:" lines appear, the
// failed tests whose names have at most depth elements (1: TestX only, 2:
// also TestX/Sub), each with the last keep lines logged under it or its
// subtests. Result lines ("--- PASS: ...", "FAIL") are nobody's; every
// other line is attributed to the test named by the latest "=== RUN",
// "=== CONT", "=== PAUSE" or "=== NAME" line, as -v writes them. Output
// it does not understand is attributed the same way and never an error.
func FailedGoTests(out string, depth, keep int) []FailedTest {
	lines := map[string][]string{}
	var failed []string
	seen := map[string]bool{}
	current := ""
	for line := range strings.SplitSeq(out, "\n") {
		if name, ok := goTestHeader(line); ok {
			current = name
			continue
		}
		if name, ok := goTestFail(line); ok {
			if !seen[name] && strings.Count(name, "/") < depth {
				seen[name] = true
				failed = append(failed, name)
			}
			continue
		}
		if current == "" || goTestResult(line) {
			continue
		}
		// Kept per test, bounded: a line counts for the test and each of
		// its parents, whose tails are read at the end.
		for name := current; ; {
			l := append(lines[name], line)
			if len(l) > 2*keep {
				l = append(l[:0], l[len(l)-keep:]...)
			}
			lines[name] = l
			i := strings.LastIndexByte(name, '/')
			if i < 0 {
				break
			}
			name = name[:i]
		}
	}
	res := make([]FailedTest, 0, len(failed))
	for _, name := range failed {
		l := lines[name]
		if len(l) > keep {
			l = l[len(l)-keep:]
		}
		res = append(res, FailedTest{Name: name, Last: l})
	}
	return res
}

// goTestHeader parses "=== RUN   TestX/sub" and its kind.
func goTestHeader(line string) (string, bool) {
	for _, h := range goTestHeaders {
		if rest, ok := strings.CutPrefix(line, h); ok && (rest == "" || rest[0] == ' ') {
			name := strings.TrimSpace(rest)
			return name, name != ""
		}
	}
	return "", false
}

// goTestResult reports whether line is a result line ("--- PASS: ...",
// "--- SKIP: ...", a bare "PASS" or "FAIL") or blank: not a test's log.
func goTestResult(line string) bool {
	t := strings.TrimSpace(line)
	return t == "" || t == "PASS" || t == "FAIL" || strings.HasPrefix(t, "--- PASS: ") || strings.HasPrefix(t, "--- SKIP: ")
}

// goTestFail parses "--- FAIL: TestX/sub (1.23s)", indented or not.
func goTestFail(line string) (string, bool) {
	rest, ok := strings.CutPrefix(strings.TrimLeft(line, " "), "--- FAIL: ")
	if !ok {
		return "", false
	}
	name, _, _ := strings.Cut(rest, " (")
	name = strings.TrimSpace(name)
	return name, name != ""
}
