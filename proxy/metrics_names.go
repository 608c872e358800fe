package proxy

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// NameLookup counts one DNS lookup of a backend endpoint's name (see
// [model.NamedEndpoint]) as firsthop.dns.lookups, by name and result (ok,
// error). Names come from the configuration, so the series are bounded.
// Lookups are rare (one per name per interval), so the instrument is
// fetched from the meter each time rather than kept.
func (m *Metrics) NameLookup(name string, err error) {
	if m == nil {
		return
	}
	c, e := m.meter.Int64Counter("firsthop.dns.lookups",
		metric.WithDescription("DNS lookups of backend endpoint names, by name and result (ok, error)."))
	if e != nil {
		return
	}
	result := "ok"
	if err != nil {
		result = "error"
	}
	c.Add(context.Background(), 1, metric.WithAttributes(attribute.String("name", name), attribute.String("result", result)))
}
