package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/firsthop/firsthop/config"
	"github.com/firsthop/firsthop/proxy"
)

// serverFlags are the data-plane flags `serve` and `ingress` share.
type serverFlags struct {
	drainDelay time.Duration
	grace      time.Duration
	pprof      bool
	metrics    bool
	// gcFloorMiB is the heap size below which GOGC is raised (tuneGC).
	gcFloorMiB uint64
}

func (f *serverFlags) register(fs *flag.FlagSet) {
	fs.DurationVar(&f.drainDelay, "drain-delay", 0, "on SIGTERM, keep serving this long with /readyz failing before closing listeners")
	fs.DurationVar(&f.drainDelay, "shutdown-grace", 0, "the same as --drain-delay")
	fs.DurationVar(&f.grace, "grace-period", 30*time.Second, "on SIGTERM, how long in-flight requests may take to finish")
	fs.BoolVar(&f.pprof, "pprof", false, "serve Go profiles under /debug/pprof/ on the admin listener")
	fs.BoolVar(&f.metrics, "metrics", true, "record metrics and serve them at /metrics on the admin listener")
	fs.Uint64Var(&f.gcFloorMiB, "gc-heap-floor", 64, "MiB of heap the garbage collector may use before collecting when the live heap is smaller (0: the Go default; ignored when GOGC is set)")
}

// dataPlane is a proxy server with its metrics and tracing.
type dataPlane struct {
	srv     *proxy.Server
	metrics *proxy.Metrics
	tracing *proxy.Tracing
	log     *slog.Logger
}

// newDataPlane makes the server for cfg's listeners and admin address,
// with Prometheus metrics (unless --metrics=false) and tracing from the
// OTEL_* variables, and starts tuning the garbage collector (tuneGC)
// until ctx is done. Nothing is bound yet; call close when done.
func (f *serverFlags) newDataPlane(ctx context.Context, log *slog.Logger, cfg *config.Config) (*dataPlane, error) {
	tuneGC(ctx, log, f.gcFloorMiB<<20, time.Second)
	var metrics *proxy.Metrics
	var metricsHandler http.Handler
	if f.metrics {
		var err error
		if metrics, metricsHandler, err = proxy.NewPrometheusMetrics(); err != nil {
			return nil, fmt.Errorf("setting up metrics: %w", err)
		}
	}
	tracing, err := proxy.TracingFromEnv(ctx, versionString())
	if err != nil {
		return nil, fmt.Errorf("setting up tracing from OTEL_* variables: %w", err)
	}
	srv := proxy.NewServer(proxy.Options{
		Logger:         log,
		Listeners:      cfg.Listeners,
		AdminAddress:   cfg.Admin.Address,
		DrainDelay:     f.drainDelay,
		GracePeriod:    f.grace,
		Metrics:        metrics,
		MetricsHandler: metricsHandler,
		Tracing:        tracing,
		Pprof:          f.pprof,
	})
	return &dataPlane{srv: srv, metrics: metrics, tracing: tracing, log: log}, nil
}

// close flushes buffered spans, waiting at most five seconds.
func (d *dataPlane) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := d.tracing.Shutdown(ctx); err != nil {
		d.log.Warn("flushing traces", "error", err.Error())
	}
}
