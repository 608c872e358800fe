package proxy

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/firsthop/firsthop/model"
)

// rewrittenPath returns the request path p, whose escaped form is raw
// ("" when it is p's canonical escaping), with pr applied, and the
// escaped form of the result ("" for canonical). prefix is the route's
// path as the router matched it ("/" for the root, else without a
// trailing slash).
//
// A prefix rewrite replaces prefix and keeps the rest, with Gateway API's
// ReplacePrefixMatch rules for slashes: neither prefix nor the
// replacement brings a trailing slash of its own, and an empty result is
// "/". On "/api", "/v2" turns "/api/x" into "/v2/x" and "/api" into
// "/v2"; "/" turns "/api/x" into "/x" and "/api" into "/". An escaped
// path that holds "%2F" kept by the route (see
// [model.Route.KeepEncodedSlashes]) is rewritten in its escaped form, so
// the encoded slashes stay encoded.
func rewrittenPath(p, raw string, pr *model.PathRewrite, prefix string) (path, escaped string) {
	if pr.Type == model.RewriteFullPath {
		return pr.Value, ""
	}
	if prefix == "/" {
		prefix = ""
	}
	value := strings.TrimSuffix(pr.Value, "/")
	if raw != "" {
		rest, ok := cutPathPrefix(raw, (&url.URL{Path: prefix}).EscapedPath())
		if !ok {
			return p, raw
		}
		nr := (&url.URL{Path: value}).EscapedPath() + rest
		if nr == "" {
			nr = "/"
		}
		if np, err := url.PathUnescape(nr); err == nil {
			return np, nr
		}
		return p, raw
	}
	rest, ok := cutPathPrefix(p, prefix)
	if !ok {
		return p, raw
	}
	if np := value + rest; np != "" {
		return np, ""
	}
	return "/", ""
}

// cutPathPrefix returns p without prefix when prefix is a whole-element
// prefix of p ("" and "/a" are of "/a/b", "/a" is not of "/ab"), the
// route matched on it; ok is false otherwise, when there is nothing to
// replace.
func cutPathPrefix(p, prefix string) (rest string, ok bool) {
	rest, ok = strings.CutPrefix(p, prefix)
	return rest, ok && (rest == "" || rest[0] == '/')
}

// forwardPath returns the path forwarded for r and its escaped form (""
// for canonical): the clean one when it differs from r's (see
// requestState.cleanPath).
func (st *requestState) forwardPath(r *http.Request) (path, escaped string) {
	if st.cleanPath != "" {
		return st.cleanPath, st.cleanRawPath
	}
	return r.URL.Path, ""
}

// rewritePath makes the path forwarded for r the one pr gives.
func (st *requestState) rewritePath(r *http.Request, pr *model.PathRewrite, prefix string) {
	p, raw := st.forwardPath(r)
	st.cleanPath, st.cleanRawPath = rewrittenPath(p, raw, pr, prefix)
}
