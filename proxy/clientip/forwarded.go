package clientip

import (
	"net/netip"
	"strings"
)

// This file parses the RFC 7239 Forwarded header:
//
//	Forwarded         = 1#forwarded-element
//	forwarded-element = [ forwarded-pair ] *( ";" [ forwarded-pair ] )
//	forwarded-pair    = token "=" value
//	value             = token / quoted-string
//	node              = nodename [ ":" node-port ]
//	nodename          = IPv4address / "[" IPv6address "]" / "unknown" / obfnode
//
// It is strict where the RFC is (an IPv6 address or a port must be quoted;
// each of for, by, proto and host may occur once per element) and lenient in
// one way senders commonly are: whitespace is allowed around ";".

// entryKind classifies one entry of a forwarding header.
type entryKind uint8

const (
	entryAddr       entryKind = iota // a usable address
	entryMalformed                   // not parseable
	entryUnknown                     // Forwarded "unknown"
	entryObfuscated                  // Forwarded obfuscated identifier
)

// lastForwardedElement returns the Forwarded element that ends at end in
// line, without surrounding whitespace, and the index of the comma before it,
// or -1 when it is the line's first element. A comma inside a quoted-string
// does not end an element. ok is false when a quote has no opening quote to
// its left, so that no element boundary can be found.
//
// Scanning from the right means that whatever a client wrote to the left of
// a trusted proxy's element (an unbalanced quote, say) cannot change how that
// element is read.
func lastForwardedElement(line string, end int) (element string, comma int, ok bool) {
	for i := end - 1; i >= 0; i-- {
		switch line[i] {
		case ',':
			return trimOWS(line[i+1 : end]), i, true
		case '"':
			if i = openingQuote(line, i); i < 0 {
				return "", -1, false
			}
		}
	}
	return trimOWS(line[:end]), -1, true
}

// Parameters of RFC 7239, each allowed once per element.
const (
	paramFor uint8 = 1 << iota
	paramBy
	paramProto
	paramHost
)

func paramBit(name string) uint8 {
	switch len(name) {
	case 2:
		if strings.EqualFold(name, "by") {
			return paramBy
		}
	case 3:
		if strings.EqualFold(name, "for") {
			return paramFor
		}
	case 4:
		if strings.EqualFold(name, "host") {
			return paramHost
		}
	case 5:
		if strings.EqualFold(name, "proto") {
			return paramProto
		}
	}
	return 0
}

// forwardedFor parses one Forwarded element, already stripped of
// whitespace, and returns its for= value as written (a token, or a
// quoted-string with its quotes). ok is false when the element is malformed
// or has no for= pair.
func forwardedFor(el string) (value string, ok bool) {
	var seen uint8
	i := 0
	for {
		for i < len(el) && isOWS(el[i]) {
			i++
		}
		if i < len(el) && el[i] != ';' {
			start := i
			for i < len(el) && isTchar(el[i]) {
				i++
			}
			name := el[start:i]
			if name == "" || i == len(el) || el[i] != '=' {
				return "", false
			}
			i++
			vstart := i
			if i < len(el) && el[i] == '"' {
				n, ok := quotedStringLen(el[i:])
				if !ok {
					return "", false
				}
				i += n
			} else {
				for i < len(el) && isTchar(el[i]) {
					i++
				}
				if i == vstart {
					return "", false
				}
			}
			if bit := paramBit(name); bit != 0 {
				if seen&bit != 0 {
					return "", false
				}
				seen |= bit
				if bit == paramFor {
					value = el[vstart:i]
				}
			}
			for i < len(el) && isOWS(el[i]) {
				i++
			}
		}
		if i == len(el) {
			return value, seen&paramFor != 0
		}
		if el[i] != ';' {
			return "", false
		}
		i++
	}
}

// parseForwardedElement parses one Forwarded element, already stripped of
// whitespace, and classifies its for= node. The address is normalised and
// valid only when the kind is entryAddr.
func parseForwardedElement(el string) (netip.Addr, entryKind) {
	v, ok := forwardedFor(el)
	if !ok {
		return netip.Addr{}, entryMalformed
	}
	if v[0] == '"' {
		v = unquote(v)
	}
	return parseNode(v)
}

// parseNode parses an RFC 7239 node (the unquoted value of for= or by=).
func parseNode(v string) (netip.Addr, entryKind) {
	name, port, hasPort := v, "", false
	if strings.HasPrefix(v, "[") {
		end := strings.IndexByte(v, ']')
		if end < 0 {
			return netip.Addr{}, entryMalformed
		}
		name = v[:end+1]
		if rest := v[end+1:]; rest != "" {
			if rest[0] != ':' {
				return netip.Addr{}, entryMalformed
			}
			port, hasPort = rest[1:], true
		}
	} else if i := strings.IndexByte(v, ':'); i >= 0 {
		name, port, hasPort = v[:i], v[i+1:], true
	}
	if hasPort && !validPort(port) && !validObfuscated(port) {
		return netip.Addr{}, entryMalformed
	}
	switch {
	case name == "":
		return netip.Addr{}, entryMalformed
	case strings.EqualFold(name, "unknown"):
		return netip.Addr{}, entryUnknown
	case name[0] == '_':
		if !validObfuscated(name) {
			return netip.Addr{}, entryMalformed
		}
		return netip.Addr{}, entryObfuscated
	case name[0] == '[':
		a, ok := parseIPv6(name[1:len(name)-1], false)
		if !ok {
			return netip.Addr{}, entryMalformed
		}
		return a, entryAddr
	}
	a, ok := parseIPv4(name)
	if !ok {
		return netip.Addr{}, entryMalformed
	}
	return a, entryAddr
}
