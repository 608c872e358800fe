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

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/echo"
	"github.com/firsthop/firsthop/proxy/policy"
)

// Options configure a [Server]. Only Listeners is required.
type Options struct {
	// Logger receives the server's logs; nil means slog.Default().
	Logger *slog.Logger

	Listeners []model.ListenerSpec

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
}

// Server runs firsthop's listeners and admin endpoints over the routing
// table most recently published. Its methods are safe for concurrent use.
type Server struct {
	opts      Options
	log       *slog.Logger
	accessLog *slog.Logger
	table     atomic.Pointer[Table]

	transports transportPool
	endpoints  endpointStates  // shared by every table, by address
	policies   policy.Registry // limiter state shared by every table
	upgrades   connSet         // client connections tunnelled for an upgrade

	mu         sync.Mutex
	generation uint64 // of the last table published
	echoAddr   netip.AddrPort
	echoSrv    *http.Server
	listeners  map[string]*runningListener // by name; bound by Listen
	adminLn    net.Listener
	fatal      chan error // a listener's serve error; set by Listen
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
	if opts.AccessLog == nil {
		opts.AccessLog = os.Stdout
	}
	s := &Server{opts: opts, log: opts.Logger, accessLog: slog.New(slog.NewJSONHandler(opts.AccessLog, nil))}
	if err := opts.Metrics.observeTable(s.table.Load); err != nil {
		s.log.Warn("table metrics unavailable", "error", err.Error())
	}
	return s
}

// Apply builds a table from spec and publishes it. Backends marked Echo are
// served by an echo server this process starts on a loopback port the first
// time one is needed. On error the current table stays in place.
//
// The slices of spec must not be modified after the call. A later Apply
// may be given the very same slices again (the same Routes, or a
// backend's same Endpoints): those parts are then known to be unchanged
// and are not compiled again, so that an update that touches a few
// backends of a large table costs about what those backends cost.
func (s *Server) Apply(spec model.TableSpec) error {
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
		b.Endpoints = []model.Endpoint{{Addr: addr, Node: spec.Node, Zone: spec.Zone}}
	}
	// Tables are built one at a time, each from the one before (see
	// newTable), so that a change to a few backends costs that much.
	s.mu.Lock()
	defer s.mu.Unlock()
	began := time.Now()
	t, err := newTable(spec, tableBuild{
		states: &s.endpoints, transports: &s.transports, policies: &s.policies,
		prev: s.table.Load(), generation: s.generation + 1,
	})
	s.opts.Metrics.tableBuild(time.Since(began), err)
	if err != nil {
		return err
	}
	s.generation = t.generation
	s.table.Store(t)
	s.dropStaleEndpoints(spec)
	s.policies.KeepOnly(t.policyList())
	return nil
}

// dropStaleEndpoints forgets the state of endpoints no backend of spec
// has, once there are as many of those as live ones: a full sweep costs
// as much as the table is large, and stale entries cost only memory.
func (s *Server) dropStaleEndpoints(spec model.TableSpec) {
	n := 0
	for i := range spec.Backends {
		n += len(spec.Backends[i].Endpoints)
	}
	if s.endpoints.len() <= 2*n+64 {
		return
	}
	live := make(map[netip.AddrPort]bool, n)
	for i := range spec.Backends {
		for _, ep := range spec.Backends[i].Endpoints {
			live[ep.Addr] = true
		}
	}
	s.endpoints.keepOnly(live)
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
	bound := make(map[string]*runningListener, len(s.opts.Listeners))
	closeAll := func() {
		for _, rl := range bound {
			rl.ln.Close()
		}
	}
	for _, spec := range s.opts.Listeners {
		rl, err := s.bind(spec)
		if err != nil {
			closeAll()
			return err
		}
		bound[spec.Name] = rl
	}
	if s.opts.AdminAddress != "" {
		l, err := listenTCP(s.opts.AdminAddress)
		if err != nil {
			closeAll()
			return fmt.Errorf("admin listener: %w", err)
		}
		s.adminLn = l
	}
	s.listeners = bound
	s.fatal = make(chan error, 1)
	s.listening = true
	return nil
}

// Addr returns the bound address of the named listener, or nil.
func (s *Server) Addr(name string) net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rl, ok := s.listeners[name]; ok {
		return rl.ln.Addr()
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
// DrainDelay, then in-flight requests get GracePeriod to finish, and
// connections tunnelled for WebSocket are closed at its end. It returns nil
// after a drain that ctx started.
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
	for _, rl := range s.listeners {
		s.start(rl, s.fatal)
	}
	adminLn, fatal := s.adminLn, s.fatal
	s.serving.Store(true)
	s.mu.Unlock()

	var admin *http.Server
	adminDone := make(chan error, 1)
	if adminLn != nil {
		admin = &http.Server{Handler: s.adminHandler(), ReadHeaderTimeout: 10 * time.Second}
		s.log.Info("admin listening", "address", adminLn.Addr().String())
		go func() { adminDone <- admin.Serve(adminLn) }()
	}

	var err error
	select {
	case <-ctx.Done():
	case err = <-fatal:
	case err = <-adminDone:
		err = fmt.Errorf("admin listener: %w", err)
	}
	s.drain(err == nil)
	if admin != nil {
		admin.Close()
	}
	return err
}

