package proxy

import "net/http"

// canonical returns the canonical form of the lower-case field name k.
func (c *h2Conn) canonical(k string) string {
	if v, ok := h2CommonCanonical[k]; ok {
		return v
	}
	if v, ok := c.canon[k]; ok {
		return v
	}
	v := http.CanonicalHeaderKey(k)
	if len(c.canon) < 64 {
		c.canon[k] = v
	}
	return v
}

// lowerName returns the lower-case form of the canonical field name k.
// Called with mu held.
func (c *h2Conn) lowerName(k string) string {
	if v, ok := h2CommonLower[k]; ok {
		return v
	}
	if v, ok := c.lower[k]; ok {
		return v
	}
	v := asciiLower(k)
	if len(c.lower) < 64 {
		c.lower[k] = v
	}
	return v
}

func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// h2CommonCanonical and h2CommonLower map common field names between their
// lower-case and canonical forms.
var h2CommonCanonical, h2CommonLower = func() (map[string]string, map[string]string) {
	names := []string{"Accept", "Accept-Charset", "Accept-Encoding", "Accept-Language", "Accept-Ranges",
		"Access-Control-Allow-Credentials", "Access-Control-Allow-Headers", "Access-Control-Allow-Methods",
		"Access-Control-Allow-Origin", "Access-Control-Expose-Headers", "Access-Control-Max-Age",
		"Access-Control-Request-Headers", "Access-Control-Request-Method", "Age", "Allow", "Authorization",
		"Cache-Control", "Connection", "Content-Disposition", "Content-Encoding", "Content-Language",
		"Content-Length", "Content-Location", "Content-Range", "Content-Type", "Cookie", "Date", "Etag",
		"Expect", "Expires", "Forwarded", "From", "Grpc-Encoding", "Grpc-Accept-Encoding", "Grpc-Message",
		"Grpc-Status", "Grpc-Timeout", "Host", "If-Match", "If-Modified-Since", "If-None-Match",
		"If-Range", "If-Unmodified-Since", "Keep-Alive", "Last-Modified", "Link", "Location",
		"Max-Forwards", "Origin", "Proxy-Authenticate", "Proxy-Authorization", "Proxy-Connection", "Range",
		"Referer", "Refresh", "Retry-After", "Server", "Set-Cookie", "Strict-Transport-Security", "Te",
		"Trailer", "Transfer-Encoding", "Upgrade", "User-Agent", "Vary", "Via", "Www-Authenticate",
		"X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Port", "X-Forwarded-Proto", "X-Real-Ip",
		"X-Request-Id", "Traceparent", "Tracestate"}
	canon, lower := map[string]string{}, map[string]string{}
	for _, n := range names {
		l := asciiLower(n)
		canon[l], lower[n] = n, l
	}
	return canon, lower
}()
