package gateway

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the translator's output")

// TestGolden translates each case of testdata/conformance (the manifests of
// the Gateway API conformance tests, unchanged) and testdata/cases (our
// own), each on top of the suite's base manifests (testdata/base.yaml) and
// the Secrets it creates (testdata/secrets.yaml), and compares the result,
// rendered as text, with testdata/golden/<case>.txt. The golden files were
// reviewed against the conformance tests' expectations; TestConformance*
// assert the ones the suite checks.
func TestGolden(t *testing.T) {
	t.Parallel()
	cases, err := filepath.Glob("testdata/conformance/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	own, _ := filepath.Glob("testdata/cases/*.yaml")
	cases = append(cases, own...)
	for _, path := range cases {
		name := strings.TrimSuffix(filepath.Base(path), ".yaml")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := loadFixture(t, "testdata/base.yaml", "testdata/secrets.yaml", path)
			got := render(Translate(f.snap, f, testOptions(f.snap)))
			golden := filepath.Join("testdata/golden", name+".txt")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to write it)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from the translation:\n%s", golden, diffLines(string(want), got))
			}
		})
	}
}

// diffLines lists the lines only in want (-) and only in got (+).
func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	inW, inG := map[string]int{}, map[string]int{}
	for _, l := range w {
		inW[l]++
	}
	for _, l := range g {
		inG[l]++
	}
	var b strings.Builder
	for _, l := range w {
		if inG[l] == 0 {
			b.WriteString("- " + l + "\n")
		}
	}
	for _, l := range g {
		if inW[l] == 0 {
			b.WriteString("+ " + l + "\n")
		}
	}
	return b.String()
}
