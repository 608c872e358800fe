package config

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// parsePrefix parses a CIDR ("10.0.0.0/8", "2001:db8::/32") or a single
// address ("10.0.0.1", meaning /32 or /128) into a canonical prefix.
// It refuses host bits beyond the prefix length ("10.0.0.1/8"): such a value
// is ambiguous between one address and its network, and a silent choice
// would trust more or less than meant. It refuses zones and IPv4-mapped
// IPv6 prefixes, which match no address once addresses are unmapped.
func parsePrefix(s string) (netip.Prefix, error) {
	addrText, bitsText, hasBits := strings.Cut(s, "/")
	addr, err := netip.ParseAddr(addrText)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not a CIDR such as 10.0.0.0/8 or 2001:db8::/32", s)
	}
	if addr.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("%q: IPv6 zones are not allowed in a CIDR", s)
	}
	bits := addr.BitLen()
	if hasBits {
		bits, err = strconv.Atoi(bitsText)
		if err != nil || strconv.Itoa(bits) != bitsText {
			return netip.Prefix{}, fmt.Errorf("%q: prefix length %q is not a number", s, bitsText)
		}
		if bits < 0 || bits > addr.BitLen() {
			return netip.Prefix{}, fmt.Errorf("%q: prefix length %d is out of range for IPv%s (0-%d)", s, bits, family(addr), addr.BitLen())
		}
	}
	if addr.Is4In6() && bits >= 96 {
		return netip.Prefix{}, fmt.Errorf("%q is IPv4-mapped IPv6: write the IPv4 form (%s)", s,
			netip.PrefixFrom(addr.Unmap(), bits-96).Masked())
	}
	p := netip.PrefixFrom(addr, bits)
	if m := p.Masked(); m != p {
		return netip.Prefix{}, fmt.Errorf("%q has host bits set: write %s for the network or %s for the one address",
			s, m, netip.PrefixFrom(addr, addr.BitLen()))
	}
	return p, nil
}

func family(a netip.Addr) string {
	if a.Is4() {
		return "4"
	}
	return "6"
}

// portRange says which ports parseAddrPort accepts.
type portRange uint8

const (
	// anyPort accepts 0, which asks the system for a free port.
	anyPort portRange = iota
	// dialPort accepts 1-65535 only.
	dialPort
)

// parseAddrPort parses an IP:port address ("127.0.0.1:8080",
// "[2001:db8::1]:443"). Hostnames are refused: nothing here resolves names,
// so a name would be resolved at some other time by some other resolver.
// IPv4-mapped IPv6 addresses are unmapped.
func parseAddrPort(s string, ports portRange) (netip.AddrPort, error) {
	host, portText, err := net.SplitHostPort(s)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("%q is not IP:port (such as 127.0.0.1:8080, or [::1]:8080 for IPv6)", s)
	}
	if host == "" {
		return netip.AddrPort{}, fmt.Errorf("%q has no IP address: write 0.0.0.0%s for every IPv4 address or [::]%s for every IPv6 address (a listener for each, for both)", s, s, s)
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("%q: %q is not an IP address (hostnames are not supported here yet)", s, host)
	}
	port, err := parsePort(s, portText, ports)
	if err != nil {
		return netip.AddrPort{}, err
	}
	return netip.AddrPortFrom(addr.Unmap(), port), nil
}

// parsePort parses the port part, portText, of the address s.
func parsePort(s, portText string, ports portRange) (uint16, error) {
	port, err := strconv.ParseUint(portText, 10, 16)
	lowest := uint64(0)
	if ports == dialPort {
		lowest = 1
	}
	if err != nil || port < lowest || strconv.FormatUint(port, 10) != portText {
		return 0, fmt.Errorf("%q: port %q is not a number from %d to 65535", s, portText, lowest)
	}
	return uint16(port), nil
}

// checkName reports whether s can name a listener, backend, node or zone:
// non-empty, printable ASCII without spaces, at most 253 bytes.
func checkName(s string) error {
	if s == "" {
		return fmt.Errorf("must not be empty")
	}
	if len(s) > 253 {
		return fmt.Errorf("%.20q... is longer than 253 bytes", s)
	}
	for _, c := range []byte(s) {
		if c <= ' ' || c >= 0x7f {
			return fmt.Errorf("%q: only printable ASCII without spaces is allowed", s)
		}
	}
	return nil
}
