package proxy

import (
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/net/http/httpguts"
	"golang.org/x/net/http2/hpack"
)

// h2RequestHead is a request as its HTTP/2 header block states it, checked
// by [parseH2Request].
type h2RequestHead struct {
	method, scheme, authority, path string
	// header holds the regular fields under their canonical names, Host
	// and Expect: 100-continue and Trailer taken out, cookies joined.
	header     http.Header
	url        *url.URL
	requestURI string
	// trailer holds the trailer names the request declared, with no
	// values yet; nil without.
	trailer http.Header
	// contentLength is the declared length, -1 without (0 when the
	// block ends the stream).
	contentLength int64
	needsContinue bool
}

// h2MalformedError says why a request's header block is malformed (RFC
// 9113 section 8.1.1): the stream is reset with PROTOCOL_ERROR.
type h2MalformedError string

func (e h2MalformedError) Error() string { return "http2: malformed request: " + string(e) }

// h2ConnectionHeaders are the connection-specific fields an HTTP/2 message
// must not carry (RFC 9113 section 8.2.2), by lower-case name.
var h2ConnectionHeaders = map[string]bool{
	"connection": true, "keep-alive": true, "proxy-connection": true, "transfer-encoding": true, "upgrade": true,
}

// parseH2Request checks the fields of a request's header block, as the
// HPACK decoder gave them in order, and returns the request they state;
// endStream says the block ended the stream (no body). canon returns the
// canonical form of a lower-case field name (nil: http.CanonicalHeaderKey).
//
// It refuses, as RFC 9113 section 8 asks and as net/http's server does
// (and a little more strictly): pseudo-header fields after regular ones,
// unknown, repeated or response pseudo-header fields, :protocol (extended
// CONNECT is not offered), field names that are not lower-case tokens,
// values with CR, LF or NUL, connection-specific fields, TE other than
// "trailers", a CONNECT with :scheme or :path or without :authority, a
// request without :method, :scheme (http or https) or :path, a :path that
// is not origin-form ("*" for OPTIONS only), userinfo in :authority, a
// Content-Length that is not one decimal number, and a non-zero
// Content-Length on a request without body.
func parseH2Request(fields []hpack.HeaderField, endStream bool, canon func(string) string) (h2RequestHead, error) {
	if canon == nil {
		canon = http.CanonicalHeaderKey
	}
	var rq h2RequestHead
	var seen uint8
	const (
		sawMethod = 1 << iota
		sawScheme
		sawAuthority
		sawPath
	)
	regular := 0
	for i, f := range fields {
		if !strings.HasPrefix(f.Name, ":") {
			regular = len(fields) - i
			break
		}
		var bit uint8
		switch f.Name {
		case ":method":
			bit, rq.method = sawMethod, f.Value
		case ":scheme":
			bit, rq.scheme = sawScheme, f.Value
		case ":authority":
			bit, rq.authority = sawAuthority, f.Value
		case ":path":
			bit, rq.path = sawPath, f.Value
		default:
			return rq, h2MalformedError("pseudo-header field " + strconv.Quote(f.Name))
		}
		if seen&bit != 0 {
			return rq, h2MalformedError("repeated " + f.Name)
		}
		seen |= bit
		if !httpguts.ValidHeaderFieldValue(f.Value) {
			return rq, h2MalformedError("invalid value of " + f.Name)
		}
	}
	if rq.method == http.MethodConnect {
		if seen&(sawScheme|sawPath) != 0 || rq.authority == "" {
			return rq, h2MalformedError("CONNECT with :scheme or :path, or without :authority")
		}
	} else if rq.method == "" || rq.path == "" || rq.scheme != "http" && rq.scheme != "https" {
		return rq, h2MalformedError("no :method, :path, or :scheme http or https")
	}
	if !validMethod(rq.method) {
		return rq, h2MalformedError("invalid :method")
	}

	// One backing array for the values: a field name seen once (most)
	// costs no allocation of its own.
	values := make([]string, regular)
	rq.header = make(http.Header, regular)
	var cookies int
	for i, f := range fields[len(fields)-regular:] {
		if strings.HasPrefix(f.Name, ":") {
			return rq, h2MalformedError("pseudo-header field after regular fields")
		}
		if !validLowerFieldName(f.Name) {
			return rq, h2MalformedError("invalid field name " + strconv.Quote(f.Name))
		}
		if !httpguts.ValidHeaderFieldValue(f.Value) {
			return rq, h2MalformedError("invalid value of " + f.Name)
		}
		if h2ConnectionHeaders[f.Name] {
			return rq, h2MalformedError("connection-specific field " + f.Name)
		}
		switch f.Name {
		case "te":
			if f.Value != "trailers" || len(rq.header["Te"]) > 0 {
				return rq, h2MalformedError(`TE other than "trailers"`)
			}
		case "cookie":
			cookies++
		}
		k := canon(f.Name)
		values[i] = f.Value
		if vv, ok := rq.header[k]; ok {
			rq.header[k] = append(vv, f.Value)
		} else {
			rq.header[k] = values[i : i+1 : i+1]
		}
	}
	if cookies > 1 {
		// RFC 9113 section 8.2.3: one field for HTTP/1.1 backends.
		rq.header["Cookie"] = []string{strings.Join(rq.header["Cookie"], "; ")}
	}
	if rq.authority == "" {
		rq.authority = rq.header.Get("Host")
	}
	// The HTTP/1.1 reading of Host: promoted to Request.Host.
	delete(rq.header, "Host")
	if strings.IndexByte(rq.authority, '@') >= 0 {
		return rq, h2MalformedError("userinfo in :authority")
	}
	if rq.authority != "" && !httpguts.ValidHostHeader(rq.authority) {
		return rq, h2MalformedError("invalid :authority")
	}
	if exp := rq.header["Expect"]; len(exp) > 0 && httpguts.HeaderValuesContainsToken(exp, "100-continue") {
		rq.needsContinue = !endStream
		delete(rq.header, "Expect")
	}
	for _, v := range rq.header["Trailer"] {
		for _, k := range strings.Split(v, ",") {
			switch k = textproto.CanonicalMIMEHeaderKey(textproto.TrimString(k)); k {
			case "", "Transfer-Encoding", "Trailer", "Content-Length":
			default:
				if rq.trailer == nil {
					rq.trailer = make(http.Header)
				}
				rq.trailer[k] = nil
			}
		}
	}
	delete(rq.header, "Trailer")

	rq.contentLength = -1
	if endStream {
		rq.contentLength = 0
	}
	if cl, ok := rq.header["Content-Length"]; ok {
		n, err := strconv.ParseUint(cl[0], 10, 63)
		if err != nil || cl[0][0] == '+' {
			return rq, h2MalformedError("invalid content-length")
		}
		for _, v := range cl[1:] {
			if v != cl[0] {
				return rq, h2MalformedError("conflicting content-length")
			}
		}
		if endStream && n != 0 {
			return rq, h2MalformedError("content-length on a request without body")
		}
		rq.contentLength = int64(n)
	}

	if rq.method == http.MethodConnect {
		rq.url, rq.requestURI = &url.URL{Host: rq.authority}, rq.authority
		return rq, nil
	}
	if rq.path == "*" {
		if rq.method != http.MethodOptions {
			return rq, h2MalformedError(`":path" "*" with a method other than OPTIONS`)
		}
	} else if rq.path[0] != '/' {
		return rq, h2MalformedError(":path not in origin form")
	}
	u, err := url.ParseRequestURI(rq.path)
	if err != nil {
		return rq, h2MalformedError("invalid :path")
	}
	rq.url, rq.requestURI = u, rq.path
	return rq, nil
}

// validMethod reports whether m is a token (RFC 9110 section 9.1).
func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for i := 0; i < len(m); i++ {
		if !httpguts.IsTokenRune(rune(m[i])) {
			return false
		}
	}
	return true
}

// validLowerFieldName reports whether name is a field name as HTTP/2
// carries it: a non-empty token without upper-case letters.
func validLowerFieldName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'A' <= c && c <= 'Z' || !httpguts.IsTokenRune(rune(c)) {
			return false
		}
	}
	return true
}
