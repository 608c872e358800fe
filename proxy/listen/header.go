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

// proxied is what a PROXY header says about the client's connection: its
// source (the client) and its destination (the address the client
// connected to, on the load balancer), both normalised (IPv4-mapped
// becomes IPv4).
type proxied struct {
	source, destination netip.AddrPort
}

// parseHeader parses b, which holds exactly one framed PROXY header (see
// headerLen), and returns the addresses it asks us to believe. believe is
// false for a header that carries no address to believe: v2 LOCAL (the
// load balancer's own connection, such as a health check) and v1 UNKNOWN. A
// PROXY header for anything but TCP over IPv4 or IPv6 (UDP, Unix sockets)
// is an error, as is a v2 header whose TLV block does not split into whole
// TLVs.
func parseHeader(b []byte) (p proxied, believe bool, err error) {
	if p, ok := parseV2TCP(b); ok {
		return p, true, nil
	}
	return parseHeaderGeneric(b)
}

// parseHeaderGeneric is parseHeader for any header, through go-proxyproto.
func parseHeaderGeneric(b []byte) (p proxied, believe bool, err error) {
	br := bufio.NewReaderSize(bytes.NewReader(b), len(b))
	h, err := proxyproto.Read(br)
	if err != nil {
		return proxied{}, false, err
	}
	if br.Buffered() != 0 {
		return proxied{}, false, errTrailing
	}
	if _, err := h.TLVs(); err != nil {
		return proxied{}, false, fmt.Errorf("PROXY v2 TLVs: %w", err)
	}
	if h.Command.IsLocal() {
		return proxied{}, false, nil
	}
	if h.TransportProtocol != proxyproto.TCPv4 && h.TransportProtocol != proxyproto.TCPv6 {
		return proxied{}, false, errFamily
	}
	src, ok := h.SourceAddr.(*net.TCPAddr)
	if !ok || src == nil {
		return proxied{}, false, errSourceAddr
	}
	p.source = addrPortOf(src)
	if !p.source.Addr().IsValid() {
		return proxied{}, false, errSourceAddr
	}
	if dst, ok := h.DestinationAddr.(*net.TCPAddr); ok && dst != nil {
		p.destination = addrPortOf(dst)
	}
	return p, true, nil
}
