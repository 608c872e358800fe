package proxy

import (
	"net/http"
	"net/netip"
	"strings"

	"github.com/firsthop/firsthop/proxy/clientip"
)

// identityHeaders are the request headers, in lower case with "-" for "_",
// through which a client can claim an address or an origin. From an
// untrusted peer they are all removed; their underscore spellings are
// removed from every peer, since no proxy sends those and some frameworks
// (CGI, WSGI, PHP) read X_Forwarded_For and X-Forwarded-For alike.
var identityHeaders = map[string]bool{
	"forwarded":                true,
	"x-real-ip":                true,
	"x-client-ip":              true,
	"true-client-ip":           true,
	"x-cluster-client-ip":      true,
	"cf-connecting-ip":         true,
	"fastly-client-ip":         true,
	"x-original-forwarded-for": true,
	"client-ip":                true,
}

// isIdentityHeader reports whether the header key k is an identity header
// (any X-Forwarded-* included), and whether it is spelled with underscores.
func isIdentityHeader(k string) (identity, underscore bool) {
	underscore = strings.IndexByte(k, '_') >= 0
	n := strings.ToLower(k)
	if underscore {
		n = strings.ReplaceAll(n, "_", "-")
	}
	return strings.HasPrefix(n, "x-forwarded-") || identityHeaders[n], underscore
}

// stripIdentityHeaders deletes from h what a client may not claim: every
// identity header when the peer is untrusted, and underscore spellings of
// them always. It reports how many header fields it removed.
func stripIdentityHeaders(h http.Header, peerTrusted bool) (removed int) {
	for k := range h {
		identity, underscore := isIdentityHeader(k)
		if identity && (underscore || !peerTrusted) {
			removed++
			delete(h, k)
		}
	}
	return removed
}

// countIdentityHeaders returns how many identity header fields h holds.
func countIdentityHeaders(h http.Header) (n int) {
	for k, v := range h {
		if identity, _ := isIdentityHeader(k); identity {
			n += len(v)
		}
	}
	return n
}

// forwardContext is what the forwarding headers describe about one request.
type forwardContext struct {
	res   clientip.Result
	start netip.Addr // where the resolver started: PROXY source or peer
	host  string     // the Host the client asked for, as received
	proto string     // "http" or "https"
	port  string     // the port the client connected to
	// in is the request as received, for the X-Forwarded-Proto/Host/Port
	// values a trusted peer sent.
	in http.Header
}

// setForwardingHeaders writes X-Forwarded-For, Forwarded, X-Real-IP and
// X-Forwarded-Proto/Host/Port to out according to f. It replaces any value
// out already holds for those headers, so it must run after hop-by-hop
// headers (and those a Connection header names) have been removed: then a
// client cannot make firsthop's own headers disappear.
func setForwardingHeaders(out http.Header, f ForwardedHeaders, c *forwardContext) {
	switch f.XForwardedFor {
	case HeaderAppend:
		out["X-Forwarded-For"] = []string{appendXFF(c)}
	case HeaderReplace:
		out["X-Forwarded-For"] = []string{c.res.Client.String()}
	default:
		delete(out, "X-Forwarded-For")
	}
	switch f.Forwarded {
	case HeaderAppend:
		out["Forwarded"] = []string{appendForwarded(c)}
	case HeaderReplace:
		var b strings.Builder
		writeForwardedElement(&b, c.res.Client, c.host, c.proto)
		out["Forwarded"] = []string{b.String()}
	default:
		delete(out, "Forwarded")
	}
	if f.XRealIP {
		out["X-Real-Ip"] = []string{c.res.Client.String()}
	} else {
		delete(out, "X-Real-Ip")
	}
	setFromTrustedOr(out, c, "X-Forwarded-Proto", c.proto)
	setFromTrustedOr(out, c, "X-Forwarded-Host", c.host)
	setFromTrustedOr(out, c, "X-Forwarded-Port", c.port)
}

// setFromTrustedOr sets header k to what a trusted peer sent, or else to v.
// What the peer sent is the right-most value: a proxy that appends (a line
// of its own, or ", value") leaves its client's words to the left, as in
// X-Forwarded-For.
func setFromTrustedOr(out http.Header, c *forwardContext, k, v string) {
	if in := c.in[k]; c.res.PeerTrusted && len(in) > 0 {
		n := len(in)
		line := in[n-1]
		i := strings.LastIndexByte(line, ',')
		switch last := strings.Trim(line[i+1:], " \t"); {
		case last == "":
		case i < 0:
			out[k] = in[n-1 : n : n] // as received: no allocation
			return
		default:
			out[k] = []string{last}
			return
		}
	}
	if v == "" {
		delete(out, k)
		return
	}
	out[k] = []string{v}
}

// appendXFF returns the trusted chain (client first) followed by start.
func appendXFF(c *forwardContext) string {
	if len(c.res.Chain) == 0 {
		return c.start.String()
	}
	var b strings.Builder
	for _, hop := range c.res.Chain {
		b.WriteString(hop.Addr.String())
		b.WriteString(", ")
	}
	b.WriteString(c.start.String())
	return b.String()
}

// appendForwarded returns the trusted chain's Forwarded elements (as they
// were received, when they came from a Forwarded header) followed by this
// hop's own element.
func appendForwarded(c *forwardContext) string {
	var b strings.Builder
	for _, hop := range c.res.Chain {
		if hop.Element != "" {
			b.WriteString(hop.Element)
		} else {
			b.WriteString("for=")
			writeForwardedNode(&b, hop.Addr)
		}
		b.WriteString(", ")
	}
	writeForwardedElement(&b, c.start, c.host, c.proto)
	return b.String()
}

// writeForwardedElement writes `for=ADDR;host=HOST;proto=PROTO`, leaving out
// an empty host.
func writeForwardedElement(b *strings.Builder, addr netip.Addr, host, proto string) {
	b.WriteString("for=")
	writeForwardedNode(b, addr)
	if host != "" {
		b.WriteString(";host=")
		writeForwardedValue(b, host)
	}
	b.WriteString(";proto=")
	b.WriteString(proto)
}

// writeForwardedNode writes an RFC 7239 node: IPv4 bare, IPv6 quoted and
// bracketed ("[2001:db8::1]").
func writeForwardedNode(b *strings.Builder, a netip.Addr) {
	if a.Is4() {
		b.WriteString(a.String())
		return
	}
	b.WriteString(`"[`)
	b.WriteString(a.String())
	b.WriteString(`]"`)
}

// writeForwardedValue writes v as an RFC 7230 token when it is one, else as
// a quoted-string with '"' and '\' escaped and control characters dropped.
func writeForwardedValue(b *strings.Builder, v string) {
	if isToken(v) {
		b.WriteString(v)
		return
	}
	b.WriteByte('"')
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c == 0x7f:
			// Go's server refuses such hosts; drop rather than forward.
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}

// isToken reports whether v is a non-empty RFC 7230 token.
func isToken(v string) bool {
	if v == "" {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
			continue
		}
		if !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return true
}
