package nginx

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
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
				c.Features = view(reflect.ValueOf(f))
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
				t.Errorf("%s differs from what Parse returns (go test -run TestGolden -update rewrites it; review the diff):\n%s", file, lineDiff(string(data), got))
			}
		})
	}
}

// view turns v into plain YAML-able values: zero values are dropped,
// integer kinds with a String method (durations, enums) are written as
// their String, structs become maps keyed by field name.
func view(v reflect.Value) any {
	if !v.IsValid() {
		return nil
	}
	if v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil
		}
		return view(v.Elem())
	}
	if s, ok := v.Interface().(fmt.Stringer); ok && v.Kind() >= reflect.Int && v.Kind() <= reflect.Uint64 {
		return s.String()
	}
	switch v.Kind() {
	case reflect.Struct:
		m := map[string]any{}
		for i := range v.NumField() {
			fv := v.Field(i)
			if fv.IsZero() && !(fv.Kind() == reflect.Pointer && !fv.IsNil()) {
				continue
			}
			if x := view(fv); x != nil {
				m[v.Type().Field(i).Name] = x
			}
		}
		if len(m) == 0 {
			return nil
		}
		return m
	case reflect.Slice:
		if v.Len() == 0 {
			return nil
		}
		out := make([]any, v.Len())
		for i := range v.Len() {
			out[i] = view(v.Index(i))
			if out[i] == nil {
				out[i] = map[string]any{}
			}
		}
		return out
	}
	return v.Interface()
}

// lineDiff shows the lines of want and got that differ, numbered.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d:\n  file: %s\n  code: %s\n", i+1, wl, gl)
		}
	}
	return b.String()
}
