package listen

import (
	"net"
	"net/netip"
)

// Info says where a connection came from.
type Info struct {
	// Peer is the socket peer, normalised: an IPv4-mapped address is
	// unmapped and an IPv6 zone dropped. It is the zero AddrPort when the
	// peer has no IP address (a Unix socket, a net.Pipe).
	Peer netip.AddrPort
	// Source is the PROXY header's source (normalised the same way) when a
	// header was believed, else Peer.
	Source netip.AddrPort
	// Destination is the PROXY header's destination (normalised), the
	// address the client connected to on the load balancer, when a header
	// was believed; else the zero AddrPort.
	Destination netip.AddrPort
	// ViaProxy reports whether a PROXY header was believed. PROXY "LOCAL"
	// (v2) and "UNKNOWN" (v1) headers are consumed but not believed:
	// ViaProxy stays false and Source stays Peer.
	ViaProxy bool
}

// InfoOf returns c's Info. When c was returned by a listener from [Wrap]
// (possibly inside a *tls.Conn or any other wrapper with a NetConn method),
// InfoOf first reads its PROXY header if that has not happened yet, on the
// calling goroutine, bounded by the policy's HeaderTimeout; concurrent
// callers wait for the one read. It returns a [*HeaderError] when the header
// was refused; the connection is then already closed and must be discarded.
//
// For any other net.Conn it reads nothing: Peer and Source are c's
// RemoteAddr, normalised, and ViaProxy is false.
func InfoOf(c net.Conn) (Info, error) {
	if wc := unwrap(c); wc != nil {
		err := wc.handshake()
		return wc.info, err
	}
	var peer netip.AddrPort
	if c != nil {
		peer = addrPortOf(c.RemoteAddr())
	}
	return Info{Peer: peer, Source: peer}, nil
}

// unwrap returns the *conn inside c, following NetConn methods (as
// *tls.Conn has), or nil.
func unwrap(c net.Conn) *conn {
	for range 8 {
		switch v := c.(type) {
		case *conn:
			return v
		case interface{ NetConn() net.Conn }:
			c = v.NetConn()
		default:
			return nil
		}
	}
	return nil
}
