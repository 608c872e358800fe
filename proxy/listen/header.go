package listen

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/pires/go-proxyproto"
)

var (
	errTrailing   = errors.New("PROXY header parser stopped before the end of the framed header")
	errFamily     = errors.New("PROXY header for a transport other than TCP over IPv4 or IPv6")
	errSourceAddr = errors.New("PROXY header without a usable source address")
)

// parseHeader parses b, which holds exactly one framed PROXY header (see
// headerLen), and returns the source it asks us to believe. believe is false
// for a header that carries no address to believe: v2 LOCAL (the load
// balancer's own connection, such as a health check) and v1 UNKNOWN. A PROXY
// header for anything but TCP over IPv4 or IPv6 (UDP, Unix sockets) is an
// error, as is a v2 header whose TLV block does not split into whole TLVs.
// The source is normalised (IPv4-mapped becomes IPv4).
func parseHeader(b []byte) (source netip.AddrPort, believe bool, err error) {
	if src, ok := parseV2TCP(b); ok {
		return src, true, nil
	}
	return parseHeaderGeneric(b)
}

// parseHeaderGeneric is parseHeader for any header, through go-proxyproto.
func parseHeaderGeneric(b []byte) (source netip.AddrPort, believe bool, err error) {
	br := bufio.NewReaderSize(bytes.NewReader(b), len(b))
	h, err := proxyproto.Read(br)
	if err != nil {
		return netip.AddrPort{}, false, err
	}
	if br.Buffered() != 0 {
		return netip.AddrPort{}, false, errTrailing
	}
	if _, err := h.TLVs(); err != nil {
		return netip.AddrPort{}, false, fmt.Errorf("PROXY v2 TLVs: %w", err)
	}
	if h.Command.IsLocal() {
		return netip.AddrPort{}, false, nil
	}
	if h.TransportProtocol != proxyproto.TCPv4 && h.TransportProtocol != proxyproto.TCPv6 {
		return netip.AddrPort{}, false, errFamily
	}
	src, ok := h.SourceAddr.(*net.TCPAddr)
	if !ok || src == nil {
		return netip.AddrPort{}, false, errSourceAddr
	}
	ap := addrPortOf(src)
	if !ap.Addr().IsValid() {
		return netip.AddrPort{}, false, errSourceAddr
	}
	return ap, true, nil
}
