package proxy

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/listen"
)

// sameListener reports whether a and b configure the same listener, so a
// reload can keep it (and its connections) as it is.
func sameListener(a, b model.ListenerSpec) bool {
	pa, pb := a.ProxyProtocol, b.ProxyProtocol
	if pa.Mode != pb.Mode || pa.HeaderTimeout != pb.HeaderTimeout || !slices.Equal(pa.TrustedCIDRs, pb.TrustedCIDRs) {
		return false
	}
	return a.Name == b.Name && a.Address == b.Address && a.PublicPort == b.PublicPort && a.AccessLog == b.AccessLog &&
		a.TLS == b.TLS && a.H2C == b.H2C && a.HTTP2Server == b.HTTP2Server &&
		a.ReadHeaderTimeout == b.ReadHeaderTimeout && a.IdleTimeout == b.IdleTimeout &&
		a.RequestBodyTimeout == b.RequestBodyTimeout && a.MaxHeaderBytes == b.MaxHeaderBytes &&
		a.MaxConcurrentStreams == b.MaxConcurrentStreams && slices.Equal(a.Policies, b.Policies)
}

// runningListener is a bound listener and the HTTP server on it.
type runningListener struct {
	spec model.ListenerSpec
	ln   net.Listener
	srv  *http.Server
	// fast, when not nil, serves the connections of ln first, and srv
	// serves those it hands over (see fastServer).
	fast *fastServer
	done chan struct{} // closed when srv.Serve (and the fast loop) have returned
}

// maxH2FrameSize is the SETTINGS_MAX_FRAME_SIZE HTTP/2 listeners
// advertise: the protocol's default, as nginx and HAProxy advertise. A
// larger frame is a connection error FRAME_SIZE_ERROR, so no single frame
// makes the server buffer more (Go's default is 1 MiB).
const maxH2FrameSize = 16 << 10

// bind opens the socket of spec, wrapped for its PROXY policy and TLS, and
// the HTTP server that will serve it. Nothing is served until start.
func (s *Server) bind(spec model.ListenerSpec) (*runningListener, error) {
	spec = spec.WithDefaults()
	l, err := listenTCP(spec.Address)
	if err != nil {
		return nil, fmt.Errorf("listener %q: %w", spec.Name, err)
	}
	pp := spec.ProxyProtocol
	if pp.Log == nil {
		pp.Log = s.log.With("listener", spec.Name)
	}
	if lm := s.opts.Metrics.forListener(spec.Name); lm != nil {
		observe := pp.Observe
		pp.Observe = func(o listen.Outcome) {
			lm.proxyHeader(o)
			if observe != nil {
				observe(o)
			}
		}
	}
	// The PROXY header comes before the TLS ClientHello, so TLS wraps the
	// PROXY listener.
	ln := listen.Wrap(l, pp)
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	// The fast loop (below) runs the TLS handshakes of its listener
	// itself; net/http's server alone has them run by the listener.
	fastLoop := !spec.H2C && s.opts.Tracing == nil
	var tlsConf *tls.Config
	if spec.TLS {
		tlsConf = tlsConfig(s.table.Load, spec.Scope, true)
		if !fastLoop {
			ln = tls.NewListener(ln, tlsConf)
		}
		protocols.SetHTTP2(true)
	}
	if spec.H2C {
		protocols.SetUnencryptedHTTP2(true)
	}
	ho := handlerOptions{listener: spec.Name, log: s.log, metrics: s.opts.Metrics, tracing: s.opts.Tracing,
		upgrades: &s.upgrades, tls: spec.TLS, bodyTimeout: spec.RequestBodyTimeout, publicPort: spec.PublicPort, policies: spec.Policies, scope: spec.Scope}
	if spec.AccessLog {
		ho.accessLog = s.accessLog
	}
	h := newHandler(s.table.Load, ho)
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: spec.ReadHeaderTimeout,
		IdleTimeout:       spec.IdleTimeout,
		MaxHeaderBytes:    spec.MaxHeaderBytes,
		Protocols:         &protocols,
		HTTP2: &http.HTTP2Config{
			MaxConcurrentStreams: int(spec.MaxConcurrentStreams),
			MaxReadFrameSize:     maxH2FrameSize,
		},
		ConnContext: listen.ConnContext,
		ConnState:   s.connStateHook(spec.Name),
		ErrorLog:    slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	if (spec.TLS || spec.H2C) && spec.HTTP2Server.Lean() {
		newH2Server(h, s.log, spec).install(srv)
	}
	rl := &runningListener{spec: spec, ln: ln, srv: srv, done: make(chan struct{})}
	if fastLoop {
		// HTTP/1.1, in the clear or over TLS, without traces: the fast
		// loop serves the common requests and hands net/http the rest
		// (and, over TLS, the connections that chose HTTP/2).
		rl.fast = &fastServer{h: h, handoff: newHandoffListener(ln.Addr()), lm: s.opts.Metrics.forListener(spec.Name),
			log: s.log, readHeaderTimeout: spec.ReadHeaderTimeout, idleTimeout: spec.IdleTimeout, tlsConfig: tlsConf}
	}
	return rl, nil
}

