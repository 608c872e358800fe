package clientip

import (
	"fmt"
	"net/netip"
)

// MaxHops bounds the hops one [Policy.Resolve] believes. A walk that has
// believed MaxHops trusted hops and still has entries to its left stops with
// [StopHopLimit].
const MaxHops = 64

// Hop is one address a walk believed.
type Hop struct {
	// Addr is the hop's address, normalised (see [Normalize]).
	Addr netip.Addr

	// Element is, when the hop was read from Forwarded, its element exactly
	// as received apart from surrounding whitespace (for example
	// `for="[2001:db8::1]:4711";proto=https`), so that a proxy can re-emit
	// it. It is "" for an X-Forwarded-For hop.
	Element string
}

// Result is the resolver's one answer about a request's client, used for
// forwarding headers, logs and metrics alike.
type Result struct {
	// Client is the client address, normalised. It is valid whenever the
	// start address given to [Policy.Resolve] was valid: it is Chain[0].Addr
	// when Chain is not empty, and the start address otherwise.
	Client netip.Addr

	// Source says where Client came from: the start source when Chain is
	// empty, else the header the hops were read from.
	Source Source

	// PeerTrusted reports whether the start address was trusted, so that a
	// forwarding header was looked for.
	PeerTrusted bool

	// Chain holds the hops the walk believed, ordered as in the header: from
	// Client (Chain[0]) rightwards up to but excluding the start address.
	// Every hop but Chain[0] is trusted; Chain[0] is trusted too unless
	// Stopped is [StopUntrustedHop]. Chain is nil when the start address is
	// untrusted or no entry was usable. It may alias the buf given to
	// [Policy.Resolve].
	Chain []Hop

	// Stopped says why the walk ended (for debugging and metrics).
	Stopped StopReason
}

// StopReason says why a walk ended.
type StopReason uint8

const (
	// StopStartUntrusted: the start address (peer or PROXY source) is not
	// trusted, or is invalid; no header was read. The zero value.
	StopStartUntrusted StopReason = iota
	// StopNoHeader: the start address is trusted but none of the policy's
	// headers is present in the request (or the policy names none).
	StopNoHeader
	// StopUntrustedHop: the walk reached an untrusted address; it is the
	// client.
	StopUntrustedHop
	// StopExhausted: every entry of the header was a trusted address; the
	// client is the left-most.
	StopExhausted
	// StopMalformed: an entry could not be parsed; the client is the last
	// address reached before it.
	StopMalformed
	// StopUnknown: an entry was Forwarded's for=unknown; the client is the
	// last address reached before it.
	StopUnknown
	// StopObfuscated: an entry was an obfuscated identifier (RFC 7239
	// §6.3, for=_hidden); the client is the last address reached before it.
	StopObfuscated
	// StopHopLimit: [MaxHops] trusted hops were believed and more entries
	// remained; the client is the last address reached.
	StopHopLimit
)

var stopNames = [...]string{
	StopStartUntrusted: "start-untrusted",
	StopNoHeader:       "no-header",
	StopUntrustedHop:   "untrusted-hop",
	StopExhausted:      "exhausted",
	StopMalformed:      "malformed",
	StopUnknown:        "unknown",
	StopObfuscated:     "obfuscated",
	StopHopLimit:       "hop-limit",
}

// String returns the metric label spelling of r ("start-untrusted",
// "no-header", "untrusted-hop", "exhausted", "malformed", "unknown",
// "obfuscated", "hop-limit").
func (r StopReason) String() string {
	if int(r) < len(stopNames) {
		return stopNames[r]
	}
	return fmt.Sprintf("StopReason(%d)", uint8(r))
}
