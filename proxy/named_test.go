package proxy

import (
	"net/netip"
	"testing"
)

// TestApplyRecompilesWhenResolvedFromChanges: an endpoint that now comes
// from a DNS name (same address, node and zone) is a change, so that
// /debug/table shows where it came from.
func TestApplyRecompilesWhenResolvedFromChanges(t *testing.T) {
	t.Parallel()
	ep := Endpoint{Addr: netip.MustParseAddrPort("10.0.0.1:80")}
	spec := TableSpec{Backends: []Backend{{Name: "a", Endpoints: []Endpoint{ep}}}}
	s := NewServer(Options{})
	if err := s.Apply(spec); err != nil {
		t.Fatal(err)
	}
	ep.ResolvedFrom = "api.internal"
	spec.Backends = []Backend{{Name: "a", Endpoints: []Endpoint{ep}}}
	if err := s.Apply(spec); err != nil {
		t.Fatal(err)
	}
	if got := s.Table().backends["a"].groups[0][0].ResolvedFrom; got != "api.internal" {
		t.Errorf("ResolvedFrom = %q, want api.internal (the old backend was reused)", got)
	}
}
