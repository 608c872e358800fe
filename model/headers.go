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
