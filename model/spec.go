package model

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/firsthop/firsthop/proxy/clientip"
)

// TableSpec is the routing model the data plane consumes. The config package
// (standalone mode) and the Kubernetes processors (package kube) both produce one;
// [TableSpec.Validate] holds its rules, and the proxy package's NewTable
// validates and compiles it into an immutable table.
//
// All strings are already normalised by the producer: hosts are lower case,
// without port or trailing dot; addresses are typed.
type TableSpec struct {
	// Node and Zone are where this proxy runs; endpoints carry the same labels
	// so that locality-aware picking can prefer them. Empty means unknown.
	Node string
	Zone string

	// ClientIP says whose forwarding headers are believed and which headers
	// are read, in order.
	ClientIP clientip.Policy

	// Headers says which forwarding headers are written to the backend.
	Headers ForwardedHeaders

	// Routes match requests and say what to do with them.
	Routes []Route

	// Scopes give settings to route scopes other than the default (see
	// [ScopeSpec]); a scope not listed has the default settings.
	Scopes []ScopeSpec

	// Backends are referenced by name from Routes and DefaultBackend.
	Backends []Backend

	// DefaultBackend names the backend for requests of the default scope
	// that no route matches. Empty means such requests get 404, as do
	// unmatched requests of every other scope.
	DefaultBackend string

	// Certificates are what TLS listeners serve, chosen by SNI among those
	// of the listener's scope; the first of a scope (or its first naming
	// "*") is that scope's default for clients that send no (or an
	// unknown) server name. See [Certificate] for the rule.
	Certificates []Certificate

	// Policies are the client-address policies routes and listeners name
	// (see [Policy]).
	Policies []Policy
}

// Route matches requests by host, path and optionally method, headers and
// query parameters, and says what to do with them: forward them to a
// backend (Backend, or Split by weight), redirect them, or answer them
// directly. How requests are matched against several routes is written
// under "Precedence" in match.go.
type Route struct {
	// Scope is the set of routes the route belongs to (see [ScopeSpec]);
	// only listeners of the same scope serve it. "" is the default scope.
	Scope string

	// Host is "" (any host), an exact name ("app.example.com") or a wildcard
	// of exactly one leading label ("*.example.com"). Lower case, no port,
	// no trailing dot.
	Host string

	// Path starts with "/".
	Path string

	// PathType is PathPrefix, PathExact or PathRegex.
	PathType PathType

	// Method, when not empty, is the only request method matched
	// (upper case, compared exactly).
	Method string
	// Headers and Query must all match (see [HeaderMatch], [QueryMatch]).
	Headers []HeaderMatch
	Query   []QueryMatch

	// Order breaks ties between routes that match alike (see match.go);
	// lower first. Producers that have no order of their own leave it 0.
	Order int

	// The action: exactly one of Backend, Split, Redirect and Respond.
	//
	// Backend is the name of a Backend in the same TableSpec.
	Backend string
	// Split forwards each request to one of its backends, picked by
	// weight (see [WeightedBackend]).
	Split []WeightedBackend
	// Redirect answers with a redirect (see [Redirect]).
	Redirect *Redirect
	// Respond answers with a fixed response (see [DirectResponse]).
	Respond *DirectResponse

	// Optional features; nil or zero means off. They apply, in this
	// order, to a request the route forwards: RequestHeaders, then Rewrite,
	// then the chosen backend's own WeightedBackend.RequestHeaders; to the
	// response: the backend's ResponseHeaders, then the route's. A
	// Redirect or Respond route applies only ResponseHeaders.
	//
	// RequestHeaders edits the request header section sent to the backend.
	RequestHeaders *HeaderModifier
	// ResponseHeaders edits the response header section sent to the
	// client.
	ResponseHeaders *HeaderModifier
	// Rewrite changes the host or path sent to the backend.
	Rewrite *Rewrite
	// Mirror copies requests to other backends.
	Mirror []Mirror

	// Timeout bounds the whole exchange with the backend, retries and
	// response body included; past it the client gets 504 (or, once the
	// response has started, a cut-off response). Zero means no bound
	// beyond the backend's own timeouts.
	Timeout time.Duration
	// BackendTimeout bounds one attempt with one endpoint, from sending
	// the request to the end of the response headers; past it the client
	// gets 504. Zero means the backend's ResponseHeaderTimeout.
	BackendTimeout time.Duration

	// AllowTrace lets TRACE requests through to the backend. Without it
	// firsthop answers TRACE with 405 itself: a TRACE response echoes the
	// request, cookies and credentials included.
	AllowTrace bool

	// KeepEncodedSlashes sends "%2F" in the request path to the backend
	// as it came, for backends that read it as part of a path segment
	// (container registries, GitLab's project paths). Without it "%2F" is
	// decoded to "/" in the path firsthop routes on and forwards. Routing
	// reads "%2F" as "/" either way; a request whose path would pick
	// another route with "%2F" read as part of a segment is refused (400)
	// when either route keeps encoded slashes, so "%2F" cannot carry a
	// request into or out of such a route.
	KeepEncodedSlashes bool

	// Policies name the policies of TableSpec.Policies checked for every
	// request of the route, in order: the producer has merged the host's
	// and the path's, host first. A listener's policies are checked before
	// them.
	Policies []string

	// Guards: checked, or answered, after the policies and before the
	// action, in the order written in guard.go. Zero or nil means off.
	//
	// MaxRequestBodyBytes bounds the request body: above it the client
	// gets 413. Zero means no limit.
	MaxRequestBodyBytes int64
	// HTTPSRedirect redirects requests that did not arrive over https.
	HTTPSRedirect *HTTPSRedirect
	// CORS answers preflight requests and adds CORS response headers.
	CORS *CORSPolicy
	// BasicAuth asks for a user and password.
	BasicAuth *BasicAuth
	// ExternalAuth asks an authentication service.
	ExternalAuth *ExternalAuth
}

