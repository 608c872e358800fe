package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/firsthop/firsthop/config"
	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy"
	"github.com/firsthop/firsthop/proxy/resolve"
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

// dataPlane is a proxy server with its metrics and tracing, and the loop
// that resolves the backend endpoints given by DNS name.
type dataPlane struct {
	srv     *proxy.Server
	metrics *proxy.Metrics
	tracing *proxy.Tracing
	log     *slog.Logger

	names     *resolve.Loop
	stopNames func() // set by start: stops the names loop and waits for it
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
	names := resolve.New(resolve.Options{Logger: log, Metrics: metrics, Publish: srv.Apply})
	return &dataPlane{srv: srv, metrics: metrics, tracing: tracing, log: log, names: names}, nil
}

// start publishes the first table of a standalone cfg: the names its
// backends give are looked up first (each bounded by its timeout) so that
// the first requests find their endpoints; a name that does not resolve
// yet adds none. Then it keeps the names resolved until close.
func (d *dataPlane) start(ctx context.Context, cfg *config.Config) error {
	if err := d.names.Update(ctx, cfg.Table, selfAddrs(cfg), d.srv.Apply); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.names.Run(ctx)
	}()
	d.stopNames = func() { cancel(); <-done }
	return nil
}

// reconfigure applies a reloaded standalone cfg: names still in use keep
// their last good answers, new ones are looked up first (see start).
func (d *dataPlane) reconfigure(ctx context.Context, cfg *config.Config) error {
	return d.names.Update(ctx, cfg.Table, selfAddrs(cfg), func(spec model.TableSpec) error {
		return d.srv.Reconfigure(cfg.Listeners, spec)
	})
}

// selfAddrs returns the proxy's own listening addresses in cfg (admin and
// listeners), which no backend name may resolve to. Port 0 (a port the
// system picks) matches nothing and is left out.
func selfAddrs(cfg *config.Config) []netip.AddrPort {
	addrs := []string{cfg.Admin.Address}
	for _, l := range cfg.Listeners {
		addrs = append(addrs, l.Address)
	}
	var out []netip.AddrPort
	for _, s := range addrs {
		if ap, err := netip.ParseAddrPort(s); err == nil && ap.Port() != 0 {
			out = append(out, ap)
		}
	}
	return out
}

// close stops the names loop, if started, and flushes buffered spans,
// waiting at most five seconds.
func (d *dataPlane) close() {
	if d.stopNames != nil {
		d.stopNames()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := d.tracing.Shutdown(ctx); err != nil {
		d.log.Warn("flushing traces", "error", err.Error())
	}
}
