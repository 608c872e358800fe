package nginx

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/firsthop/firsthop/kube/internal/kubetest"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/ and docs/ingress-nginx-migration.md from what the code does")

// goldenFile is one testdata/<family>.yaml: annotations in, Features and
// Findings out, one case each.
type goldenFile struct {
	Description string       `yaml:"description"`
	Cases       []goldenCase `yaml:"cases"`
}

type goldenCase struct {
	Name string `yaml:"name"`
	// Annotations are written without Prefix; the test adds it.
	Annotations map[string]string `yaml:"annotations"`
	Features    any               `yaml:"features,omitempty"`
	Findings    []string          `yaml:"findings,omitempty"`
}

// TestGolden runs Parse on every case of testdata/*.yaml and compares
// the file with what Parse returns; -update rewrites the outputs.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".yaml"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var g goldenFile
			if err := yaml.Unmarshal(data, &g); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			if len(g.Cases) == 0 {
				t.Fatalf("%s has no cases", file)
			}
			for i := range g.Cases {
				c := &g.Cases[i]
				in := make(map[string]string, len(c.Annotations))
				for k, v := range c.Annotations {
					in[Prefix+k] = v
				}
				f, findings := Parse(in)
				c.Features = kubetest.View(f)
				c.Findings = nil
				for _, fd := range findings {
					c.Findings = append(c.Findings, fd.String())
				}
			}
			var buf bytes.Buffer
			enc := yaml.NewEncoder(&buf)
			enc.SetIndent(2)
			if err := enc.Encode(&g); err != nil {
				t.Fatal(err)
			}
			if *update {
				if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if got := buf.String(); got != string(data) {
				t.Errorf("%s differs from what Parse returns (go test -run TestGolden -update rewrites it; review the diff):\n%s", file, kubetest.LineDiff(string(data), got))
			}
		})
	}
}