// start serves rl in the background. A serve error other than a close is
// sent on fatal.
func (s *Server) start(rl *runningListener, fatal chan<- error) {
	s.log.Info("listening", "listener", rl.spec.Name, "address", rl.ln.Addr().String(),
		"tls", rl.spec.TLS, "proxy_protocol", rl.spec.ProxyProtocol.Mode.String())
	report := func(err error) {
		if err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			select {
			case fatal <- fmt.Errorf("listener %q: %w", rl.spec.Name, err):
			default:
			}
		}
	}
	if rl.fast == nil {
		go func() {
			defer close(rl.done)
			report(rl.srv.Serve(rl.ln))
		}()
		return
	}
	var wg sync.WaitGroup
	wg.Go(func() { report(rl.srv.Serve(rl.fast.handoff)) })
	wg.Go(func() {
		for {
			c, err := rl.ln.Accept()
			if err != nil {
				report(err)
				return
			}
			go rl.fast.serve(c)
		}
	})
	go func() {
		wg.Wait()
		close(rl.done)
	}()
}

// stop closes rl's socket at once and lets its connections finish within
// grace, in the background; it returns a channel closed when they have.
func (s *Server) stop(rl *runningListener, grace time.Duration) <-chan struct{} {
	_ = rl.ln.Close()
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		ctx, cancel := context.WithTimeout(context.Background(), grace)
		defer cancel()
		var fastErr error
		fastDone := make(chan struct{})
		go func() {
			defer close(fastDone)
			if rl.fast != nil {
				fastErr = rl.fast.shutdown(ctx)
			}
		}()
		err := rl.srv.Shutdown(ctx)
		<-fastDone
		if err != nil || fastErr != nil {
			s.log.Warn("grace period over; closing remaining connections", "listener", rl.spec.Name, "error", errors.Join(err, fastErr).Error())
			rl.srv.Close()
		}
		<-rl.done
	}()
	return finished
}

// connSet tracks connections that http.Server no longer does: those
// hijacked for an upgrade (WebSocket), so a drain can close them at its
// deadline.
type connSet struct {
	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

func (cs *connSet) add(c net.Conn) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.conns == nil {
		cs.conns = map[net.Conn]struct{}{}
	}
	cs.conns[c] = struct{}{}
}

func (cs *connSet) remove(c net.Conn) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	delete(cs.conns, c)
}

func (cs *connSet) len() int {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return len(cs.conns)
}

// closeAll closes every tracked connection and returns how many there were.
func (cs *connSet) closeAll() int {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	n := len(cs.conns)
	for c := range cs.conns {
		c.Close()
	}
	clear(cs.conns)
	return n
}
