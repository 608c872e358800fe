package proxy

import (
	"path"
	"strings"
)

// canonicalHost returns host lower-cased, without port and without a
// trailing dot: the form route hosts are stored in. It does not allocate
// when host is already canonical.
func canonicalHost(host string) string {
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

// pathAmbiguity returns why firsthop refuses the clean request path p for
// host, which it routes by rule (nil: no route), or "" when it does not.
//
// Backends do not all read a path alike: Tomcat, Jetty and Spring take ";"
// to start path parameters, which they drop from each segment (so
// "/api/..;/admin" is "/admin" to them), and IIS and some Node.js servers
// take "\" for "/". Where such a reading would pick another route, the
// backend behind this one could serve a path that another route covers, so
// the request is refused. So is a path holding a control character (after
// percent-decoding), where a backend written in C may end the path.
func (t *Table) pathAmbiguity(host, p string, rule *pathRule) string {
	for i := 0; i < len(p); i++ {
		if c := p[i]; c < 0x20 || c == 0x7f {
			return "request path contains a control character"
		}
	}
	semi, back := strings.IndexByte(p, ';') >= 0, strings.IndexByte(p, '\\') >= 0
	if !semi && !back {
		return ""
	}
	var alts [3]string
	n := 0
	if back {
		alts[n] = strings.ReplaceAll(p, `\`, "/")
		n++
	}
	if semi {
		alts[n] = dropPathParams(p)
		n++
	}
	if semi && back {
		alts[n] = dropPathParams(alts[0])
		n++
	}
	for _, a := range alts[:n] {
		if c, _ := CleanPath(a); t.route(host, c) != rule {
			return `request path routes differently where ";" starts path parameters or "\" separates segments`
		}
	}
	return ""
}

// dropPathParams returns p without the ";parameters" of each segment, as
// servlet containers read it.
func dropPathParams(p string) string {
	var b strings.Builder
	for p != "" {
		i := strings.IndexByte(p, ';')
		if i < 0 {
			b.WriteString(p)
			break
		}
		b.WriteString(p[:i])
		p = p[i:]
		if j := strings.IndexByte(p, '/'); j >= 0 {
			p = p[j:]
		} else {
			p = ""
		}
	}
	return b.String()
}
