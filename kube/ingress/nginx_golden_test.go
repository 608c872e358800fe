package ingress

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/firsthop/firsthop/kube/internal/kubetest"
	"github.com/firsthop/firsthop/kube/resolve"
	"github.com/firsthop/firsthop/model"
)

var update = flag.Bool("update", false, "rewrite the golden files testdata/nginx/*.out.yaml from what Translate does")

// nginxGolden is what a testdata/nginx/*.out.yaml holds: the table a
// translation makes (the parts Ingresses make) and its problems.
type nginxGolden struct {
	Routes         any      `yaml:"routes,omitempty"`
	Backends       any      `yaml:"backends,omitempty"`
	DefaultBackend string   `yaml:"defaultBackend,omitempty"`
	Policies       any      `yaml:"policies,omitempty"`
	Problems       []string `yaml:"problems,omitempty"`
}

// TestNginxGolden translates each testdata/nginx/<family>.in.yaml (an
// IngressClass, Services, EndpointSlices and Ingresses with ingress-nginx
// annotations, one annotation family a file, malformed values included)
// and compares the routes, backends, policies and problems with
// <family>.out.yaml; -update rewrites the outputs. The classes opt in
// with their annotation; opt-in.in.yaml checks the opt-in itself.
func TestNginxGolden(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/nginx/*.in.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, in := range files {
		family := strings.TrimSuffix(filepath.Base(in), ".in.yaml")
		t.Run(family, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			s, err := decodeObjects(data)
			if err != nil {
				t.Fatalf("%s: %v", in, err)
			}
			spec, problems := Translate(s, model.TableSpec{}, Options{}, resolve.Options{})
			if err := spec.Validate(); err != nil {
				t.Errorf("the table does not validate: %v", err)
			}
			got := renderNginxGolden(spec, problems)
			out := strings.TrimSuffix(in, ".in.yaml") + ".out.yaml"
			if *update {
				if err := os.WriteFile(out, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(out)
			if err != nil {
				t.Fatalf("%v (go test -run TestNginxGolden -update writes it)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from what Translate does (go test -run TestNginxGolden -update rewrites it; review the diff):\n%s", out, kubetest.LineDiff(string(want), got))
			}
		})
	}
}

// renderNginxGolden writes spec and problems as a golden file.
func renderNginxGolden(spec model.TableSpec, problems []resolve.Problem) string {
	g := nginxGolden{
		Routes:         kubetest.View(spec.Routes),
		Backends:       kubetest.View(spec.Backends),
		DefaultBackend: spec.DefaultBackend,
		Policies:       kubetest.View(spec.Policies),
	}
	for _, p := range problems {
		typ := "Warning"
		if p.Normal {
			typ = "Normal"
		}
		s := fmt.Sprintf("%s %s %s/%s: %s", typ, p.Reason, p.Object.Namespace, p.Object.Name, p.Message)
		if p.Skipped {
			s += " (skipped)"
		}
		g.Problems = append(g.Problems, s)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&g); err != nil {
		panic(err)
	}
	return buf.String()
}
