package gateway

import (
	"slices"
	"strings"
)

// Hostnames here are lower case: "" (any host), an exact name, or a
// wildcard "*.example.com", which in Gateway API matches one or more
// leading labels ("a.example.com", "a.b.example.com", never
// "example.com").

// wildcardSuffix returns ".example.com" for "*.example.com", and "" for a
// host that is not a wildcard.
func wildcardSuffix(h string) string {
	if strings.HasPrefix(h, "*.") {
		return h[1:]
	}
	return ""
}

// covers reports whether every request host that b matches is matched by
// a too: a is "" or equal to b, or a is a wildcard whose suffix ends b
// (an exact b, or a more specific wildcard).
func covers(a, b string) bool {
	if a == "" || a == b {
		return true
	}
	sa := wildcardSuffix(a)
	if sa == "" || b == "" {
		return false
	}
	if sb := wildcardSuffix(b); sb != "" {
		return strings.HasSuffix(sb, sa)
	}
	return strings.HasSuffix(b, sa)
}

// intersect returns the hosts requests must have to match both a listener
// hostname and a route's hostnames: the more specific of each pair where
// one covers the other, in the route's order, without repeats. A route
// without hostnames takes the listener's; a listener without one takes the
// route's. ok is false when they share no host.
func intersect(listener string, route []string) (hosts []string, ok bool) {
	if len(route) == 0 {
		return []string{listener}, true
	}
	for _, r := range route {
		var h string
		switch {
		case covers(listener, r):
			h = r
		case covers(r, listener):
			h = listener
		default:
			continue
		}
		if !slices.Contains(hosts, h) {
			hosts = append(hosts, h)
		}
	}
	return hosts, len(hosts) > 0
}
