package model

// Header names the data plane gives a meaning of its own. The proxy
// package treats them so on the way through, and [TableSpec.Validate]
// refuses a [HeaderModifier] that would edit them. Names are canonical
// (textproto.CanonicalMIMEHeaderKey).

// ForwardingHeaderNames are the headers firsthop writes to the backend
// (see [ForwardedHeaders]), in the order it writes them: whatever a client
// sends under these names is replaced by firsthop's value or removed.
var ForwardingHeaderNames = [...]string{
	"X-Forwarded-For", "Forwarded", "X-Real-Ip", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Forwarded-Port",
}

// IsForwardingHeader reports whether the canonical name k is one of
// [ForwardingHeaderNames].
func IsForwardingHeader(k string) bool {
	for _, name := range ForwardingHeaderNames {
		if k == name {
			return true
		}
	}
	return false
}

// IsHopByHopHeader reports whether the canonical name k is a hop-by-hop
// header (RFC 9110 7.6.1, and the list httputil.ReverseProxy uses), which
// is removed from requests and responses on their way through.
func IsHopByHopHeader(k string) bool {
	switch k {
	case "Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization",
		"Te", "Trailer", "Transfer-Encoding", "Upgrade":
		return true
	}
	return false
}

// UnmodifiableHeader says why a [HeaderModifier] may not set, add or
// remove the canonical header name k, or returns "" when it may. It is the
// one list every source and [TableSpec.Validate] check against:
// hop-by-hop headers concern one connection; the forwarding headers are
// firsthop's own; the host is changed by [Rewrite.Host]; Content-Length
// is written from the body forwarded.
func UnmodifiableHeader(k string) string {
	switch {
	case IsHopByHopHeader(k):
		return "a hop-by-hop header: it concerns one connection and is never forwarded"
	case IsForwardingHeader(k):
		return "a forwarding header firsthop writes itself (see forwardedHeaders)"
	case k == "Host":
		return "set by a rewrite's host, not by a header modifier"
	case k == "Content-Length":
		return "written from the body firsthop forwards"
	}
	return ""
}
