package kube

import (
	"context"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

func TestCacheMetricsRecordsSyncState(t *testing.T) {
	t.Parallel()
	reader := sdkmetric.NewManualReader()
	m, err := NewCacheMetrics(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)))
	if err != nil {
		t.Fatal(err)
	}
	m.CacheSynced("ingresses", false)
	m.CacheSynced("services", false)
	m.CacheSynced("ingresses", true)

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, md := range sm.Metrics {
			if md.Name != "firsthop.kubernetes.cache.synced" {
				continue
			}
			for _, dp := range md.Data.(metricdata.Gauge[int64]).DataPoints {
				r, _ := dp.Attributes.Value("resource")
				got[r.AsString()] = dp.Value
			}
		}
	}
	if len(got) != 2 || got["ingresses"] != 1 || got["services"] != 0 {
		t.Errorf("firsthop.kubernetes.cache.synced = %v, want ingresses 1, services 0", got)
	}

	var none *CacheMetrics
	none.CacheSynced("ingresses", true) // records nothing, does not panic
}
