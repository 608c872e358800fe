// Command firsthop is a reverse proxy and Kubernetes ingress controller that
// hands every backend the real client IP, safely.
//
// Usage:
//
//	firsthop serve --config FILE       run the standalone edge proxy
//	firsthop ingress [--config FILE]   run the Kubernetes ingress controller
//	firsthop validate --config FILE    check a config file and lint its trust settings
//	firsthop migrate -f FILE           report what firsthop makes of ingress-nginx Ingresses and ConfigMap (files, or a cluster with --kubeconfig)
//	firsthop echo --listen ADDR        run the echo backend on its own
//	firsthop version [-v]              print the version (-v: Go release, poller order)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/firsthop/firsthop/config"
	"github.com/firsthop/firsthop/proxy"
	"github.com/firsthop/firsthop/proxy/echo"
)

// version is stamped at build time with -ldflags "-X main.version=...".
var version = ""

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `firsthop hands every backend the real client IP, safely.

Usage:
  firsthop serve --config FILE      run the standalone edge proxy
  firsthop ingress [--config FILE]  run the Kubernetes ingress controller
  firsthop validate --config FILE   check a config file and lint its trust settings
  firsthop migrate -f FILE          report what firsthop makes of ingress-nginx Ingresses and ConfigMap (files, or a cluster with --kubeconfig)
  firsthop echo --listen ADDR       run the echo backend on its own
  firsthop version [-v]             print the version (-v: Go release, poller order)

Run "firsthop COMMAND -h" for the flags of a command.
`

// run executes one command line and returns the process exit code.
// Long-running commands stop when ctx is done.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return serve(ctx, rest, stdout, stderr)
	case "ingress":
		return ingressCmd(ctx, rest, stdout, stderr)
	case "validate":
		return validate(rest, stdout, stderr)
	case "migrate":
		return migrate(ctx, rest, stdout, stderr)
	case "echo":
		return echoCmd(ctx, rest, stdout, stderr)
	case "version", "--version", "-version":
		return versionCmd(rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "firsthop: unknown command %q\n\n%s", cmd, usage)
	return 2
}

// versionCmd prints the version; with -v also the Go release the binary
// was built with and the order of its network poller (see pollerOrder).
func versionCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("version", stderr)
	verbose := fs.Bool("v", false, "also print the Go release and the network poller's order")
	if code, ok := parseArgs(fs, "firsthop version [-v]", args, stdout); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintln(stderr, "firsthop version: unexpected arguments")
		return 2
	}
	fmt.Fprintln(stdout, "firsthop", versionString())
	if *verbose {
		fmt.Fprintf(stdout, "go: %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
		order, err := pollerOrder()
		if err != nil {
			fmt.Fprintln(stderr, "firsthop version: poller order:", err)
			return 1
		}
		fmt.Fprintln(stdout, "poller:", order)
	}
	return 0
}

// logFlags are the logging flags every long-running command takes.
type logFlags struct {
	format string
	level  string
}

func (l *logFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&l.format, "log-format", "json", "log format: json or text")
	fs.StringVar(&l.level, "log-level", "info", "log level: debug, info, warn or error")
}

func (l *logFlags) logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(l.level)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch l.format {
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format: want json or text, got %q", l.format)
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("serve", stderr)
	var lf logFlags
	lf.register(fs)
	var sf serverFlags
	sf.register(fs)
	configPath := fs.String("config", "", "path of the YAML config `FILE` (required)")
	watch := fs.Duration("watch-interval", 2*time.Second, "how often to check the config and certificate files for changes (0: only on SIGHUP)")
	if code, ok := parseArgs(fs, "firsthop serve --config FILE [flags]", args, stdout); !ok {
		return code
	}
	log, err := lf.logger(stderr)
	if err != nil {
		fmt.Fprintln(stderr, "firsthop serve:", err)
		return 2
	}
	if *configPath == "" {
		fmt.Fprintln(stderr, "firsthop serve: --config is required")
		return 2
	}
	loaded := stamp(*configPath) // before the read: a change during it is seen
	cfg, err := config.Load(*configPath, config.Options{})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	for _, w := range cfg.Warnings {
		log.Warn("config lint", "warning", w.String())
	}
	dp, err := sf.newDataPlane(ctx, log, cfg)
	if err != nil {
		log.Error("setting up the data plane", "error", err.Error())
		return 1
	}
	defer dp.close()
	srv := dp.srv
	if err := dp.start(ctx, cfg); err != nil {
		log.Error("building the routing table", "error", err.Error())
		return 1
	}
	log.Info("firsthop starting", "version", versionString(), "config", *configPath, "node", cfg.Node, "zone", cfg.Zone)
	if err := srv.Listen(); err != nil {
		log.Error("binding listeners", "error", err.Error())
		return 1
	}
	r := &reloader{path: *configPath, dp: dp, log: log, interval: *watch, files: cfg.Files, loaded: loaded}
	go r.run(ctx)
	if err := srv.Serve(ctx); err != nil {
		log.Error("server stopped", "error", err.Error())
		return 1
	}
	log.Info("firsthop stopped")
	return 0
}

func validate(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("validate", stderr)
	configPath := fs.String("config", "", "path of the YAML config `FILE` (required)")
	ingressMode := fs.Bool("ingress", false, "validate for firsthop ingress (routes and backends come from the cluster)")
	if code, ok := parseArgs(fs, "firsthop validate --config FILE [--ingress]", args, stdout); !ok {
		return code
	}
	if *configPath == "" {
		fmt.Fprintln(stderr, "firsthop validate: --config is required")
		return 2
	}
	cfg, err := config.Load(*configPath, config.Options{Ingress: *ingressMode})
	if err != nil {
		printConfigError(stderr, err)
		return 1
	}
	if !*ingressMode {
		if _, err := proxy.NewTable(cfg.Table); err != nil {
			fmt.Fprintln(stderr, "error:", err)
			return 1
		}
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintln(stderr, "warning:", w.String())
	}
	fmt.Fprintf(stdout, "%s: valid (%d warning(s))\n", *configPath, len(cfg.Warnings))
	return 0
}

func echoCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("echo", stderr)
	var lf logFlags
	lf.register(fs)
	addr := fs.String("listen", "127.0.0.1:9000", "`ADDR` (host:port) to listen on")
	if code, ok := parseArgs(fs, "firsthop echo [--listen ADDR] [flags]", args, stdout); !ok {
		return code
	}
	log, err := lf.logger(stderr)
	if err != nil {
		fmt.Fprintln(stderr, "firsthop echo:", err)
		return 2
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Error("listen", "error", err.Error())
		return 1
	}
	srv := echo.NewServer()
	go func() {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
	}()
	log.Info("echo backend listening", "address", ln.Addr().String())
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("echo backend stopped", "error", err.Error())
		return 1
	}
	return 0
}

// versionString returns the stamped version, else the module version or
// VCS revision recorded by the Go toolchain, else "devel".
func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			return v
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "devel-" + s.Value[:12]
			}
		}
	}
	return "devel"
}