// PathType says how a Route's Path is compared with the request path.
type PathType uint8

const (
	// PathPrefix matches whole path elements: "/foo" matches "/foo",
	// "/foo/" and "/foo/bar", not "/foobar". "/" matches every path.
	PathPrefix PathType = iota
	// PathExact matches the path exactly, case-sensitively.
	PathExact
	// PathRegex reads Path as an RE2 regular expression matched
	// case-insensitively at the start of the request path, not anchored
	// at its end: the request path matches when "(?i)^(?:Path)" does, so
	// "/foo" matches "/FOO" and "/foobar". This is ingress-nginx's
	// `location ~* "^path"` (see [RegexPathPattern]), but for a top-level
	// alternation, which is grouped ("/a|/b" matches paths that start with
	// "/a" or "/b"). Path still starts with "/".
	PathRegex
)

// String returns the Ingress spelling of t.
func (t PathType) String() string {
	switch t {
	case PathPrefix:
		return "Prefix"
	case PathExact:
		return "Exact"
	case PathRegex:
		return "RegularExpression"
	}
	return fmt.Sprintf("PathType(%d)", uint8(t))
}

// Backend is a named set of endpoints with the settings used to reach them.
type Backend struct {
	Name string

	// Locality is the endpoint preference policy (see [Locality]).
	Locality Locality

	// Endpoints are the addresses requests are sent to. Empty means every
	// request for this backend gets 503.
	Endpoints []Endpoint

	// Echo marks the built-in echo backend: the process serves it itself on
	// a loopback port, and Endpoints is filled by the proxy's Server when it
	// publishes the table.
	Echo bool

	// ConnectTimeout bounds the upstream TCP dial. Zero means
	// [DefaultConnectTimeout].
	ConnectTimeout time.Duration

	// ResponseHeaderTimeout bounds the wait for the upstream's response
	// headers after the request was written; past it the client gets 504.
	// Zero means [DefaultResponseHeaderTimeout].
	ResponseHeaderTimeout time.Duration

	// Protocol is how firsthop speaks to the endpoints.
	Protocol BackendProtocol

	// TLSServerName is the name sent as SNI and verified in the endpoints'
	// certificates when Protocol is ProtocolHTTPS. Empty means the
	// endpoint's IP address.
	TLSServerName string

	// TLSInsecureSkipVerify accepts any certificate from the endpoints.
	TLSInsecureSkipVerify bool

	// MaxInflightPerEndpoint caps the requests in flight to one endpoint;
	// past it requests spill to the next locality tier. Zero means no cap.
	MaxInflightPerEndpoint int

	// PassiveHealth says when failing endpoints are ejected.
	PassiveHealth PassiveHealth

	// Named are endpoints given by DNS name. The proxy's NewTable ignores
	// them: the proxy/resolve package looks them up and adds their addresses
	// to Endpoints.
	Named []NamedEndpoint
	// Resolve says how Named are looked up.
	Resolve ResolvePolicy

	// TLSRootCAs, when not empty, is a PEM bundle of the certificates that
	// verify the endpoints' certificates (Protocol ProtocolHTTPS), in place
	// of the system's roots. TLSInsecureSkipVerify, when set, wins.
	TLSRootCAs []byte
	// TLSClientCert and TLSClientKey, PEM, are the certificate chain and
	// private key presented to the endpoints (mutual TLS, Protocol
	// ProtocolHTTPS); both or neither.
	TLSClientCert []byte
	TLSClientKey  []byte

	// Affinity, when set, keeps each client on one endpoint with a cookie
	// (see [Affinity]).
	Affinity *Affinity
}

