// Package clientip recovers the client IP address of a request from the peer
// address and from forwarding headers sent by trusted proxies only.
//
// The resolver walks Forwarded (RFC 7239) or X-Forwarded-For right to left,
// starting at the peer (or the source of a believed PROXY protocol header),
// skipping trusted hops, and stops at the first untrusted address: that is the
// client. Anything to its left was written by the client and is never read.
package clientip

import (
	"fmt"
	"net/netip"
	"strings"
)

// Header names a forwarding header the resolver can read.
type Header uint8

const (
	// HeaderForwarded is the RFC 7239 Forwarded header.
	HeaderForwarded Header = iota + 1
	// HeaderXForwardedFor is the de-facto X-Forwarded-For header.
	HeaderXForwardedFor
)

// String returns the configuration spelling of h.
func (h Header) String() string {
	switch h {
	case HeaderForwarded:
		return "forwarded"
	case HeaderXForwardedFor:
		return "x-forwarded-for"
	}
	return fmt.Sprintf("Header(%d)", uint8(h))
}

// ParseHeader parses "forwarded" or "x-forwarded-for", case-insensitively.
func ParseHeader(s string) (Header, error) {
	switch strings.ToLower(s) {
	case "forwarded":
		return HeaderForwarded, nil
	case "x-forwarded-for":
		return HeaderXForwardedFor, nil
	}
	return 0, fmt.Errorf("unknown client IP header %q (want forwarded or x-forwarded-for)", s)
}

// Policy says whose forwarding headers are believed and which are read.
// The zero value trusts nobody: every request's client is its peer.
type Policy struct {
	// TrustedProxies are the peers whose Forwarded / X-Forwarded-For is
	// believed. Empty means nobody is trusted. Addresses are normalised
	// (see [Normalize]) before they are matched, so IPv4 peers must be
	// listed as IPv4 prefixes: an IPv4-mapped IPv6 prefix
	// (::ffff:10.0.0.0/104) matches nothing.
	TrustedProxies []netip.Prefix

	// Headers is the read order: the first of these headers present in a
	// request from a trusted peer is walked; the others are ignored, even
	// when the walked one turns out unusable. Values other than
	// [HeaderForwarded] and [HeaderXForwardedFor] are skipped. Empty means
	// no header is read: the client is always the start address.
	Headers []Header
}

// Source says where a resolved client IP came from.
type Source uint8

const (
	// SourcePeer is the TCP peer address.
	SourcePeer Source = iota
	// SourceProxyProtocol is the source address of a believed PROXY header.
	SourceProxyProtocol
	// SourceForwarded is a for= value of the Forwarded header.
	SourceForwarded
	// SourceXForwardedFor is an X-Forwarded-For entry.
	SourceXForwardedFor
)

var sourceNames = [...]string{
	SourcePeer:          "peer",
	SourceProxyProtocol: "proxy-protocol",
	SourceForwarded:     "forwarded",
	SourceXForwardedFor: "x-forwarded-for",
}

// String returns the label spelling of s ("peer", "proxy-protocol",
// "forwarded", "x-forwarded-for").
func (s Source) String() string {
	if int(s) < len(sourceNames) {
		return sourceNames[s]
	}
	return fmt.Sprintf("Source(%d)", uint8(s))
}

// Trusted reports whether a, once normalised (see [Normalize]), lies in one
// of p.TrustedProxies. It is false for the invalid address, for a nil p and
// when TrustedProxies is empty.
func (p *Policy) Trusted(a netip.Addr) bool {
	return p.trusts(Normalize(a))
}

// trusts is [Policy.Trusted] for an address that is already normalised.
func (p *Policy) trusts(a netip.Addr) bool {
	if p == nil || !a.IsValid() {
		return false
	}
	for _, pfx := range p.TrustedProxies {
		if pfx.Contains(a) {
			return true
		}
	}
	return false
}
