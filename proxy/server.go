package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/firsthop/firsthop/proxy/echo"
	"github.com/firsthop/firsthop/proxy/listen"
)

// ListenerSpec is one traffic listener.
type ListenerSpec struct {
	// Name identifies the listener in logs and metrics.
	Name string
	// Address is host:port to bind; port 0 picks a free port.
	Address string
	// ProxyProtocol is the listener's PROXY protocol policy.
	ProxyProtocol listen.Policy
	// AccessLog turns on one JSON line per request, written to
	// [Options.AccessLog].
	AccessLog bool
}

// Options configure a [Server]. Only Listeners is required.
type Options struct {
	// Logger receives the server's logs; nil means slog.Default().
	Logger *slog.Logger

	Listeners []ListenerSpec

	// AdminAddress is host:port of the admin listener (/healthz, /readyz).
	// Empty means no admin listener.
	AdminAddress string

	// DrainDelay is how long the server keeps serving, not ready, after
	// shutdown begins, so that load balancers polling /readyz stop sending
	// new connections first.
	DrainDelay time.Duration

	// GracePeriod bounds how long in-flight requests may take to finish
	// once shutdown begins; zero means 30 seconds.
	GracePeriod time.Duration

	// Metrics, when non-nil, records the data plane's metrics, and
	// MetricsHandler is served at /metrics on the admin listener.
	Metrics        *Metrics
	MetricsHandler http.Handler

	// Tracing, when non-nil, makes spans for requests and upstream attempts.
	Tracing *Tracing

	// AccessLog receives the access-log lines of listeners that have it on;
	// nil means standard output.
	AccessLog io.Writer

	// Pprof mounts net/http/pprof under /debug/pprof/ on the admin listener.
	Pprof bool

	// Limits of the client-facing HTTP servers; zero means the defaults
	// below.
	ReadHeaderTimeout time.Duration // default 10s
	IdleTimeout       time.Duration // default 120s
	MaxHeaderBytes    int           // default 64 KiB
}

// Server runs firsthop's listeners and admin endpoints over the routing
// table most recently published. Its methods are safe for concurrent use.
type Server struct {
	opts  Options
	log   *slog.Logger
	table atomic.Pointer[Table]

	transports transportPool

	mu         sync.Mutex
	generation uint64         // of the last table published
	echoAddr   netip.AddrPort // zero until the echo backend is first needed
	echoSrv    *http.Server
	bound      map[string]net.Listener // by listener name
	adminLn    net.Listener
	serving    atomic.Bool
	draining   atomic.Bool
	listening  bool
}

// NewServer returns a server for opts. Nothing is bound until [Server.Listen].
func NewServer(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.GracePeriod <= 0 {
		opts.GracePeriod = 30 * time.Second
	}
	if opts.ReadHeaderTimeout <= 0 {
		opts.ReadHeaderTimeout = 10 * time.Second
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = 120 * time.Second
	}
	if opts.MaxHeaderBytes <= 0 {
		opts.MaxHeaderBytes = 64 << 10
	}
	if opts.AccessLog == nil {
		opts.AccessLog = os.Stdout
	}
	s := &Server{opts: opts, log: opts.Logger}
	if err := opts.Metrics.observeTable(s.table.Load); err != nil {
		s.log.Warn("table metrics unavailable", "error", err.Error())
	}
	return s
}

// Apply builds a table from spec and publishes it. Backends marked Echo are
// served by an echo server this process starts on a loopback port the first
// time one is needed. On error the current table stays in place.
func (s *Server) Apply(spec TableSpec) error {
	spec.Backends = slices.Clone(spec.Backends)
	for i := range spec.Backends {
		b := &spec.Backends[i]
		if !b.Echo {
			continue
		}
		addr, err := s.startEcho()
		if err != nil {
			return fmt.Errorf("starting the echo backend: %w", err)
		}
		b.Endpoints = []Endpoint{{Addr: addr, Node: spec.Node, Zone: spec.Zone}}
	}
	began := time.Now()
	t, err := NewTable(spec)
	s.opts.Metrics.tableBuild(time.Since(began), err)
	if err != nil {
		return err
	}
	for _, b := range t.backends {
		b.transport = s.transports.get(b.timeouts)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.generation++
	t.generation = s.generation
	s.table.Store(t)
	return nil
}

// Table returns the table in use, or nil before the first [Server.Apply].
func (s *Server) Table() *Table { return s.table.Load() }

// Ready reports whether the server is serving a table and not draining.
func (s *Server) Ready() bool {
	return s.serving.Load() && !s.draining.Load() && s.table.Load() != nil
}

// startEcho starts the built-in echo backend once and returns its address.
func (s *Server) startEcho() (netip.AddrPort, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.echoSrv != nil {
		return s.echoAddr, nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return netip.AddrPort{}, err
	}
	s.echoSrv = echo.NewServer()
	s.echoAddr = ln.Addr().(*net.TCPAddr).AddrPort()
	go func() { _ = s.echoSrv.Serve(ln) }()
	s.log.Info("echo backend started", "address", s.echoAddr.String())
	return s.echoAddr, nil
}

// Listen binds every listener and the admin listener. On error nothing
// stays bound.
func (s *Server) Listen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listening {
		return errors.New("proxy: Listen called twice")
	}
	bound := make(map[string]net.Listener, len(s.opts.Listeners))
	closeAll := func() {
		for _, l := range bound {
			l.Close()
		}
	}
	for _, spec := range s.opts.Listeners {
		l, err := net.Listen("tcp", spec.Address)
		if err != nil {
			closeAll()
			return fmt.Errorf("listener %q: %w", spec.Name, err)
		}
		pp := spec.ProxyProtocol
		if m := s.opts.Metrics; m != nil {
			name, observe := spec.Name, pp.Observe
			pp.Observe = func(o listen.Outcome) {
				m.proxyHeader(name, o)
				if observe != nil {
					observe(o)
				}
			}
		}
		bound[spec.Name] = listen.Wrap(l, pp)
	}
	if s.opts.AdminAddress != "" {
		l, err := net.Listen("tcp", s.opts.AdminAddress)
		if err != nil {
			closeAll()
			return fmt.Errorf("admin listener: %w", err)
		}
		s.adminLn = l
	}
	s.bound = bound
	s.listening = true
	return nil
}