// BackendProtocol is the protocol spoken to a backend's endpoints.
type BackendProtocol uint8

const (
	// ProtocolHTTP1 is HTTP/1.1 over TCP, the default.
	ProtocolHTTP1 BackendProtocol = iota
	// ProtocolH2C is HTTP/2 over TCP without TLS (prior knowledge), as gRPC
	// servers speak it.
	ProtocolH2C
	// ProtocolHTTPS is TLS, with HTTP/2 or HTTP/1.1 chosen by ALPN.
	ProtocolHTTPS
)

var backendProtocolNames = [...]string{ProtocolHTTP1: "http", ProtocolH2C: "h2c", ProtocolHTTPS: "https"}

// String returns the configuration spelling of p.
func (p BackendProtocol) String() string {
	if int(p) < len(backendProtocolNames) {
		return backendProtocolNames[p]
	}
	return fmt.Sprintf("BackendProtocol(%d)", uint8(p))
}

// ParseBackendProtocol parses "http", "h2c" or "https"; "grpc" is taken as
// h2c and "grpcs" as https, the names Kubernetes users know.
func ParseBackendProtocol(s string) (BackendProtocol, error) {
	switch s {
	case "grpc":
		return ProtocolH2C, nil
	case "grpcs":
		return ProtocolHTTPS, nil
	}
	for p, name := range backendProtocolNames {
		if s == name {
			return BackendProtocol(p), nil
		}
	}
	return 0, fmt.Errorf("unknown backend protocol %q (want http, h2c, https, grpc or grpcs)", s)
}

// Defaults for the zero values of [Backend] timeouts.
const (
	DefaultConnectTimeout        = 5 * time.Second
	DefaultResponseHeaderTimeout = 60 * time.Second
)

// Endpoint is one upstream address with the topology labels of where it
// runs. The zero State is EndpointReady, so endpoints from a config file need
// no conditions.
type Endpoint struct {
	Addr netip.AddrPort
	Node string
	Zone string

	// ForNodes and ForZones are EndpointSlice topology hints. When non-empty
	// they decide whether the endpoint counts as on this node (or in this
	// zone) instead of Node (or Zone).
	ForNodes []string
	ForZones []string

	State EndpointState

	// ResolvedFrom is the DNS name Addr came from (see [NamedEndpoint]);
	// empty for an address written as an IP or taken from the cluster.
	ResolvedFrom string
}

