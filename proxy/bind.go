package proxy

import (
	"fmt"
	"net"
	"net/netip"
)

// listenTCP binds address, an IP literal and a port, for exactly the
// family it is written in. Go's "tcp" network listens dual-stack on an
// unspecified address: "0.0.0.0:8080" would also accept IPv6 and "[::]"
// IPv4, exposing a host firewalled for one family through the other. So an
// IPv4 address is bound with "tcp4" (an AF_INET socket, IPv4 only) and an
// IPv6 address with "tcp6", for which Go sets IPV6_V6ONLY (checked by
// TestIPv6WildcardIsIPv6Only): "[::]:8080" accepts IPv6 only and can be
// bound beside "0.0.0.0:8080". An IPv4-mapped IPv6 address counts as IPv4. A host name is refused: nothing here resolves
// names (see the config package, which refuses them first).
func listenTCP(address string) (net.Listener, error) {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return nil, fmt.Errorf("listen address %q is not an IP:port such as 0.0.0.0:8080 or [::]:8080", address)
	}
	ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	network := "tcp4"
	if ap.Addr().Is6() {
		network = "tcp6"
	}
	return net.Listen(network, ap.String())
}
