package listen

import (
	"encoding/binary"
	"net/netip"
)

// parseV2TCP parses b, one framed PROXY header, when it is the header a
// load balancer sends for nearly every connection — v2, command PROXY,
// TCP over IPv4 or IPv6, TLVs that split into whole TLVs — and returns its
// source and destination, normalised. ok is false for anything else, which parseHeader
// hands to go-proxyproto; for the headers it accepts it answers as
// go-proxyproto does (FuzzParseV2TCP checks), without its allocations and
// reflection, which cost a connection more than the rest of its header.
func parseV2TCP(b []byte) (p proxied, ok bool) {
	if len(b) < v2FixedLen || string(b[:len(sigV2)]) != string(sigV2) || b[12] != 0x21 {
		return proxied{}, false
	}
	n := int(binary.BigEndian.Uint16(b[14:16]))
	if len(b) != v2FixedLen+n {
		return proxied{}, false
	}
	body := b[v2FixedLen:]
	var addr, daddr netip.Addr
	var port, dport uint16
	var tlvs []byte
	switch b[13] {
	case 0x11: // TCP over IPv4
		if n < 12 {
			return proxied{}, false
		}
		addr = netip.AddrFrom4([4]byte(body[0:4]))
		daddr = netip.AddrFrom4([4]byte(body[4:8]))
		port = binary.BigEndian.Uint16(body[8:10])
		dport = binary.BigEndian.Uint16(body[10:12])
		tlvs = body[12:]
	case 0x21: // TCP over IPv6
		if n < 36 {
			return proxied{}, false
		}
		addr = netip.AddrFrom16([16]byte(body[0:16]))
		daddr = netip.AddrFrom16([16]byte(body[16:32]))
		port = binary.BigEndian.Uint16(body[32:34])
		dport = binary.BigEndian.Uint16(body[34:36])
		tlvs = body[36:]
	default:
		return proxied{}, false
	}
	for i := 0; i < len(tlvs); {
		if len(tlvs)-i < 3 {
			return proxied{}, false
		}
		i += 3 + int(binary.BigEndian.Uint16(tlvs[i+1:i+3]))
		if i > len(tlvs) {
			return proxied{}, false
		}
	}
	return proxied{
		source:      normalizeAddrPort(netip.AddrPortFrom(addr, port)),
		destination: normalizeAddrPort(netip.AddrPortFrom(daddr, dport)),
	}, true
}
