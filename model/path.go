package model

import (
	"path"
	"strings"
)

// CanonicalHost returns host lower-cased, without port and without a
// trailing dot: the form route hosts are stored in. It does not allocate
// when host is already canonical.
func CanonicalHost(host string) string {
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		if strings.HasPrefix(host, "[") {
			if end := strings.IndexByte(host, ']'); end > 0 {
				host = host[1:end]
			}
		} else if strings.IndexByte(host, ':') == i {
			host = host[:i]
		}
	}
	host = strings.TrimSuffix(host, ".")
	for i := 0; i < len(host); i++ {
		if c := host[i]; 'A' <= c && c <= 'Z' {
			return strings.ToLower(host)
		}
	}
	return host
}

// CleanPath returns the canonical form of an absolute request path: dot
// segments resolved, repeated slashes merged, a trailing slash kept. It is
// the path firsthop routes on and, when it differs from the request's, the
// path it forwards, so that the route chosen and the path the backend sees
// always agree. ok is false for a path that does not start with "/".
func CleanPath(p string) (clean string, ok bool) {
	if p == "" || p[0] != '/' {
		return "", false
	}
	if !needsClean(p) {
		return p, true
	}
	c := path.Clean(p)
	if p[len(p)-1] == '/' && c != "/" {
		c += "/"
	}
	return c, true
}

// needsClean reports whether p has a "//", "/./" or "/../" sequence (or ends
// in "/." or "/..").
func needsClean(p string) bool {
	for i := 0; i < len(p); i++ {
		if p[i] != '/' {
			continue
		}
		rest := p[i+1:]
		if strings.HasPrefix(rest, "/") {
			return true
		}
		if strings.HasPrefix(rest, ".") {
			rest = rest[1:]
			if rest == "" || rest[0] == '/' {
				return true
			}
			if rest[0] == '.' && (len(rest) == 1 || rest[1] == '/') {
				return true
			}
		}
	}
	return false
}

// PrefixPath returns the path a PathPrefix route with path p matches on:
// p without trailing slashes, "/" itself kept. Two Prefix routes whose
// paths have the same PrefixPath match the same requests.
func PrefixPath(p string) string {
	for len(p) > 1 && p[len(p)-1] == '/' {
		p = p[:len(p)-1]
	}
	return p
}
