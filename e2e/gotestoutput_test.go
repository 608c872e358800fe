package e2e

import (
	"reflect"
	"strings"
	"testing"
)

// goTestSample is -test.v output of the suite's shape: a top-level test,
// sequential subtests, a parallel sub-subtest, fmt output between headers.
const goTestSample = `=== RUN   TestConformance
    conformance.go:119: Running conformance tests with:
Supported features for GatewayClass firsthop: [Gateway]
=== RUN   TestConformance/HTTPRouteSimpleSameNamespace
    helpers.go:10: gateway not ready
    helpers.go:11: still not ready
=== RUN   TestConformance/HTTPRouteSimpleSameNamespace/0_request
=== PAUSE TestConformance/HTTPRouteSimpleSameNamespace/0_request
=== CONT  TestConformance/HTTPRouteSimpleSameNamespace/0_request
    http.go:5: expected 200, got 404
=== NAME  TestConformance/HTTPRouteSimpleSameNamespace
    helpers.go:12: cleanup
=== RUN   TestConformance/HTTPRouteMatching
    helpers.go:20: ok
--- FAIL: TestConformance (12.00s)
    --- FAIL: TestConformance/HTTPRouteSimpleSameNamespace (10.00s)
        --- FAIL: TestConformance/HTTPRouteSimpleSameNamespace/0_request (1.00s)
    --- PASS: TestConformance/HTTPRouteMatching (1.00s)
FAIL
`

func TestFailedGoTests(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		out         string
		depth, keep int
		want        []FailedTest
	}{
		{"depth 2: the suite and its failed test, with their subtests' lines", goTestSample, 2, 3, []FailedTest{
			{"TestConformance", []string{"    http.go:5: expected 200, got 404", "    helpers.go:12: cleanup", "    helpers.go:20: ok"}},
			{"TestConformance/HTTPRouteSimpleSameNamespace", []string{"    helpers.go:11: still not ready", "    http.go:5: expected 200, got 404", "    helpers.go:12: cleanup"}},
		}},
		{"depth 3 adds the sub-subtest", goTestSample, 3, 1, []FailedTest{
			{"TestConformance", []string{"    helpers.go:20: ok"}},
			{"TestConformance/HTTPRouteSimpleSameNamespace", []string{"    helpers.go:12: cleanup"}},
			{"TestConformance/HTTPRouteSimpleSameNamespace/0_request", []string{"    http.go:5: expected 200, got 404"}},
		}},
		{"depth 1", goTestSample, 1, 2, []FailedTest{
			{"TestConformance", []string{"    helpers.go:12: cleanup", "    helpers.go:20: ok"}},
		}},
		{"fmt output under a header counts", "=== RUN   TestA\nraw line\n--- FAIL: TestA (0.00s)\n", 1, 5, []FailedTest{{"TestA", []string{"raw line"}}}},
		{"nothing failed", "=== RUN   TestA\n--- PASS: TestA (0.00s)\nPASS\n", 2, 5, []FailedTest{}},
		{"a timeout panic: nothing reported failed", "=== RUN   TestA\npanic: test timed out after 1s\n", 2, 5, []FailedTest{}},
		{"a FAIL line without a header before it", "--- FAIL: TestB (0.00s)\n", 2, 5, []FailedTest{{"TestB", nil}}},
		{"a test failing twice is listed once", "--- FAIL: TestB (0.00s)\n--- FAIL: TestB (0.00s)\n", 2, 5, []FailedTest{{"TestB", nil}}},
		{"headers without a name are ignored", "=== RUN\n=== RUNNING x\n--- FAIL: \n", 2, 5, []FailedTest{}},
		{"empty", "", 2, 5, []FailedTest{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := FailedGoTests(tt.out, tt.depth, tt.keep)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("FailedGoTests = %q\nwant %q", got, tt.want)
			}
		})
	}
}

func FuzzFailedGoTests(f *testing.F) {
	f.Add(goTestSample, 2, 3)
	f.Add("--- FAIL: A/B/C (0s)\n=== CONT  A/B\nx\n", 3, 0)
	f.Fuzz(func(t *testing.T, out string, depth, keep int) {
		if keep < 0 || keep > 100 || depth < 0 || depth > 10 {
			return
		}
		got := FailedGoTests(out, depth, keep)
		names := map[string]bool{}
		for _, ft := range got {
			if ft.Name == "" || names[ft.Name] || strings.Count(ft.Name, "/") >= depth || len(ft.Last) > keep {
				t.Fatalf("bad result %q for depth %d, keep %d", got, depth, keep)
			}
			names[ft.Name] = true
			found := false
			for line := range strings.SplitSeq(out, "\n") {
				_, after, ok := strings.Cut(line, "--- FAIL: ")
				found = found || ok && strings.Contains(after, ft.Name)
			}
			if !found {
				t.Fatalf("%q reported failed but on no --- FAIL: line", ft.Name)
			}
		}
	})
}
