package model

import (
	"time"

	"github.com/firsthop/firsthop/proxy/listen"
)

// ListenerSpec is one traffic listener.
type ListenerSpec struct {
	// Name identifies the listener in logs and metrics.
	Name string
	// Address is the IP:port to bind; port 0 picks a free port. It binds
	// the family it is written in only: 0.0.0.0 is every IPv4 address and
	// [::] every IPv6 address.
	Address string
	// PublicPort is the port clients connect to when it is not the
	// socket's: a Kubernetes Service mapping 443 to 8443, a NAT. It is the
	// X-Forwarded-Port sent to backends unless a believed PROXY header
	// names the destination port. Zero means the socket's port.
	PublicPort uint16
	// ProxyProtocol is the listener's PROXY protocol policy.
	ProxyProtocol listen.Policy
	// AccessLog turns on one JSON line per request, written to
	// the proxy's access log (its Options.AccessLog).
	AccessLog bool

	// TLS terminates TLS with the table's certificates of the listener's
	// Scope, chosen by SNI (see [Certificate]); HTTP/2 is offered by ALPN.
	TLS bool
	// H2C accepts HTTP/2 without TLS (prior knowledge) on a plain listener.
	H2C bool
	// HTTP2Server chooses the server of the listener's HTTP/2
	// connections (TLS or H2C); the zero value is the default.
	HTTP2Server HTTP2Server

	// Scope names the routes the listener serves (see [ScopeSpec]); ""
	// is the default scope.
	Scope string

	// Policies name policies of the table (see [Policy]) checked for
	// every request on this listener, before the route's.
	Policies []string

	// Limits; zero means the default named.
	ReadHeaderTimeout    time.Duration // DefaultReadHeaderTimeout
	IdleTimeout          time.Duration // DefaultIdleTimeout
	RequestBodyTimeout   time.Duration // no bound beyond the route's timeout
	MaxHeaderBytes       int           // DefaultMaxHeaderBytes
	MaxConcurrentStreams uint32        // DefaultMaxConcurrentStreams, per HTTP/2 connection
}

// HTTP2Server names a server of HTTP/2 connections.
type HTTP2Server uint8

const (
	// HTTP2ServerDefault is the default server: the lean one.
	HTTP2ServerDefault HTTP2Server = iota
	// HTTP2ServerNetHTTP is net/http's HTTP/2 server.
	HTTP2ServerNetHTTP
	// HTTP2ServerLean is firsthop's lean HTTP/2 server.
	HTTP2ServerLean
)

// Lean reports whether s is, or defaults to, the lean server.
func (s HTTP2Server) Lean() bool { return s != HTTP2ServerNetHTTP }

// String returns the name of s as the configuration writes it.
func (s HTTP2Server) String() string {
	switch s {
	case HTTP2ServerNetHTTP:
		return "net/http"
	case HTTP2ServerLean:
		return "lean"
	}
	return "default"
}

// Listener defaults.
const (
	DefaultReadHeaderTimeout    = 10 * time.Second
	DefaultIdleTimeout          = 120 * time.Second
	DefaultMaxHeaderBytes       = 64 << 10
	DefaultMaxConcurrentStreams = 250
)

// WithDefaults returns l with zero limits replaced by the defaults above.
func (l ListenerSpec) WithDefaults() ListenerSpec {
	if l.ReadHeaderTimeout <= 0 {
		l.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if l.IdleTimeout <= 0 {
		l.IdleTimeout = DefaultIdleTimeout
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if l.MaxConcurrentStreams == 0 {
		l.MaxConcurrentStreams = DefaultMaxConcurrentStreams
	}
	return l
}
