package config

import (
	"fmt"
	"strings"
	"testing"
)

func BenchmarkParseDesign(b *testing.B) {
	data := readFileB(b, "testdata/design.yaml")
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse("design.yaml", data, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseLarge parses a file with 100 listeners and 2,000 routes,
// backends and endpoints each.
func BenchmarkParseLarge(b *testing.B) {
	data := []byte(largeFile(100, 2000))
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		cfg, err := Parse("large.yaml", data, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if len(cfg.Table.Routes) != 2000 {
			b.Fatalf("%d routes", len(cfg.Table.Routes))
		}
	}
}

// largeFile generates a valid file with the given numbers of listeners and
// routes (each with its own backend and endpoint).
func largeFile(listeners, routes int) string {
	var s strings.Builder
	s.WriteString("listeners:\n")
	for i := range listeners {
		fmt.Fprintf(&s, "  - {name: l%d, address: 127.0.0.1:%d}\n", i, 10000+i)
	}
	s.WriteString("routes:\n")
	for i := range routes {
		fmt.Fprintf(&s, "  - host: app%d.example.com\n    paths: [{path: /api/v%d, backend: b%d}]\n", i, i, i)
	}
	s.WriteString("backends:\n")
	for i := range routes {
		fmt.Fprintf(&s, "  - name: b%d\n    endpoints: [{address: \"10.%d.%d.1:8080\", node: n%d}]\n", i, i/256, i%256, i%7)
	}
	return s.String()
}

func readFileB(b *testing.B, path string) []byte {
	b.Helper()
	data, err := readFileErr(path)
	if err != nil {
		b.Fatal(err)
	}
	return data
}
