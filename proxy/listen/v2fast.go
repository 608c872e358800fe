package listen

import (
	"encoding/binary"
	"net/netip"
)

// parseV2TCP parses b, one framed PROXY header, when it is the header a
// load balancer sends for nearly every connection — v2, command PROXY,
// TCP over IPv4 or IPv6, TLVs that split into whole TLVs — and returns its
// source, normalised. ok is false for anything else, which parseHeader
// hands to go-proxyproto; for the headers it accepts it answers as
// go-proxyproto does (FuzzParseV2TCP checks), without its allocations and
// reflection, which cost a connection more than the rest of its header.
func parseV2TCP(b []byte) (source netip.AddrPort, ok bool) {
	if len(b) < v2FixedLen || string(b[:len(sigV2)]) != string(sigV2) || b[12] != 0x21 {
		return netip.AddrPort{}, false
	}
	n := int(binary.BigEndian.Uint16(b[14:16]))
	if len(b) != v2FixedLen+n {
		return netip.AddrPort{}, false
	}
	body := b[v2FixedLen:]
	var addr netip.Addr
	var port uint16
	var tlvs []byte
	switch b[13] {
	case 0x11: // TCP over IPv4
		if n < 12 {
			return netip.AddrPort{}, false
		}
		addr = netip.AddrFrom4([4]byte(body[0:4]))
		port = binary.BigEndian.Uint16(body[8:10])
		tlvs = body[12:]
	case 0x21: // TCP over IPv6
		if n < 36 {
			return netip.AddrPort{}, false
		}
		addr = netip.AddrFrom16([16]byte(body[0:16]))
		port = binary.BigEndian.Uint16(body[32:34])
		tlvs = body[36:]
	default:
		return netip.AddrPort{}, false
	}
	for i := 0; i < len(tlvs); {
		if len(tlvs)-i < 3 {
			return netip.AddrPort{}, false
		}
		i += 3 + int(binary.BigEndian.Uint16(tlvs[i+1:i+3]))
		if i > len(tlvs) {
			return netip.AddrPort{}, false
		}
	}
	return normalizeAddrPort(netip.AddrPortFrom(addr, port)), true
}
