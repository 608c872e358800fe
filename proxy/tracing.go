package proxy

import (
	"context"
	"os"
	"strings"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"
)

// Tracing makes a server span per request and a client span per upstream
// attempt, and propagates W3C trace context to backends. A nil *Tracing
// does nothing and costs nothing.
type Tracing struct {
	tracer     trace.Tracer
	propagator propagation.TextMapPropagator
	shutdown   func(context.Context) error
}

// NewTracing returns Tracing that sends spans to tp's tracer.
func NewTracing(tp trace.TracerProvider) *Tracing {
	return &Tracing{
		tracer:     tp.Tracer("github.com/firsthop/firsthop/proxy"),
		propagator: propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}),
		shutdown:   func(context.Context) error { return nil },
	}
}

// TracingFromEnv returns Tracing exporting over OTLP/HTTP when the standard
// OpenTelemetry environment configures it: OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT set, or OTEL_TRACES_EXPORTER=otlp. The
// exporter reads the other OTEL_EXPORTER_OTLP_* variables (headers,
// timeout, ...) itself. It returns nil, nil when tracing is not configured,
// or is turned off with OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none.
func TracingFromEnv(ctx context.Context, version string) (*Tracing, error) {
	if !tracingConfigured(os.Getenv) {
		return nil, nil
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, err
	}
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(
		semconv.ServiceName("firsthop"), semconv.ServiceVersion(version)))
	if err != nil {
		res = resource.Default()
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	t := NewTracing(tp)
	t.shutdown = tp.Shutdown
	return t, nil
}

// tracingConfigured reports whether the OTEL_* environment asks for traces.
func tracingConfigured(getenv func(string) string) bool {
	if strings.EqualFold(getenv("OTEL_SDK_DISABLED"), "true") {
		return false
	}
	switch strings.ToLower(getenv("OTEL_TRACES_EXPORTER")) {
	case "none":
		return false
	case "otlp":
		return true
	}
	return getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
}

// Shutdown flushes buffered spans. It is safe on a nil *Tracing.
func (t *Tracing) Shutdown(ctx context.Context) error {
	if t == nil {
		return nil
	}
	return t.shutdown(ctx)
}
