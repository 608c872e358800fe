package model

import (
	"crypto/tls"
	"net/netip"
	"strings"
	"testing"
)

func TestValidateAccepts(t *testing.T) {
	t.Parallel()
	ep := []Endpoint{{Addr: netip.MustParseAddrPort("127.0.0.1:1")}}
	spec := TableSpec{
		Backends: []Backend{{Name: "a", Endpoints: ep}, {Name: "b"}},
		Routes: []Route{
			{Path: "/", Backend: "a"},
			{Host: "h.test", Path: "/p", Backend: "a"},
			{Host: "h.test", Path: "/p", PathType: PathExact, Backend: "b"},
			{Host: "*.h.test", Path: "/p/", Backend: "b"},
		},
		DefaultBackend: "b",
	}
	if err := spec.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := (&TableSpec{}).Validate(); err != nil {
		t.Errorf("the empty spec: %v", err)
	}
}

func TestValidateRejects(t *testing.T) {
	t.Parallel()
	a := []Backend{{Name: "a"}}
	tests := []struct {
		name string
		spec TableSpec
		want string
	}{
		{"route to undefined backend", TableSpec{Routes: []Route{{Path: "/", Backend: "nope"}}},
			`route / names undefined backend "nope"`},
		{"duplicate route", TableSpec{Backends: a, Routes: []Route{{Host: "h", Path: "/p", Backend: "a"}, {Host: "h", Path: "/p/", Backend: "a"}}},
			"route h/p/ (Prefix) is defined twice"},
		{"undefined default backend", TableSpec{DefaultBackend: "nope"}, `default backend "nope" is not defined`},
		{"duplicate backend", TableSpec{Backends: []Backend{{Name: "a"}, {Name: "a"}}}, `backend "a" is defined twice`},
		{"backend without name", TableSpec{Backends: []Backend{{}}}, "backend 0 has no name"},
		{"relative path", TableSpec{Backends: a, Routes: []Route{{Path: "p", Backend: "a"}}}, "route p: path must start with /"},
		{"unknown path type", TableSpec{Backends: a, Routes: []Route{{Path: "/", PathType: 7, Backend: "a"}}}, "route /: unknown path type 7"},
		{"host not canonical", TableSpec{Backends: a, Routes: []Route{{Host: "A.test", Path: "/", Backend: "a"}}},
			`route host "A.test" is not canonical`},
		{"certificate without leaf", TableSpec{Certificates: []Certificate{{Cert: &tls.Certificate{}}}}, "certificate without a parsed leaf"},
		{"certificate missing", TableSpec{Certificates: []Certificate{{}}}, "certificate without a parsed leaf"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.spec.Validate()
			if err == nil || !strings.HasPrefix(err.Error(), "invalid routing table: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate() = %v, want an invalid routing table error containing %q", err, tc.want)
			}
		})
	}
}

func TestValidateListsEveryProblem(t *testing.T) {
	t.Parallel()
	spec := TableSpec{
		Backends:       []Backend{{Name: "a"}, {Name: "a"}},
		Routes:         []Route{{Path: "/", Backend: "x"}},
		DefaultBackend: "y",
	}
	want := `invalid routing table: backend "a" is defined twice; route / names undefined backend "x"; default backend "y" is not defined`
	if err := spec.Validate(); err == nil || err.Error() != want {
		t.Errorf("Validate() = %v\nwant %s", err, want)
	}
}

// TestValidateKnownRoutes shows what ValidateKnownRoutes leaves out: the
// routes' own rules (they passed before), not the backends they name.
func TestValidateKnownRoutes(t *testing.T) {
	t.Parallel()
	dup := TableSpec{Backends: []Backend{{Name: "a"}}, Routes: []Route{{Path: "/p", Backend: "a"}, {Path: "/p", Backend: "a"}}}
	if err := dup.ValidateKnownRoutes(); err != nil {
		t.Errorf("known routes were checked again: %v", err)
	}
	if err := dup.Validate(); err == nil {
		t.Error("Validate accepted a duplicate route")
	}
	gone := TableSpec{Backends: []Backend{{Name: "b"}}, Routes: dup.Routes[:1]}
	if err := gone.ValidateKnownRoutes(); err == nil || !strings.Contains(err.Error(), `names undefined backend "a"`) {
		t.Errorf("ValidateKnownRoutes() = %v, want the undefined backend", err)
	}
	noDefault := TableSpec{DefaultBackend: "z"}
	if err := noDefault.ValidateKnownRoutes(); err == nil {
		t.Error("ValidateKnownRoutes accepted an undefined default backend")
	}
}
