package model

// A route's action is exactly one of: forward to Route.Backend, forward to
// one of Route.Split by weight, Route.Redirect, or Route.Respond.
// [TableSpec.Validate] refuses a route with none or more than one.

// WeightedBackend is one share of a route's traffic.
type WeightedBackend struct {
	// Backend names a Backend of the table. Empty means a reference the
	// producer could not resolve: requests given this share are answered
	// 500, as Gateway API requires for an invalid backendRef.
	Backend string
	// Weight is this share's relative weight; zero sends it nothing. When
	// every weight of a split is zero, every request is answered 500.
	Weight uint32
	// RequestHeaders and ResponseHeaders are applied to requests sent to
	// this backend only, after the route's own (Gateway API's backendRef
	// filters). Nil means none.
	RequestHeaders  *HeaderModifier
	ResponseHeaders *HeaderModifier
}

// Redirect answers the request with a redirect instead of forwarding it.
// Each part of the Location left empty (or zero) is the request's own.
type Redirect struct {
	// Scheme is "http" or "https"; empty keeps the request's.
	Scheme string
	// Host replaces the request's host; empty keeps it.
	Host string
	// Port replaces the port. Zero means: the request's port when neither
	// Scheme nor Port changes it, else the scheme's well-known port, which
	// is then left out of the Location (Gateway API's rule).
	Port uint16
	// Path rewrites the path; nil keeps the request's. The query is kept.
	Path *PathRewrite
	// Status is 301, 302, 303, 307 or 308; zero means 302.
	Status int
}

// DirectResponse answers the request itself instead of forwarding it.
type DirectResponse struct {
	// Status is the response status, 200 to 599.
	Status int
	// Body is the response body; ContentType its media type, text/plain
	// when empty and Body is not.
	Body        string
	ContentType string
}

// HeaderModifier edits a header section. It is applied in the order Remove,
// Set, Add. Names are stored canonical (textproto.CanonicalMIMEHeaderKey).
// Hop-by-hop headers and the forwarding headers firsthop writes (see
// [ForwardedHeaders]) cannot be set, added or removed: a producer refuses
// them, and Validate too.
type HeaderModifier struct {
	// Set replaces every value of the header with the one given.
	Set []Header
	// Add appends a value, keeping those already present.
	Add []Header
	// Remove deletes the header.
	Remove []string
}

// Header is one header field.
type Header struct {
	Name  string
	Value string
}

// PathRewrite rewrites a request path.
type PathRewrite struct {
	// Type says which part of the path Value replaces.
	Type PathRewriteType
	// Value is the replacement; it starts with "/", but for
	// RewriteRegex (see there).
	Value string
}

// PathRewriteType says what a PathRewrite replaces.
type PathRewriteType uint8

const (
	// RewriteFullPath replaces the whole path.
	RewriteFullPath PathRewriteType = iota
	// RewritePrefix replaces the prefix the route matched (its Path, a
	// PathPrefix route's) and keeps the rest: a route on "/api" rewriting
	// the prefix to "/v2" sends "/api/users" as "/v2/users", and "/api"
	// as "/v2"; rewriting it to "/" sends "/api/users" as "/users".
	RewritePrefix
	// RewriteRegex replaces the whole path with Value in which "$N" and
	// "${N}" (N a group number) stand for the capture groups of the
	// route's PathRegex match ("$0" the whole match; a group that did not
	// take part, or that the expression lacks, nothing, as in nginx) and
	// "$$" for "$". A route on "/something(/|$)(.*)"
	// rewriting to "/$2" sends "/something/new" as "/new": ingress-nginx's
	// rewrite-target. Only a PathRegex route's Rewrite uses it. The result
	// gets a leading "/" when it has none and is cleaned ([CleanPath]):
	// captures cannot make it climb above "/". See [ExpandRegexRewrite].
	RewriteRegex
)

// Rewrite changes the request before it is forwarded.
type Rewrite struct {
	// Host replaces the Host header sent to the backend: a canonical
	// exact host, with an optional port ("api.internal:8080"); empty
	// keeps it.
	// The forwarding headers still carry the client's host
	// (X-Forwarded-Host, Forwarded host=).
	Host string
	// Path rewrites the path sent to the backend; nil keeps it.
	Path *PathRewrite
}

// Mirror sends a copy of each request to another backend and discards its
// answer. The client's request is never delayed nor failed by the mirror.
// A request whose body is longer than 64 KiB, or of unknown length
// (chunked), is not mirrored; nor is one past the data plane's bound on
// copies in flight (256 per listener), which it drops and counts.
type Mirror struct {
	// Backend names a Backend of the table.
	Backend string
	// Percent of requests mirrored, 1 to 100; zero means 100.
	Percent int
}
