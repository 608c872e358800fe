package e2e

import (
	"context"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
)

// H2specPackage is the command built from the h2spec tools module
// (tools/h2spec/go.mod pins its version).
const H2specPackage = "github.com/summerwind/h2spec/cmd/h2spec"

var h2specBuild struct {
	once sync.Once
	path string
	err  error
}

// H2specBinary returns h2spec, the HTTP/2 conformance tester, built from
// the tools/h2spec module into the cache ([CacheDir]) keyed by that
// module's go.mod and go.sum: the first call on a machine downloads and
// builds it (seconds), later ones reuse it.
func H2specBinary(t testing.TB) string {
	t.Helper()
	RequireE2E(t)
	RequireCommands(t, "go")
	h2specBuild.once.Do(func() {
		h2specBuild.path, h2specBuild.err = buildH2spec(func(format string, args ...any) {
			fmt.Fprintf(os.Stderr, format+"\n", args...)
		})
	})
	if h2specBuild.err != nil {
		t.Fatalf("h2spec: %v", h2specBuild.err)
	}
	return h2specBuild.path
}

func buildH2spec(logf func(string, ...any)) (string, error) {
	mod, err := filepath.Abs(filepath.Join("tools", "h2spec"))
	if err != nil {
		return "", err
	}
	key, err := cacheKey(filepath.Join(mod, "go.mod"), filepath.Join(mod, "go.sum"))
	if err != nil {
		return "", fmt.Errorf("cache key (run the tests from the e2e directory, as go test does): %w", err)
	}
	dir, err := CacheDir()
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	entry, err := ensureCached(ctx, dir, "h2spec-"+key, []cachedBinary{{
		Name: "h2spec",
		Build: func(ctx context.Context, out string) error {
			return goBuild(ctx, mod, out, "-s -w", H2specPackage)
		},
	}}, logf)
	if err != nil {
		return "", err
	}
	return filepath.Join(entry, "h2spec"), nil
}

// H2specResult is the outcome of one h2spec case.
type H2specResult struct {
	// ID names the case as h2spec's command line does: the section's
	// package and the case's number in it ("http2/8.1.2.2/1").
	ID string
	// Desc is the case's description.
	Desc string
	// Passed is false for a failure, an error or a skipped case.
	Passed bool
	// Detail is what h2spec expected and got, for a case that did not pass.
	Detail string
}

// ParseH2specReport reads the JUnit XML report h2spec writes with -j and
// returns every case in report order.
func ParseH2specReport(data []byte) ([]H2specResult, error) {
	type message struct {
		Text string `xml:",chardata"`
	}
	var doc struct {
		Suites []struct {
			Package string `xml:"package,attr"`
			Cases   []struct {
				Desc    string   `xml:"classname,attr"`
				Failure *message `xml:"failure"`
				Error   *message `xml:"error"`
				Skipped *message `xml:"skipped"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("h2spec report: %w", err)
	}
	var out []H2specResult
	for _, s := range doc.Suites {
		if s.Package == "" {
			return nil, fmt.Errorf("h2spec report: a test suite without a package")
		}
		for i, c := range s.Cases {
			r := H2specResult{ID: s.Package + "/" + strconv.Itoa(i+1), Desc: c.Desc, Passed: true}
			for _, m := range []*message{c.Failure, c.Error, c.Skipped} {
				if m != nil {
					r.Passed = false
					r.Detail += m.Text
				}
			}
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("h2spec report: no test case")
	}
	return out, nil
}
