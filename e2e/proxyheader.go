package e2e

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// ProxyV1Header returns a PROXY protocol v1 header claiming src connected
// to dst over TCP.
func ProxyV1Header(src, dst netip.AddrPort) []byte {
	fam := "TCP4"
	if src.Addr().Is6() {
		fam = "TCP6"
	}
	return fmt.Appendf(nil, "PROXY %s %s %s %d %d\r\n", fam, src.Addr(), dst.Addr(), src.Port(), dst.Port())
}

// ProxyV2Header returns a PROXY protocol v2 header (command PROXY, stream
// transport) claiming src connected to dst. src and dst must be of one
// family.
func ProxyV2Header(src, dst netip.AddrPort) []byte {
	b := []byte("\r\n\r\n\x00\r\nQUIT\n\x21")
	var addrs []byte
	if src.Addr().Is4() {
		b = append(b, 0x11) // AF_INET, STREAM
		s, d := src.Addr().As4(), dst.Addr().As4()
		addrs = append(append(addrs, s[:]...), d[:]...)
	} else {
		b = append(b, 0x21) // AF_INET6, STREAM
		s, d := src.Addr().As16(), dst.Addr().As16()
		addrs = append(append(addrs, s[:]...), d[:]...)
	}
	addrs = binary.BigEndian.AppendUint16(addrs, src.Port())
	addrs = binary.BigEndian.AppendUint16(addrs, dst.Port())
	b = binary.BigEndian.AppendUint16(b, uint16(len(addrs)))
	return append(b, addrs...)
}