// EndpointState is an endpoint's readiness, after EndpointSlice conditions.
type EndpointState uint8

const (
	// EndpointReady: ready and not terminating. The zero value.
	EndpointReady EndpointState = iota
	// EndpointTerminating: terminating but still serving; used only when no
	// ready endpoint is left in any tier.
	EndpointTerminating
	// EndpointNotServing: never used.
	EndpointNotServing
)

var endpointStateNames = [...]string{EndpointReady: "ready", EndpointTerminating: "terminating", EndpointNotServing: "not-serving"}

// String returns the label spelling of s.
func (s EndpointState) String() string {
	if int(s) < len(endpointStateNames) {
		return endpointStateNames[s]
	}
	return fmt.Sprintf("EndpointState(%d)", uint8(s))
}

// Locality is a backend's preference among endpoints by topology.
type Locality uint8

const (
	// LocalityPreferLocal prefers endpoints on this node, then this zone,
	// then any. The default.
	LocalityPreferLocal Locality = iota
	// LocalityLocal uses endpoints on this node only; none gives 503.
	LocalityLocal
	// LocalityPreferZone prefers endpoints in this zone, then any.
	LocalityPreferZone
	// LocalityCluster uses all endpoints alike.
	LocalityCluster
)

var localityNames = [...]string{
	LocalityPreferLocal: "PreferLocal",
	LocalityLocal:       "Local",
	LocalityPreferZone:  "PreferZone",
	LocalityCluster:     "Cluster",
}

// String returns the configuration spelling of l.
func (l Locality) String() string {
	if int(l) < len(localityNames) {
		return localityNames[l]
	}
	return fmt.Sprintf("Locality(%d)", uint8(l))
}

// ParseLocality parses the configuration spelling of a Locality
// ("Local", "PreferLocal", "PreferZone", "Cluster"), case-sensitively.
func ParseLocality(s string) (Locality, error) {
	for l, name := range localityNames {
		if s == name {
			return Locality(l), nil
		}
	}
	return 0, fmt.Errorf("unknown locality %q (want Local, PreferLocal, PreferZone or Cluster)", s)
}

// ForwardedHeaders says which forwarding headers firsthop writes to the
// backend. The zero value appends to X-Forwarded-For and Forwarded and sets
// no X-Real-IP.
type ForwardedHeaders struct {
	XForwardedFor HeaderMode
	Forwarded     HeaderMode
	XRealIP       bool
}

// HeaderMode says how a forwarding header is written.
type HeaderMode uint8

const (
	// HeaderAppend writes the trusted chain of hops followed by this hop's
	// peer. From an untrusted peer the chain is empty, so the header holds
	// the peer only.
	HeaderAppend HeaderMode = iota
	// HeaderReplace writes the resolved client IP only.
	HeaderReplace
	// HeaderOff writes nothing; inbound values are still removed.
	HeaderOff
)

var headerModeNames = [...]string{HeaderAppend: "append", HeaderReplace: "replace", HeaderOff: "off"}

// String returns the configuration spelling of m.
func (m HeaderMode) String() string {
	if int(m) < len(headerModeNames) {
		return headerModeNames[m]
	}
	return fmt.Sprintf("HeaderMode(%d)", uint8(m))
}

// ParseHeaderMode parses "append", "replace" or "off".
func ParseHeaderMode(s string) (HeaderMode, error) {
	for m, name := range headerModeNames {
		if s == name {
			return HeaderMode(m), nil
		}
	}
	return 0, fmt.Errorf("unknown header mode %q (want append, replace or off)", s)
}
