package config

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/firsthop/firsthop/model"
)

// endpointAddr is a backend endpoint's address as written: an IP literal
// (Addr valid) or a DNS name (Host non-empty) with a port.
type endpointAddr struct {
	Addr netip.AddrPort
	Host string
	Port uint16
}

// String returns the address as host:port, IPv6 in brackets.
func (a endpointAddr) String() string {
	if a.Host == "" {
		return a.Addr.String()
	}
	return net.JoinHostPort(a.Host, strconv.Itoa(int(a.Port)))
}

// parseEndpointAddr parses an endpoint address: "127.0.0.1:9001",
// "[2001:db8::1]:9001" or "api.internal:9001". A name is returned lower
// case without its trailing dot; nothing is resolved here, so validating a
// file needs no DNS. A name must be made of DNS labels (1-63 of a-z, 0-9,
// "-" and "_", not starting or ending with "-") and must not end in an
// all-numeric label, which some resolvers read as an IP address ("10.1").
// The port is 1-65535.
func parseEndpointAddr(s string) (endpointAddr, error) {
	host, portText, err := net.SplitHostPort(s)
	if err != nil {
		return endpointAddr{}, fmt.Errorf("%q is not host:port (such as 127.0.0.1:9001, [::1]:9001 or api.internal:9001)", s)
	}
	if host == "" {
		return endpointAddr{}, fmt.Errorf("%q has no host: write an IP address or a DNS name before the port", s)
	}
	if _, err := netip.ParseAddr(host); err == nil {
		ap, err := parseAddrPort(s, dialPort)
		return endpointAddr{Addr: ap}, err
	}
	name, err := endpointHost(host)
	if err != nil {
		return endpointAddr{}, fmt.Errorf("%q: %w", s, err)
	}
	port, err := parsePort(s, portText, dialPort)
	if err != nil {
		return endpointAddr{}, err
	}
	return endpointAddr{Host: name, Port: port}, nil
}

// endpointHost checks the host part of an endpoint address that is not an
// IP literal and returns it lower case without a trailing dot: a route
// host (see model.RouteHost) without a wildcard or an all-numeric last label.
func endpointHost(host string) (string, error) {
	if strings.ContainsAny(host, ":%") {
		return "", fmt.Errorf("%q is neither an IP address nor a DNS name", host)
	}
	if strings.Contains(host, "*") {
		return "", fmt.Errorf("%q: a wildcard names no one host", host)
	}
	if strings.Contains(host, "/") {
		return "", fmt.Errorf("%q: an endpoint address is host:port, without scheme or path", host)
	}
	h, err := model.RouteHost(host)
	if err != nil {
		return "", err
	}
	if h == "" {
		return "", fmt.Errorf("%q is not a DNS name", host)
	}
	if last := h[strings.LastIndexByte(h, '.')+1:]; strings.Trim(last, "0123456789") == "" {
		return "", fmt.Errorf("%q is neither an IP address nor a DNS name (a name's last label is not all digits)", host)
	}
	return h, nil
}
