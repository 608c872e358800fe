package listen

import (
	"net"
	"net/netip"
)

// normalizeAddr returns a in the form every comparison here uses: an
// IPv4-mapped IPv6 address becomes the IPv4 address and an IPv6 zone is
// dropped. The invalid address stays invalid.
func normalizeAddr(a netip.Addr) netip.Addr {
	return a.Unmap().WithZone("")
}

// normalizeAddrPort is normalizeAddr applied to ap's address; the port is
// kept. The zero AddrPort stays zero.
func normalizeAddrPort(ap netip.AddrPort) netip.AddrPort {
	if !ap.Addr().IsValid() {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(normalizeAddr(ap.Addr()), ap.Port())
}

// addrPortOf returns a's IP address and port, normalised. It returns the
// zero AddrPort when a is nil or carries no IP address (a Unix socket, a
// net.Pipe end).
func addrPortOf(a net.Addr) netip.AddrPort {
	switch a := a.(type) {
	case nil:
		return netip.AddrPort{}
	case *net.TCPAddr:
		if a == nil {
			return netip.AddrPort{}
		}
		ip, ok := netip.AddrFromSlice(a.IP)
		if !ok || a.Port < 0 || a.Port > 0xffff {
			return netip.AddrPort{}
		}
		return normalizeAddrPort(netip.AddrPortFrom(ip, uint16(a.Port)))
	default:
		ap, err := netip.ParseAddrPort(a.String())
		if err != nil {
			return netip.AddrPort{}
		}
		return normalizeAddrPort(ap)
	}
}

// trustSet is a normalised list of prefixes. The nil set trusts nobody.
type trustSet []netip.Prefix

// newTrustSet copies prefixes into a trustSet: each prefix is masked, an
// IPv4-mapped IPv6 prefix of at least 96 bits becomes the IPv4 prefix it
// denotes (so it matches normalised peers), and invalid prefixes are
// dropped (they would match nothing anyway).
func newTrustSet(prefixes []netip.Prefix) trustSet {
	var s trustSet
	for _, p := range prefixes {
		if !p.IsValid() {
			continue
		}
		a := p.Addr().WithZone("")
		bits := p.Bits()
		if a.Is4In6() {
			if bits < 96 {
				// Covers more than the mapped range: keep it as an
				// IPv6 prefix; it still matches genuine IPv6 peers.
				s = append(s, netip.PrefixFrom(a, bits).Masked())
				continue
			}
			a, bits = a.Unmap(), bits-96
		}
		s = append(s, netip.PrefixFrom(a, bits).Masked())
	}
	return s
}

// contains reports whether a, once normalised, lies in one of s's prefixes.
// The invalid address is in no set.
func (s trustSet) contains(a netip.Addr) bool {
	a = normalizeAddr(a)
	if !a.IsValid() {
		return false
	}
	for _, p := range s {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
