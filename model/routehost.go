package model

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// RouteHost checks a route host as a source writes it (a config file's
// host, an Ingress rule's host, a TLS server name) and returns it in the
// form [Route.Host] holds: lower case, without a trailing dot. The result
// is "" (any host), an exact DNS name ("app.example.com") or a wildcard of
// exactly one leading label ("*.example.com"). Ports, IPv6 literals, a "*"
// anywhere else, spaces, control characters, non-ASCII characters and any
// byte but a-z, 0-9, "-", "_" and "." are refused, each with an error
// saying why; internationalised names are written in their xn-- form. An
// IPv4 literal is a valid name here; a source whose API refuses those
// (the Ingress API) checks that itself.
//
// It is the one place the rules of a route host are written; the request
// path compares with [CanonicalHost], which refuses nothing.
func RouteHost(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	for i, r := range s {
		switch {
		case r == utf8.RuneError:
			return "", fmt.Errorf("host %q is not valid UTF-8", s)
		case r == ' ' || r == '\t':
			return "", fmt.Errorf("host %q contains a space", s)
		case r < ' ' || r == 0x7f:
			return "", fmt.Errorf("host %q contains control character %U at byte %d", s, r, i)
		case r > 0x7f:
			return "", fmt.Errorf("host %q contains non-ASCII %q: write the internationalised name in its ASCII (xn--) form", s, r)
		}
	}
	if strings.Contains(s, "://") {
		return "", fmt.Errorf("host %q must be a name only, without scheme or path", s)
	}
	if i := strings.IndexByte(s, ':'); i >= 0 {
		if strings.Count(s, ":") == 1 && i > 0 {
			return "", fmt.Errorf("host %q must not include a port: routes match every listener", s)
		}
		return "", fmt.Errorf("host %q: IPv6 literals are not supported as route hosts (omit host to match any host)", s)
	}
	// Without a port, the canonical form is the one requests are compared
	// in: lower case, no trailing dot.
	h := CanonicalHost(s)
	if h == "*" {
		return "", fmt.Errorf("host %q: omit host to match any host", s)
	}
	if len(h) > 253 {
		return "", fmt.Errorf("host %.20q... is longer than 253 characters", s)
	}
	for i, label := range strings.Split(h, ".") {
		if label == "*" && i == 0 {
			continue
		}
		if err := checkHostLabel(label); err != nil {
			return "", fmt.Errorf("host %q: %w", s, err)
		}
	}
	return h, nil
}

// checkHostLabel checks one lower-case DNS label of a route host: 1-63 of
// a-z, 0-9, "-" and "_", not starting or ending with "-".
func checkHostLabel(label string) error {
	switch {
	case label == "":
		return fmt.Errorf("empty label (two dots in a row, or a leading dot)")
	case strings.Contains(label, "*"):
		return fmt.Errorf(`"*" is allowed only as the whole first label, as in *.example.com`)
	case len(label) > 63:
		return fmt.Errorf("label %.20q... is longer than 63 characters", label)
	case label[0] == '-' || label[len(label)-1] == '-':
		return fmt.Errorf("label %q starts or ends with \"-\"", label)
	}
	for _, c := range []byte(label) {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
		case c == '/':
			return fmt.Errorf(`a host has no path: put "/..." under paths`)
		default:
			return fmt.Errorf("character %q is not allowed in a host name", c)
		}
	}
	return nil
}
