package proxy

import (
	"net/http"
	"net/netip"
	"strings"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/clientip"
	"github.com/firsthop/firsthop/proxy/listen"
)

// identityHeaders are the request headers, in lower case with "-" for "_",
// through which a client can claim an address or an origin. From an
// untrusted peer they are all removed; their underscore spellings are
// removed from every peer, since no proxy sends those and some frameworks
// (CGI, WSGI, PHP) read X_Forwarded_For and X-Forwarded-For alike.
var identityHeaders = [...]string{
	"forwarded",
	"x-real-ip",
	"x-client-ip",
	"true-client-ip",
	"x-cluster-client-ip",
	"cf-connecting-ip",
	"fastly-client-ip",
	"x-original-forwarded-for",
	"client-ip",
}

// isIdentityHeader reports whether the header key k is an identity header
// (any X-Forwarded-* included), and whether it is spelled with underscores.
// It runs for every request header and does not allocate.
func isIdentityHeader(k string) (identity, underscore bool) {
	underscore = strings.IndexByte(k, '_') >= 0
	if len(k) > len("x-forwarded-") && identityFold(k[:len("x-forwarded-")], "x-forwarded-") {
		return true, underscore
	}
	for _, name := range identityHeaders {
		if identityFold(k, name) {
			return true, underscore
		}
	}
	return false, underscore
}

// identityFold reports whether k equals the lower-case name ignoring ASCII
// case, with "_" in k matching "-" in name.
func identityFold(k, name string) bool {
	if len(k) != len(name) {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		case c == '_':
			c = '-'
		}
		if c != name[i] {
			return false
		}
	}
	return true
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
	port  string     // the port the client connected to (see clientPort)
	// in is the request as received, for the X-Forwarded-Proto/Host/Port
	// values a trusted peer sent.
	in http.Header
	// routeIdentity says that the identity headers left in the request are
	// its route's: the route's request modifiers ran (editRequest) after
	// the untrusted peer's copies were removed, so both upstream paths
	// forward those left (see identityTrusted).
	routeIdentity bool
}

// identityTrusted reports whether the request's identity headers (but
// for their underscore spellings) are forwarded: the peer is trusted, or
// the route's modifiers wrote those left after the peer's were removed.
func (c *forwardContext) identityTrusted() bool { return c.res.PeerTrusted || c.routeIdentity }

// keepRouteIdentity removes the untrusted peer's identity headers from
// in, the request, before the route's modifiers run, so that those the
// modifiers then set are forwarded (see routeIdentity).
func (c *forwardContext) keepRouteIdentity(in http.Header) {
	if !c.res.PeerTrusted {
		stripIdentityHeaders(in, false)
		c.routeIdentity = true
	}
}

// clientPort returns the port the client connected to, for
// X-Forwarded-Port: the destination port of a believed PROXY header (the
// load balancer's port), else the listener's public port when set, else
// the socket's local port; zero when none is known. The Host the client
// sent, forwarded as it came in X-Forwarded-Host and Forwarded: host=, is
// never rewritten to agree with it: a client's Host names a port only when
// it was not the scheme's default, and then it is the client's own word.
func clientPort(info *listen.Info, local netip.AddrPort, public uint16) uint16 {
	switch {
	case info.ViaProxy && info.Destination.Port() != 0:
		return info.Destination.Port()
	case public != 0:
		return public
	}
	return local.Port()
}

// forwardingHeaderNames are the headers firsthop owns on the way out, in
// the order it writes them (see [model.ForwardingHeaderNames]); a copy, so
// that nothing outside the package can change it.
var forwardingHeaderNames = model.ForwardingHeaderNames

// isForwardingHeader reports whether the canonical key k is one of
// forwardingHeaderNames.
func isForwardingHeader(k string) bool { return model.IsForwardingHeader(k) }

// appendForwardingValue appends to dst the value firsthop sends for
// forwardingHeaderNames[i] under f, and reports whether it sends that
// header at all.
func appendForwardingValue(dst []byte, i int, f model.ForwardedHeaders, c *forwardContext) ([]byte, bool) {
	switch i {
	case 0:
		switch f.XForwardedFor {
		case model.HeaderAppend:
			return appendXFF(dst, c), true
		case model.HeaderReplace:
			return c.res.Client.AppendTo(dst), true
		}
	case 1:
		switch f.Forwarded {
		case model.HeaderAppend:
			return appendForwarded(dst, c), true
		case model.HeaderReplace:
			return appendForwardedElement(dst, c.res.Client, c.host, c.proto), true
		}
	case 2:
		if f.XRealIP {
			return c.res.Client.AppendTo(dst), true
		}
	case 3:
		return appendFromTrustedOr(dst, c, forwardingHeaderNames[i], c.proto)
	case 4:
		return appendFromTrustedOr(dst, c, forwardingHeaderNames[i], c.host)
	case 5:
		return appendFromTrustedOr(dst, c, forwardingHeaderNames[i], c.port)
	}
	return dst, false
}

