package proxy

import (
	"errors"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/firsthop/firsthop/model"
)

// TestApplyRecompilesWhenResolvedFromChanges: an endpoint that now comes
// from a DNS name (same address, node and zone) is a change, so that
// /debug/table shows where it came from.
func TestApplyRecompilesWhenResolvedFromChanges(t *testing.T) {
	t.Parallel()
	ep := model.Endpoint{Addr: netip.MustParseAddrPort("10.0.0.1:80")}
	spec := model.TableSpec{Backends: []model.Backend{{Name: "a", Endpoints: []model.Endpoint{ep}}}}
	s := NewServer(Options{})
	if err := s.Apply(spec); err != nil {
		t.Fatal(err)
	}
	ep.ResolvedFrom = "api.internal"
	spec.Backends = []model.Backend{{Name: "a", Endpoints: []model.Endpoint{ep}}}
	if err := s.Apply(spec); err != nil {
		t.Fatal(err)
	}
	if got := s.Table().backends["a"].groups[0][0].ResolvedFrom; got != "api.internal" {
		t.Errorf("ResolvedFrom = %q, want api.internal (the old backend was reused)", got)
	}
}

// TestNameLookupMetric: lookups of backend names are counted by name and
// result under firsthop_dns_lookups_total.
func TestNameLookupMetric(t *testing.T) {
	t.Parallel()
	m, h, err := NewPrometheusMetrics()
	if err != nil {
		t.Fatal(err)
	}
	m.NameLookup("api.internal", nil)
	m.NameLookup("api.internal", errors.New("no such host"))
	m.NameLookup("api.internal", errors.New("no such host"))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []string{
		`firsthop_dns_lookups_total{name="api.internal",result="ok"} 1`,
		`firsthop_dns_lookups_total{name="api.internal",result="error"} 2`,
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	var none *Metrics
	none.NameLookup("api.internal", nil) // a nil *Metrics records nothing
}
