package model

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// CORSOrigin is one entry of [CORSPolicy.AllowOrigins] other than "*" and
// "null", parsed (see [ParseCORSOrigin]).
type CORSOrigin struct {
	// Scheme is "http" or "https".
	Scheme string
	// Host is a canonical host or IP address (an IPv6 one without
	// brackets); with Wildcard, the suffix after "*" (".example.com");
	// empty for "*" (any host).
	Host     string
	Wildcard bool
	// Port is the origin's port, the scheme's default when not written.
	Port uint16
}

// ParseCORSOrigin parses s, an origin pattern "scheme://host[:port]":
// scheme http or https, host "*", "*." followed by a canonical DNS name,
// a canonical DNS name, or an IP address (IPv6 in brackets), all lower
// case; no path, query or trailing "/". Request Origins are parsed by
// the same rules, except that their host may not hold "*".
func ParseCORSOrigin(s string) (CORSOrigin, error) {
	o, ok := parseOrigin(s, true)
	if !ok {
		return CORSOrigin{}, fmt.Errorf("%q is not an origin (scheme://host[:port], lower case, http or https, a host \"*\" or starting with \"*.\")", s)
	}
	return o, nil
}

// ParseRequestOrigin parses the Origin header value v of a request into
// the origin it names, reporting false for "null" and anything that is
// not a serialized http(s) origin. Upper-case letters are allowed, and
// folded: browsers send lower case, and the origin's scheme and host are
// not case-sensitive.
func ParseRequestOrigin(v string) (CORSOrigin, bool) {
	for i := 0; i < len(v); i++ {
		if 'A' <= v[i] && v[i] <= 'Z' {
			v = strings.ToLower(v)
			break
		}
	}
	return parseOrigin(v, false)
}

// parseOrigin parses s, lower case, as ParseCORSOrigin says; the host may
// hold "*" only when pattern is set.
func parseOrigin(s string, pattern bool) (CORSOrigin, bool) {
	var o CORSOrigin
	switch {
	case strings.HasPrefix(s, "https://"):
		o.Scheme, o.Port, s = "https", 443, s[len("https://"):]
	case strings.HasPrefix(s, "http://"):
		o.Scheme, o.Port, s = "http", 80, s[len("http://"):]
	default:
		return o, false
	}
	host := s
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return o, false
		}
		host, s = s[1:end], s[end+1:]
		a, err := netip.ParseAddr(host)
		if err != nil || !a.Is6() || a.Zone() != "" {
			return o, false
		}
		o.Host = a.String()
		if s != "" && s[0] != ':' {
			return o, false
		}
	} else {
		if i := strings.IndexByte(s, ':'); i >= 0 {
			host, s = s[:i], s[i:]
		} else {
			s = ""
		}
		switch {
		case pattern && host == "*":
		case pattern && strings.HasPrefix(host, "*."):
			if !canonicalDNSName(host[2:]) {
				return o, false
			}
			o.Host, o.Wildcard = host[1:], true
		case canonicalDNSName(host):
			o.Host = host
		default:
			return o, false
		}
	}
	if s != "" {
		p, err := strconv.ParseUint(s[1:], 10, 16)
		if err != nil || p == 0 || s[1] == '+' || s[1] == '0' {
			return o, false
		}
		o.Port = uint16(p)
	}
	return o, true
}

// canonicalDNSName reports whether h is a lower-case DNS name (letters,
// digits, "-", "_" and inner dots) or an IPv4 address.
func canonicalDNSName(h string) bool {
	if h == "" || len(h) > 253 || h[0] == '.' || h[len(h)-1] == '.' || strings.Contains(h, "..") {
		return false
	}
	for i := 0; i < len(h); i++ {
		switch c := h[i]; {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}

// Allows reports whether the pattern o allows the request origin req
// (parsed by [ParseRequestOrigin]), a "*." host matching as w says.
func (o CORSOrigin) Allows(req CORSOrigin, w WildcardRule) bool {
	if o.Scheme != req.Scheme || o.Port != req.Port {
		return false
	}
	switch {
	case o.Host == "" && !o.Wildcard:
		return true
	case !o.Wildcard:
		return o.Host == req.Host
	}
	label, ok := strings.CutSuffix(req.Host, o.Host)
	if !ok || label == "" {
		return false
	}
	return w == WildcardSuffix || strings.IndexByte(label, '.') < 0
}
