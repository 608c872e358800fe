package clientip

import (
	"net/netip"
	"strings"
)

// This file parses X-Forwarded-For, which has no specification: a
// comma-separated list of addresses, the right-most added last.

// lastXFFEntry returns the X-Forwarded-For entry that ends at end in line,
// without surrounding whitespace, and the index of the comma before it, or
// -1 when it is the line's first entry.
func lastXFFEntry(line string, end int) (entry string, comma int) {
	comma = strings.LastIndexByte(line[:end], ',')
	return trimOWS(line[comma+1 : end]), comma
}

// parseXFFEntry parses one X-Forwarded-For entry, already stripped of
// whitespace, and returns its address normalised. It accepts an IPv4
// address, an IPv6 address (with or without a zone), "[v6]", "v4:port" and
// "[v6]:port"; the port is checked and dropped. Anything else, the empty
// entry included, is malformed (ok false).
func parseXFFEntry(s string) (a netip.Addr, ok bool) {
	if s == "" {
		return netip.Addr{}, false
	}
	if s[0] == '[' {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return netip.Addr{}, false
		}
		if rest := s[end+1:]; rest != "" && (rest[0] != ':' || !validPort(rest[1:])) {
			return netip.Addr{}, false
		}
		return parseIPv6(s[1:end], true)
	}
	first := strings.IndexByte(s, ':')
	switch {
	case first < 0:
		return parseIPv4(s)
	case first == strings.LastIndexByte(s, ':'):
		if !validPort(s[first+1:]) {
			return netip.Addr{}, false
		}
		return parseIPv4(s[:first])
	}
	return parseIPv6(s, true)
}

// parseIPv4 parses a dotted-quad IPv4 address (no leading zeros).
func parseIPv4(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		return netip.Addr{}, false
	}
	return a, true
}

// parseIPv6 parses an IPv6 address, IPv4-mapped ones included, and returns
// it normalised. A zone is accepted only when allowZone is set, and then
// only of unreserved characters; it is dropped without being parsed by
// netip, so that it is neither interned nor allocated.
func parseIPv6(s string, allowZone bool) (netip.Addr, bool) {
	if i := strings.IndexByte(s, '%'); i >= 0 {
		if !allowZone || !validZone(s[i+1:]) {
			return netip.Addr{}, false
		}
		s = s[:i]
	}
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is6() {
		return netip.Addr{}, false
	}
	return Normalize(a), true
}
