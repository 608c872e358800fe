package e2e

import (
	"fmt"
	"net/netip"
	"strconv"
)

// Role says what a host on the fabric is for; each role has its own address
// range, so a peer's role can be read off its address.
type Role uint8

const (
	// Infra hosts are load balancers and the control plane: 192.0.2.2–127.
	Infra Role = iota + 1
	// Node hosts are where firsthop runs: 198.51.100.1–63.
	Node
	// Pod hosts are backends: 198.51.100.64–254.
	Pod
	// Client hosts are where requests come from: 203.0.113.7–254 when
	// allocated, any 203.0.113.1–254 when asked for.
	Client
)

var roleNames = [...]string{Infra: "infra", Node: "node", Pod: "pod", Client: "client"}

// String returns the role's lower-case name.
func (r Role) String() string {
	if int(r) < len(roleNames) && roleNames[r] != "" {
		return roleNames[r]
	}
	return fmt.Sprintf("Role(%d)", uint8(r))
}

// addrRange is an inclusive IPv4 range.
type addrRange struct{ first, last netip.Addr }

func (r addrRange) contains(a netip.Addr) bool {
	return r.first.Compare(a) <= 0 && a.Compare(r.last) <= 0
}

// roleRanges are where each role's addresses are allocated from.
var roleRanges = map[Role]addrRange{
	Infra:  {netip.MustParseAddr("192.0.2.2"), netip.MustParseAddr("192.0.2.127")},
	Node:   {netip.MustParseAddr("198.51.100.1"), netip.MustParseAddr("198.51.100.63")},
	Pod:    {netip.MustParseAddr("198.51.100.64"), netip.MustParseAddr("198.51.100.254")},
	Client: {netip.MustParseAddr("203.0.113.7"), netip.MustParseAddr("203.0.113.254")},
}

// explicitRanges are the addresses a caller may ask for by role: the
// allocation range, except that a client may also take 203.0.113.1–6.
var explicitRanges = map[Role]addrRange{
	Infra:  roleRanges[Infra],
	Node:   roleRanges[Node],
	Pod:    roleRanges[Pod],
	Client: {netip.MustParseAddr("203.0.113.1"), netip.MustParseAddr("203.0.113.254")},
}

var (
	// FabricIPv4 are the fabric's IPv4 prefixes (all IANA documentation
	// ranges, RFC 5737); every host gets a /24 from one of them and an
	// on-link default route, so all hosts reach each other directly.
	FabricIPv4 = []netip.Prefix{
		netip.MustParsePrefix("192.0.2.0/24"),
		netip.MustParsePrefix("198.51.100.0/24"),
		netip.MustParsePrefix("203.0.113.0/24"),
	}
	// FabricIPv6 is the fabric's one IPv6 prefix, a unique local /64.
	FabricIPv6 = netip.MustParsePrefix("fd00::/64")
	// ServiceCIDR is the kube-apiserver's service cluster IP range. Its
	// addresses are never assigned to a host, and nothing routes them.
	ServiceCIDR = netip.MustParsePrefix("192.0.2.128/25")
)

// IPv6For returns the fabric IPv6 address paired with the IPv4 address a:
// fd00::A:B:C:D, each decimal octet written as if it were hex, so that
// 203.0.113.7 pairs with fd00::203:0:113:7. It panics if a is not IPv4.
func IPv6For(a netip.Addr) netip.Addr {
	if !a.Is4() {
		panic("IPv6For: not an IPv4 address: " + a.String())
	}
	b := FabricIPv6.Addr().As16()
	for i, octet := range a.As4() {
		v, _ := strconv.ParseUint(strconv.Itoa(int(octet)), 16, 16)
		b[8+2*i] = byte(v >> 8)
		b[9+2*i] = byte(v)
	}
	return netip.AddrFrom16(b)
}
