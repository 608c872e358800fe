package ingress

import (
	"fmt"
	"net/netip"
	"strings"
)

// canonicalHost checks an Ingress rule's host and returns it in the form
// model.Route wants: lower case, without a trailing dot. The result is ""
// (any host), an exact DNS name, or a wildcard of exactly one leading label
// ("*.example.com"), as the Ingress API defines them. Ports, IP literals
// with colons, "*" anywhere but the whole first label, and bytes outside
// a-z, 0-9, "-", "_" and "." are refused.
func canonicalHost(h string) (string, error) {
	if h == "" {
		return "", nil
	}
	c := strings.ToLower(strings.TrimSuffix(h, "."))
	if len(c) > 253 {
		return "", fmt.Errorf("host %.40q... is longer than 253 characters", h)
	}
	if c == "" || c == "*" {
		return "", fmt.Errorf("host %q is not a DNS name (leave host empty to match any host)", h)
	}
	if _, err := netip.ParseAddr(c); err == nil {
		return "", fmt.Errorf("host %q is an IP address, not a DNS name (the Ingress API refuses IP addresses as hosts)", h)
	}
	for i, label := range strings.Split(c, ".") {
		if i == 0 && label == "*" {
			continue
		}
		if err := checkLabel(label); err != nil {
			return "", fmt.Errorf("host %q: %w", h, err)
		}
	}
	return c, nil
}

// checkLabel checks one lower-case label of a host: 1 to 63 of a-z, 0-9,
// "-" and "_", not starting or ending with "-".
func checkLabel(label string) error {
	switch {
	case label == "":
		return fmt.Errorf("empty label")
	case len(label) > 63:
		return fmt.Errorf("label %.20q... is longer than 63 characters", label)
	case label[0] == '-' || label[len(label)-1] == '-':
		return fmt.Errorf("label %q starts or ends with \"-\"", label)
	}
	for i := 0; i < len(label); i++ {
		switch c := label[i]; {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_':
		case c == '*':
			return fmt.Errorf(`"*" is allowed only as the whole first label, as in *.example.com`)
		default:
			return fmt.Errorf("character %q is not allowed in a host", c)
		}
	}
	return nil
}