// drain stops serving: readiness fails first, then (when delay) the drain
// delay passes, then every listener shuts down within the grace period.
func (s *Server) drain(delay bool) {
	s.draining.Store(true)
	s.log.Info("draining", "drain_delay", s.opts.DrainDelay.String(), "grace_period", s.opts.GracePeriod.String())
	if delay && s.opts.DrainDelay > 0 {
		time.Sleep(s.opts.DrainDelay)
	}
	deadline := time.Now().Add(s.opts.GracePeriod)
	s.mu.Lock()
	var stopped []<-chan struct{}
	for _, rl := range s.listeners {
		stopped = append(stopped, s.stop(rl, s.opts.GracePeriod))
	}
	s.mu.Unlock()
	for _, c := range stopped {
		<-c
	}
	// http.Server.Shutdown does not wait for hijacked connections: give
	// WebSocket tunnels the rest of the grace period, then close them.
	for s.upgrades.len() > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := s.upgrades.closeAll(); n > 0 {
		s.log.Info("closed upgraded connections at the end of the grace period", "count", n)
	}
	s.mu.Lock()
	if s.echoSrv != nil {
		s.echoSrv.Close()
	}
	s.mu.Unlock()
	s.transports.closeIdle()
	s.endpoints.close()
	s.serving.Store(false)
}

// Reconfigure publishes a table built from spec and then brings the
// listeners in line with listeners: an unchanged listener (same name and
// settings) keeps its socket and connections; a changed one is closed and
// bound anew, its open connections finishing within the grace period; a
// new one is bound; a missing one is closed likewise. On a table error
// nothing changes.
//
// It may be called once [Server.Listen] has returned: before
// [Server.Serve] runs, the listeners are bound and Serve starts them with
// the others; while Serve runs they are served at once. Once Serve has
// begun to drain it fails.
//
// A listener that cannot be bound (its address is not on this host, its
// port is in use) is left out and the others are served as said: the
// error then joins one [*ListenerError] per listener left out (and
// nothing else), the table is published, and a later Reconfigure tries
// those listeners again.
func (s *Server) Reconfigure(listeners []model.ListenerSpec, spec model.TableSpec) error {
	s.mu.Lock()
	ready := s.listening && !s.draining.Load()
	s.mu.Unlock()
	if !ready {
		return errors.New("proxy: Reconfigure before Listen or after Serve")
	}
	if err := s.Apply(spec); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.draining.Load() {
		return errors.New("proxy: Reconfigure after Serve")
	}
	// Serve starts every listener bound before it runs, under s.mu.
	serving := s.serving.Load()
	retire := func(rl *runningListener) {
		if serving {
			s.stop(rl, s.opts.GracePeriod)
		} else {
			_ = rl.ln.Close() // never started: no connection to finish
		}
	}
	want := make(map[string]bool, len(listeners))
	var errs []error
	for _, spec := range listeners {
		want[spec.Name] = true
		old := s.listeners[spec.Name]
		if old != nil && sameListener(old.spec, spec.WithDefaults()) {
			continue
		}
		if old != nil {
			s.log.Info("replacing listener", "listener", spec.Name)
			retire(old)
			delete(s.listeners, spec.Name)
		}
		rl, err := s.bind(spec)
		if err != nil {
			errs = append(errs, &ListenerError{Listener: spec.Name, Err: err})
			continue
		}
		s.listeners[spec.Name] = rl
		if serving {
			s.start(rl, s.fatal)
		}
	}
	for name, rl := range s.listeners {
		if !want[name] {
			s.log.Info("removing listener", "listener", name)
			retire(rl)
			delete(s.listeners, name)
		}
	}
	s.opts.Listeners = listeners
	return errors.Join(errs...)
}

// ListenerError is a listener [Server.Reconfigure] could not bind.
type ListenerError struct {
	// Listener is the listener's name.
	Listener string
	// Err says why; it names the listener.
	Err error
}

func (e *ListenerError) Error() string { return e.Err.Error() }
func (e *ListenerError) Unwrap() error { return e.Err }

// ListenerName returns e.Listener: a caller that must not import this
// package finds the listeners left out with this method.
func (e *ListenerError) ListenerName() string { return e.Listener }