// Addr returns the bound address of the named listener, or nil.
func (s *Server) Addr(name string) net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if l, ok := s.bound[name]; ok {
		return l.Addr()
	}
	return nil
}

// AdminAddr returns the bound admin address, or nil.
func (s *Server) AdminAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.adminLn == nil {
		return nil
	}
	return s.adminLn.Addr()
}

// connStateHook returns an http.Server ConnState hook counting the open
// connections of a listener, or nil without metrics.
func (s *Server) connStateHook(listener string) func(net.Conn, http.ConnState) {
	lm := s.opts.Metrics.forListener(listener)
	if lm == nil {
		return nil
	}
	return func(_ net.Conn, state http.ConnState) {
		switch state {
		case http.StateNew:
			lm.connDelta(1)
		case http.StateHijacked, http.StateClosed:
			lm.connDelta(-1)
		}
	}
}

// Run binds the listeners (see [Server.Listen]) and serves until ctx is
// done, then drains: /readyz fails at once, new work is still served for
// DrainDelay, then in-flight requests get GracePeriod to finish. It returns
// nil after a clean drain.
func (s *Server) Run(ctx context.Context) error {
	if err := s.Listen(); err != nil {
		return err
	}
	return s.Serve(ctx)
}

// Serve serves on the listeners bound by [Server.Listen] until ctx is done,
// then drains as described for [Server.Run].
func (s *Server) Serve(ctx context.Context) error {
	s.mu.Lock()
	if !s.listening {
		s.mu.Unlock()
		return errors.New("proxy: Serve called before Listen")
	}
	bound, adminLn := s.bound, s.adminLn
	s.mu.Unlock()

	errc := make(chan error, len(bound)+1)
	var servers []*http.Server
	accessLog := slog.New(slog.NewJSONHandler(s.opts.AccessLog, nil))
	for _, spec := range s.opts.Listeners {
		name, l := spec.Name, bound[spec.Name]
		ho := handlerOptions{listener: name, log: s.log, metrics: s.opts.Metrics, tracing: s.opts.Tracing}
		if spec.AccessLog {
			ho.accessLog = accessLog
		}
		srv := &http.Server{
			Handler:           newHandler(s.table.Load, ho),
			ReadHeaderTimeout: s.opts.ReadHeaderTimeout,
			IdleTimeout:       s.opts.IdleTimeout,
			MaxHeaderBytes:    s.opts.MaxHeaderBytes,
			ConnContext:       listen.ConnContext,
			ConnState:         s.connStateHook(name),
			ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
		}
		servers = append(servers, srv)
		s.log.Info("listening", "listener", name, "address", l.Addr().String())
		go func() { errc <- srv.Serve(l) }()
	}
	var admin *http.Server
	if adminLn != nil {
		admin = &http.Server{Handler: s.adminHandler(), ReadHeaderTimeout: 10 * time.Second}
		s.log.Info("admin listening", "address", adminLn.Addr().String())
		go func() { errc <- admin.Serve(adminLn) }()
	}
	s.serving.Store(true)

	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
		err = fmt.Errorf("serving: %w", err)
	}
	s.draining.Store(true)
	s.log.Info("draining", "drain_delay", s.opts.DrainDelay.String(), "grace_period", s.opts.GracePeriod.String())
	if err == nil && s.opts.DrainDelay > 0 {
		time.Sleep(s.opts.DrainDelay)
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), s.opts.GracePeriod)
	defer cancel()
	var wg sync.WaitGroup
	for _, srv := range servers {
		wg.Go(func() {
			if e := srv.Shutdown(shutdownCtx); e != nil {
				s.log.Warn("grace period over; closing remaining connections", "error", e.Error())
				srv.Close()
			}
		})
	}
	wg.Wait()
	if admin != nil {
		admin.Close()
	}
	s.mu.Lock()
	if s.echoSrv != nil {
		s.echoSrv.Close()
	}
	s.mu.Unlock()
	s.transports.closeIdle()
	s.serving.Store(false)
	return err
}
