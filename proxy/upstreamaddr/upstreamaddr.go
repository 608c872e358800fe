// Package upstreamaddr is the rule for which IP addresses a backend
// endpoint may have when the address was not written by the operator but
// came from elsewhere: an EndpointSlice, an ExternalName Service, a DNS
// answer. Whoever controls such a source must not be able to point the
// proxy at itself or at the node's credentials.
//
// It imports only the standard library, so that the config, ingress and
// proxy packages can all apply the same rule.
package upstreamaddr

import (
	"fmt"
	"net/netip"
)

// Class says why an address may not be an upstream; [Usable] means it may.
type Class uint8

const (
	// Usable is an address the rule lets through.
	Usable Class = iota
	// Invalid is the zero netip.Addr or an address with an IPv6 zone.
	Invalid
	// Unspecified is 0.0.0.0 or ::, which names no host.
	Unspecified
	// Loopback is 127.0.0.0/8 or ::1: the proxy's own ports.
	Loopback
	// LinkLocal is 169.254.0.0/16 or fe80::/10, where most cloud metadata
	// services live (169.254.169.254).
	LinkLocal
	// Multicast is any multicast address.
	Multicast
	// Metadata is a cloud metadata or platform service outside the
	// link-local ranges (see [metadataAddrs]).
	Metadata
)

var classNames = [...]string{
	Usable: "usable", Invalid: "invalid or zoned", Unspecified: "unspecified", Loopback: "loopback",
	LinkLocal: "link-local", Multicast: "multicast", Metadata: "a cloud metadata service",
}

// String returns what c is, for messages ("loopback", "link-local").
func (c Class) String() string {
	if int(c) < len(classNames) {
		return classNames[c]
	}
	return fmt.Sprintf("Class(%d)", uint8(c))
}

// Classify returns why a may not be an upstream address, or [Usable].
// IPv4-mapped IPv6 addresses are judged as the IPv4 address they hold.
func Classify(a netip.Addr) Class {
	a = a.Unmap()
	switch {
	case !a.IsValid() || a.Zone() != "":
		return Invalid
	case a.IsUnspecified():
		return Unspecified
	case a.IsLoopback():
		return Loopback
	case a.IsLinkLocalUnicast():
		return LinkLocal
	case a.IsMulticast() || a.IsLinkLocalMulticast() || a.IsInterfaceLocalMulticast():
		return Multicast
	case metadataAddrs[a]:
		return Metadata
	}
	return Usable
}

// IsUsable reports whether a may be an upstream address: valid, not zoned,
// and not unspecified, loopback, link-local, multicast or a cloud metadata
// service.
func IsUsable(a netip.Addr) bool { return Classify(a) == Usable }

// metadataAddrs are cloud instance metadata (and platform) services outside
// the link-local ranges: whoever reaches them through the proxy may read
// the node's credentials.
var metadataAddrs = map[netip.Addr]bool{
	netip.MustParseAddr("fd00:ec2::254"):   true, // AWS IMDS over IPv6
	netip.MustParseAddr("100.100.100.200"): true, // Alibaba Cloud
	netip.MustParseAddr("168.63.129.16"):   true, // Azure WireServer
	netip.MustParseAddr("192.0.0.192"):     true, // Oracle Cloud (legacy)
}
