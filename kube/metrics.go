package kube

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// CacheMetrics records the controller's own metrics: whether each informer
// cache has synced, as the gauge firsthop.kubernetes.cache.synced (1 or 0,
// by resource). A nil *CacheMetrics records nothing.
type CacheMetrics struct {
	synced metric.Int64Gauge
}

// NewCacheMetrics creates the instruments on a meter from mp, which is
// typically the data plane's (see proxy.Metrics.MeterProvider), so that
// they are exported with its metrics.
func NewCacheMetrics(mp metric.MeterProvider) (*CacheMetrics, error) {
	synced, err := mp.Meter(meterName).Int64Gauge("firsthop.kubernetes.cache.synced",
		metric.WithDescription("1 when the Kubernetes informer cache of a resource has synced, else 0."))
	if err != nil {
		return nil, err
	}
	return &CacheMetrics{synced: synced}, nil
}

// CacheSynced records whether the informer cache of resource (such as
// "ingresses") has synced.
func (m *CacheMetrics) CacheSynced(resource string, synced bool) {
	if m == nil {
		return
	}
	var v int64
	if synced {
		v = 1
	}
	m.synced.Record(context.Background(), v, metric.WithAttributes(attribute.String("resource", resource)))
}

// meterName is the instrumentation scope of the controller's metrics. It
// keeps the name of the package the controller was first written in
// (github.com/firsthop/firsthop/ingress), which exported metrics carry as
// otel_scope_name: queries selecting on it keep working.
const meterName = "github.com/firsthop/firsthop/ingress"
