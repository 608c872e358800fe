package proxy

import (
	"net/netip"
	"testing"
	"time"

	"github.com/firsthop/firsthop/model"
)

// TestTableIsWholeWhenBuilt: a table is complete when NewTable or Apply
// returns and nothing sets anything on it later: every backend has its
// transport, and the table its generation. A Server's tables share one
// transport per upstream setting, so a new table keeps the connections
// the last one opened.
func TestTableIsWholeWhenBuilt(t *testing.T) {
	t.Parallel()
	spec := model.TableSpec{
		Routes: []model.Route{{Path: "/a", Backend: "a"}, {Path: "/b", Backend: "b"}},
		Backends: []model.Backend{
			{Name: "a", Endpoints: []model.Endpoint{{Addr: netip.MustParseAddrPort("10.0.0.1:80")}}},
			{Name: "b", ConnectTimeout: time.Second, Endpoints: []model.Endpoint{{Addr: netip.MustParseAddrPort("10.0.0.2:80")}}},
		},
	}
	tbl, err := NewTable(spec)
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range tbl.backends {
		if b.transport == nil {
			t.Errorf("NewTable: backend %s has no transport", name)
		}
	}
	if g := tbl.Generation(); g != 0 {
		t.Errorf("NewTable: generation %d, want 0", g)
	}

	s := NewServer(Options{})
	var tables []*Table
	for i := range 2 {
		next := spec
		next.Backends = append([]model.Backend(nil), spec.Backends...)
		next.Backends[1].Endpoints = []model.Endpoint{{Addr: netip.AddrPortFrom(netip.MustParseAddr("10.0.1.1"), uint16(80+i))}}
		// The table is checked as built, before Apply publishes it.
		built, err := newTable(next, tableBuild{states: &s.endpoints, transports: &s.transports, prev: s.Table(), generation: uint64(i + 1)})
		if err != nil {
			t.Fatal(err)
		}
		for name, b := range built.backends {
			if b.transport == nil {
				t.Errorf("table %d: backend %s has no transport when built", i+1, name)
			}
		}
		if err := s.Apply(next); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, s.Table())
	}
	if g := tables[1].Generation(); g != 2 {
		t.Errorf("the second table Apply built has generation %d, want 2", g)
	}
	if tables[0].backends["b"] == tables[1].backends["b"] {
		t.Fatal("the changed backend was reused")
	}
	if tables[0].backends["b"].transport != tables[1].backends["b"].transport {
		t.Error("a recompiled backend got a new transport: the connections of the last table are lost")
	}
	if tables[1].backends["a"].transport == tables[1].backends["b"].transport {
		t.Error("backends with different connect timeouts share a transport")
	}
}
