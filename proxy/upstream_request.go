package proxy

import (
	"bufio"
	"errors"
	"net/http"
	"net/url"

	"golang.org/x/net/http/httpguts"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/h1"
)

// This file writes the request firsthop sends to an HTTP/1.1 backend on
// the lean path. It makes the same request httputil.ReverseProxy (with
// firsthop's Rewrite) and http.Transport make together: hop-by-hop headers
// and those Connection names removed, inbound forwarding headers replaced
// by firsthop's, identity headers stripped per the peer's trust, the path
// the router matched, and the body framed as the client's was parsed.

// isHopHeader reports whether the canonical name k is hop-by-hop (see
// [model.IsHopByHopHeader]): removed from requests and responses on their
// way through.
func isHopHeader(k string) bool { return model.IsHopByHopHeader(k) }

// skipOutbound reports whether the inbound request header k is left out of
// the upstream request: hop-by-hop, named by Connection, framing (written
// from the parsed body), a forwarding header (firsthop writes its own), or
// an identity header the peer may not send.
func skipOutbound(k string, conn []string, peerTrusted bool) bool {
	if isHopHeader(k) || k == "Host" || k == "Content-Length" || isForwardingHeader(k) {
		return true
	}
	if identity, underscore := isIdentityHeader(k); identity && (underscore || !peerTrusted) {
		return true
	}
	return len(conn) > 0 && h1.ValuesHaveToken(conn, k)
}

var errInvalidHost = errors.New("proxy: request Host cannot be forwarded")

// writeUpstreamHead writes the head of the upstream request for r to bw:
// request line, Host, the inbound end-to-end headers, "Te: trailers" when
// the client accepts trailers, firsthop's forwarding headers, extra (the
// trace context, or nil) and the framing of r's body. It returns an error,
// having written a partial head that must never be flushed, when a value
// cannot be sent as it is.
func writeUpstreamHead(bw *bufio.Writer, r *http.Request, st *requestState, extra http.Header) error {
	if err := writeRequestLine(bw, r, st.cleanPath, st.cleanRawPath); err != nil {
		return err
	}
	host := r.Host
	if st.upstreamHost != "" {
		host = st.upstreamHost
	}
	if host == "" {
		host = st.endpoint.Addr.String()
	}
	if !httpguts.ValidHostHeader(host) {
		return errInvalidHost
	}
	if err := h1.WriteField(bw, "Host", host); err != nil {
		return err
	}
	conn := r.Header["Connection"]
	trusted := st.fwd.identityTrusted()
	for k, vv := range r.Header {
		if skipOutbound(k, conn, trusted) || extra[k] != nil {
			continue
		}
		if k == "User-Agent" {
			// As http.Transport: the first value only, none when empty.
			if len(vv) > 0 && vv[0] != "" {
				if err := h1.WriteField(bw, k, vv[0]); err != nil {
					return err
				}
			}
			continue
		}
		for _, v := range vv {
			if err := h1.WriteField(bw, k, v); err != nil {
				return err
			}
		}
	}
	if h1.ValuesHaveToken(r.Header["Te"], "trailers") {
		bw.WriteString("Te: trailers\r\n")
	}
	for i, name := range forwardingHeaderNames {
		if v, ok := appendForwardingValue(st.scratch[:0], i, st.headers, &st.fwd); ok {
			if err := h1.WriteFieldBytes(bw, name, v); err != nil {
				return err
			}
		}
	}
	for k, vv := range extra {
		for _, v := range vv {
			if err := h1.WriteField(bw, k, v); err != nil {
				return err
			}
		}
	}
	switch {
	case r.ContentLength > 0:
		h1.WriteContentLength(bw, r.ContentLength)
	case r.ContentLength == 0:
		// As http.Transport: an empty body is announced except on GET
		// and HEAD.
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h1.WriteContentLength(bw, 0)
		}
	default:
		bw.WriteString("Transfer-Encoding: chunked\r\n")
		if names := requestTrailerNames(r.Trailer); len(names) > 0 {
			for _, k := range names {
				if err := h1.WriteField(bw, "Trailer", k); err != nil {
					return err
				}
			}
		}
	}
	_, err := bw.WriteString("\r\n")
	return err
}

// writeRequestLine writes the request line for r: its method and the
// request target http.Transport would send for the proxied URL — the
// cleaned path when it differs from the request's (escaped as
// cleanRawPath when that is set, else canonically), the escaped path, and
// the query with unparsable parameters removed as
// httputil.ReverseProxy removes them.
func writeRequestLine(bw *bufio.Writer, r *http.Request, cleanPath, cleanRawPath string) error {
	u := url.URL{Path: r.URL.Path, RawPath: r.URL.RawPath}
	if cleanPath != "" {
		u.Path, u.RawPath = cleanPath, cleanRawPath
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	query := cleanQueryParams(r.URL.RawQuery)
	if query == "" && !r.URL.ForceQuery {
		return h1.WriteRequestLine(bw, r.Method, path)
	}
	return h1.WriteRequestLine(bw, r.Method, path, "?", query)
}

// requestTrailerNames returns the request trailer fields forwarded: the
// declared ones except framing, hop-by-hop, forwarding and identity
// headers, which a trailer may not carry.
func requestTrailerNames(tr http.Header) []string {
	var names []string
	for k := range tr {
		if !forbiddenTrailer(k) {
			names = append(names, k)
		}
	}
	return names
}

// forbiddenTrailer reports whether the canonical key k may not travel as a
// trailer field, in either direction.
func forbiddenTrailer(k string) bool {
	switch k {
	case "Content-Length", "Host", "Content-Type", "Content-Encoding", "Content-Range", "Authorization", "Set-Cookie":
		return true
	}
	identity, _ := isIdentityHeader(k)
	return identity || isHopHeader(k) || isForwardingHeader(k)
}

// cleanQueryParams returns the query with parameters that
// url.ParseQuery refuses removed, re-encoded; a query without ';' or bad
// '%' escapes comes back unchanged (this is httputil.ReverseProxy's rule,
// so that the backend and firsthop read the same parameters).
func cleanQueryParams(s string) string {
	reencode := func(s string) string {
		v, _ := url.ParseQuery(s)
		return v.Encode()
	}
	for i := 0; i < len(s); {
		switch s[i] {
		case ';':
			return reencode(s)
		case '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return reencode(s)
			}
			i += 3
		default:
			i++
		}
	}
	return s
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
