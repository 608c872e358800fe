package e2e

import (
	"fmt"
	"net/netip"
)

// AddressPool is a block of fabric addresses that no host is given, set
// aside for addresses a program under test hands out itself (a Gateway's
// status.addresses): an aligned IPv4 prefix inside one role's range, and
// an IPv6 prefix of the same size that [IPv6For] never produces, so it
// cannot collide with any host's IPv6 address.
type AddressPool struct {
	IPv4 netip.Prefix
	IPv6 netip.Prefix
}

// poolIPv6Group is the fifth group of every pool IPv6 address. [IPv6For]
// writes an IPv4 octet's decimal digits as that group's hex digits, so it
// never writes an "f".
const poolIPv6Group = 0xf

// String returns "IPv4 prefix, IPv6 prefix".
func (p AddressPool) String() string { return fmt.Sprintf("%s, %s", p.IPv4, p.IPv6) }

// IPv4Addrs returns every address of the IPv4 prefix, in order.
func (p AddressPool) IPv4Addrs() []netip.Addr { return prefixAddrs(p.IPv4) }

// IPv6Addrs returns every address of the IPv6 prefix, in order.
func (p AddressPool) IPv6Addrs() []netip.Addr { return prefixAddrs(p.IPv6) }

// prefixAddrs lists the addresses of a (small) prefix.
func prefixAddrs(p netip.Prefix) []netip.Addr {
	var out []netip.Addr
	for a := p.Masked().Addr(); a.IsValid() && p.Contains(a); a = a.Next() {
		out = append(out, a)
	}
	return out
}

// poolIPv6For is the IPv6 pool paired with the IPv4 pool p:
// fd00::f:0:<p's address as two hex groups>, with the same number of host
// bits (198.51.100.48/28 -> fd00::f:0:c633:6430/124). It lies inside
// [FabricIPv6], so every host reaches it on-link.
func poolIPv6For(p netip.Prefix) netip.Prefix {
	b := FabricIPv6.Addr().As16()
	b[9] = poolIPv6Group
	v4 := p.Addr().As4()
	copy(b[12:], v4[:])
	return netip.PrefixFrom(netip.AddrFrom16(b), 128-(32-p.Bits()))
}

// pickPool finds the highest aligned IPv4 block of 2^(32-bits) addresses
// that lies wholly inside r and has no address for which taken is true.
// Pools come from the top of a range, hosts from the bottom, so the two
// meet only when the range is full.
func pickPool(r addrRange, bits int, taken func(netip.Addr) bool) (netip.Prefix, error) {
	if bits < 24 || bits > 32 {
		return netip.Prefix{}, fmt.Errorf("pool prefix length /%d: want /24 to /32", bits)
	}
	size := uint32(1) << (32 - bits)
	last := r.last.As4()
	top := (uint32(last[0])<<24 | uint32(last[1])<<16 | uint32(last[2])<<8 | uint32(last[3])) + 1
	for start := top &^ (size - 1); start >= size; start -= size {
		first := u32Addr(start - size)
		if !r.contains(first) {
			break // blocks only get lower; the end, start-1, is <= r.last
		}
		p := netip.PrefixFrom(first, bits)
		free := true
		for _, a := range prefixAddrs(p) {
			if taken(a) {
				free = false
				break
			}
		}
		if free {
			return p, nil
		}
	}
	return netip.Prefix{}, fmt.Errorf("no free aligned /%d in %s-%s", bits, r.first, r.last)
}

// u32Addr is the IPv4 address whose big-endian value is v.
func u32Addr(v uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}
