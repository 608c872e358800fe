package proxy

import (
	"context"
	"net/http"
	"net/netip"

	"github.com/firsthop/firsthop/proxy/clientip"
	"github.com/firsthop/firsthop/proxy/listen"
)

// This file is the seam between the serving paths. The shared handler
// (handler.go) never asks which path a request came from or will take;
// both choices are made once, here:
//
//   - the client side, per connection: a request comes in on a
//     [clientConn], the fast loop's connection ([fastConn]), the lean
//     HTTP/2 server's ([h2Conn]) or net/http's ([stdConn]), chosen where
//     the connection is served and fixed in the request state before the
//     handler starts;
//   - the upstream side, per backend: [backend.leanFor] says whether a
//     request goes over the lean HTTP/1.1 path ([handler.forward],
//     forward.go) or httputil.ReverseProxy ([handler.forwardStd],
//     upstream_std.go), from the backend's protocol, decided when the
//     table is built.
//
// The rules both paths share are written once and called by both: the
// retry and blame rules (upstream_retry.go), the error -> status rule
// (upstream_failure.go), the outbound header plan (forwardheaders.go), an
// unasked 101 (upgrade.go) and passive health ([handler.recordOutcome]).

// clientConn is the client connection a request came in on, as the
// shared handler needs it. Its methods take the request, which net/http's
// connection reaches through; a request's clientConn does not change.
type clientConn interface {
	// origin returns where the connection came from (see
	// [listen.InfoOf]) and the local address the client connected to.
	origin(r *http.Request) (info listen.Info, local netip.AddrPort, err error)
	// clientGone reports whether the client has gone away.
	clientGone(r *http.Request) bool
	// watchClient calls onGone if the client goes away while r is
	// served. stop ends the watch and reports whether onGone was not
	// called.
	watchClient(r *http.Request, onGone func()) (stop func() bool)
	// serves reports whether requests on this connection for rule are
	// served here; when not, the handler hands the request back
	// untouched (see [handler.handle]).
	serves(rule *pathRule) bool
}

// stdConn is a connection served by net/http's server. It holds nothing:
// what it knows is in the request's context.
type stdConn struct{}

// origin returns the connection net/http's server recorded in r's context
// (firsthop's listener), else (a server that is not firsthop's, as in
// tests) r.RemoteAddr as the peer.
func (stdConn) origin(r *http.Request) (listen.Info, netip.AddrPort, error) {
	if c, found := listen.ConnFromContext(r.Context()); found {
		return connInfo(c)
	}
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return listen.Info{}, netip.AddrPort{}, err
	}
	ap = netip.AddrPortFrom(clientip.Normalize(ap.Addr()), ap.Port())
	return listen.Info{Peer: ap, Source: ap}, netip.AddrPort{}, nil
}

// clientGone reports whether r's context has ended, as net/http's server
// ends it when the client leaves.
func (stdConn) clientGone(r *http.Request) bool { return r.Context().Err() != nil }

// watchClient calls onGone when r's context ends.
func (stdConn) watchClient(r *http.Request, onGone func()) func() bool {
	return context.AfterFunc(r.Context(), onGone)
}

// serves reports true: net/http's server serves every route.
func (stdConn) serves(*pathRule) bool { return true }

// leanFor reports which upstream path a request to b takes: the lean
// HTTP/1.1 path ([handler.forward]) when true, else httputil.ReverseProxy
// ([handler.forwardStd]). b.lean, set when the table is built, says b
// speaks plain HTTP/1.1; a WebSocket upgrade (webSocket) takes the
// reverse proxy whatever the backend, as the lean path forwards no
// upgrade. The fast loop, whose requests are never upgrades, serves a
// route only when this holds for every backend the route may pick
// ([pathRule.servedFast]).
func (b *backend) leanFor(webSocket bool) bool { return b.lean && !webSocket }

// serveResult says how [handler.serve] left a request.
type serveResult uint8

const (
	// handedBack: not served and nothing written, as the request's
	// connection does not serve its route ([clientConn.serves]).
	handedBack serveResult = iota
	// served: answered; the request state may be recycled.
	served
	// servedStateKept: answered through httputil.ReverseProxy, whose
	// hooks found the request state in the request's context and whose
	// transport may still hold its body wrappers: it is not recycled.
	servedStateKept
)
