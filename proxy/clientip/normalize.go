package clientip

import "net/netip"

// Normalize returns a in the form every comparison in firsthop uses: an
// IPv4-mapped IPv6 address (::ffff:10.0.0.1) becomes the IPv4 address
// (10.0.0.1) and an IPv6 zone (fe80::1%eth0) is dropped.
//
// [netip.Prefix.Contains] matches neither an IPv4-mapped address against an
// IPv4 prefix nor any zoned address, so addresses must pass through Normalize
// before every CIDR test. The invalid address stays invalid.
func Normalize(a netip.Addr) netip.Addr {
	return a.Unmap().WithZone("")
}