// setForwardingHeaders writes X-Forwarded-For, Forwarded, X-Real-IP and
// X-Forwarded-Proto/Host/Port to out according to f. It replaces any value
// out already holds for those headers, so it must run after hop-by-hop
// headers (and those a Connection header names) have been removed: then a
// client cannot make firsthop's own headers disappear. With
// c.routeIdentity it first puts back in out the identity headers of c.in,
// the route's (the reverse proxy's rewrite strips them from an untrusted
// peer's request with the peer's own).
func setForwardingHeaders(out http.Header, f model.ForwardedHeaders, c *forwardContext) {
	if c.routeIdentity {
		// out lost the route's identity headers with the peer's.
		for k, v := range c.in {
			if identity, underscore := isIdentityHeader(k); identity && !underscore {
				out[k] = v
			}
		}
	}
	var buf [128]byte
	for i, name := range forwardingHeaderNames {
		if v, ok := appendForwardingValue(buf[:0], i, f, c); ok {
			out[name] = []string{string(v)}
		} else {
			delete(out, name)
		}
	}
}

// appendFromTrustedOr appends what a trusted peer sent as header k, or else
// v; it reports false when that is empty. What the peer sent is the
// right-most value: a proxy that appends (a line of its own, or ", value")
// leaves its client's words to the left, as in X-Forwarded-For.
func appendFromTrustedOr(dst []byte, c *forwardContext, k, v string) ([]byte, bool) {
	if in := c.in[k]; c.res.PeerTrusted && len(in) > 0 {
		line := in[len(in)-1]
		i := strings.LastIndexByte(line, ',')
		if last := strings.Trim(line[i+1:], " \t"); last != "" {
			return append(dst, last...), true
		}
	}
	if v == "" {
		return dst, false
	}
	return append(dst, v...), true
}

// appendXFF appends the trusted chain (client first) followed by start.
func appendXFF(dst []byte, c *forwardContext) []byte {
	for _, hop := range c.res.Chain {
		dst = hop.Addr.AppendTo(dst)
		dst = append(dst, ", "...)
	}
	return c.start.AppendTo(dst)
}

// appendForwarded appends the trusted chain's Forwarded elements (as they
// were received, when they came from a Forwarded header) followed by this
// hop's own element.
func appendForwarded(dst []byte, c *forwardContext) []byte {
	for _, hop := range c.res.Chain {
		if hop.Element != "" {
			dst = append(dst, hop.Element...)
		} else {
			dst = append(dst, "for="...)
			dst = appendForwardedNode(dst, hop.Addr)
		}
		dst = append(dst, ", "...)
	}
	return appendForwardedElement(dst, c.start, c.host, c.proto)
}

// appendForwardedElement appends `for=ADDR;host=HOST;proto=PROTO`, leaving
// out an empty host.
func appendForwardedElement(dst []byte, addr netip.Addr, host, proto string) []byte {
	dst = append(dst, "for="...)
	dst = appendForwardedNode(dst, addr)
	if host != "" {
		dst = append(dst, ";host="...)
		dst = appendForwardedValue(dst, host)
	}
	dst = append(dst, ";proto="...)
	return append(dst, proto...)
}

// appendForwardedNode appends an RFC 7239 node: IPv4 bare, IPv6 quoted and
// bracketed ("[2001:db8::1]").
func appendForwardedNode(dst []byte, a netip.Addr) []byte {
	if a.Is4() {
		return a.AppendTo(dst)
	}
	dst = append(dst, `"[`...)
	dst = a.AppendTo(dst)
	return append(dst, `]"`...)
}

// writeForwardedValue writes v as [appendForwardedValue] does.
func writeForwardedValue(b *strings.Builder, v string) {
	var buf [64]byte
	b.Write(appendForwardedValue(buf[:0], v))
}

// appendForwardedValue appends v as an RFC 7230 token when it is one, else
// as a quoted-string with '"' and '\' escaped and control characters
// dropped.
func appendForwardedValue(dst []byte, v string) []byte {
	if isToken(v) {
		return append(dst, v...)
	}
	dst = append(dst, '"')
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20 || c == 0x7f:
			// Go's server refuses such hosts; drop rather than forward.
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
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
