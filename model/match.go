package model

import (
	"fmt"
	"slices"
	"strings"

	"github.com/firsthop/firsthop/proxy/clientip"
)

// Scope names a set of routes served together. A listener serves the routes
// of its [ListenerSpec.Scope] and no others; the empty name is the default
// scope of Ingress and config-file routes, whose listeners name no scope.
// A Gateway API Gateway's listeners on one port are one scope, so that two
// Gateways never see each other's routes.
//
// A scope not listed in [TableSpec.Scopes] has the default [ScopeSpec].
type ScopeSpec struct {
	// Name is the scope's name, as routes and listeners write it.
	Name string

	// Wildcards says how a route host "*.example.com" matches request
	// hosts in this scope.
	Wildcards WildcardRule

	// ClientIP, when not nil, replaces the table's [TableSpec.ClientIP]
	// for requests on this scope's listeners: whose forwarding headers
	// are believed, and which are read. A Gateway whose class names
	// client-IP parameters gets its own.
	ClientIP *clientip.Policy

	// Headers, when not nil, replaces the table's [TableSpec.Headers] for
	// requests on this scope's listeners.
	Headers *ForwardedHeaders
}

// Equal reports whether s and o are the same settings: the same name,
// wildcard rule, client-IP policy and forwarding headers (by value, not
// by pointer).
func (s ScopeSpec) Equal(o ScopeSpec) bool {
	if s.Name != o.Name || s.Wildcards != o.Wildcards {
		return false
	}
	if (s.ClientIP == nil) != (o.ClientIP == nil) || (s.Headers == nil) != (o.Headers == nil) {
		return false
	}
	if s.ClientIP != nil && (!slices.Equal(s.ClientIP.TrustedProxies, o.ClientIP.TrustedProxies) ||
		!slices.Equal(s.ClientIP.Headers, o.ClientIP.Headers)) {
		return false
	}
	return s.Headers == nil || *s.Headers == *o.Headers
}

// WildcardRule says how a wildcard route host ("*.example.com") matches.
type WildcardRule uint8

const (
	// WildcardOneLabel matches exactly one extra leading label:
	// "a.example.com", not "a.b.example.com" nor "example.com". The
	// Kubernetes Ingress meaning, and the default.
	WildcardOneLabel WildcardRule = iota
	// WildcardSuffix matches one or more extra leading labels:
	// "a.example.com" and "a.b.example.com", not "example.com"; the
	// longest matching suffix is the most specific. Gateway API's meaning.
	WildcardSuffix
)

// Precedence: how one request is matched against the routes of a scope.
//
// 1. Host. The most specific route host that exists for the request's host
//    is chosen: the exact host, else the longest wildcard covering it (see
//    [WildcardRule]), else the any-host routes (Host ""). Only routes of
//    that host are considered further: a host that matches but has no
//    matching route does not fall through to a less specific host. This is
//    ingress-nginx's behaviour and Gateway API's (a request takes the most
//    specific listener and hostname).
//
// 2. Routes of that host, first match wins, in this order:
//      a. PathExact routes first, then longer Path first, at equal length
//         PathPrefix before PathRegex. (Among Exact and Prefix routes
//         alone this is "longer Path first, Exact before Prefix at equal
//         length": an Exact path and a longer Prefix path cannot both
//         match one request. It is Gateway API's "Exact first" too.) A
//         PathRegex route's length is its expression's, in bytes:
//         ingress-nginx orders a host's locations, regex or not, longest
//         path first and takes the first that matches, and a producer
//         that serves ingress-nginx's meaning (where one regex path makes
//         every path of its host a regex) turns the host's other paths
//         into PathRegex itself. Gateway API leaves the precedence of
//         RegularExpression matches to the implementation; an Exact
//         match winning over any regex is what its users expect;
//      b. a route with a Method before one without;
//      c. more Headers matches first;
//      d. more Query matches first;
//      e. lower [Route.Order] first (Gateway API: the older route, then
//         the one first by namespace/name, then the rule's index);
//      f. the order of TableSpec.Routes.
//
// Routes with no Method, Headers or Query and Order 0 (every Ingress and
// config-file route) are therefore ordered exactly as Kubernetes Ingress
// orders paths.

// HeaderMatch matches one request header.
type HeaderMatch struct {
	// Name is the header's name, compared case-insensitively. It is
	// stored in canonical form (textproto.CanonicalMIMEHeaderKey).
	Name string
	// Type is how Value is compared.
	Type StringMatch
	// Value is compared with the header's value; for MatchRegex it is an
	// RE2 expression matched against the whole value (anchored). When the
	// request carries the header more than once, its values joined by ","
	// are compared (RFC 9110's list semantics).
	Value string
}

// QueryMatch matches one query parameter.
type QueryMatch struct {
	// Name is the parameter's name, compared exactly (case-sensitively).
	Name string
	// Type is how Value is compared.
	Type StringMatch
	// Value is compared with the parameter's first value, after
	// percent-decoding.
	Value string
}

// StringMatch is how a match's value is compared.
type StringMatch uint8

const (
	// MatchExact compares exactly, case-sensitively. The default.
	MatchExact StringMatch = iota
	// MatchRegex matches an RE2 regular expression against the whole value.
	MatchRegex
	// MatchPresent matches when the header or parameter is present,
	// whatever its value; Value must be empty.
	MatchPresent
)

var stringMatchNames = [...]string{MatchExact: "Exact", MatchRegex: "RegularExpression", MatchPresent: "Present"}

// String returns the Gateway API spelling of m.
func (m StringMatch) String() string {
	if int(m) < len(stringMatchNames) {
		return stringMatchNames[m]
	}
	return fmt.Sprintf("StringMatch(%d)", uint8(m))
}

// matchesKey returns the canonical text of r's method, header and query
// matches, for [RouteKey]: two routes whose texts are equal match the same
// requests with the same path. It is "" for a route with none.
func (r *Route) matchesKey() string {
	if r.Method == "" && len(r.Headers) == 0 && len(r.Query) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(r.Method)
	hs := slices.Clone(r.Headers)
	slices.SortFunc(hs, func(a, b HeaderMatch) int { return strings.Compare(a.Name, b.Name) })
	for _, h := range hs {
		fmt.Fprintf(&b, "\x00h%q%d%q", h.Name, h.Type, h.Value)
	}
	qs := slices.Clone(r.Query)
	slices.SortFunc(qs, func(a, b QueryMatch) int { return strings.Compare(a.Name, b.Name) })
	for _, q := range qs {
		fmt.Fprintf(&b, "\x00q%q%d%q", q.Name, q.Type, q.Value)
	}
	return b.String()
}
