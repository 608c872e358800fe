package proxy

import (
	"net/url"
	"strings"

	"github.com/firsthop/firsthop/model"
)

// pathAmbiguity returns why firsthop refuses the request q, whose clean
// path it routes by rule (nil: no route), or "" when it does not.
//
// Backends do not all read a path alike: Tomcat, Jetty and Spring take ";"
// to start path parameters, which they drop from each segment (so
// "/api/..;/admin" is "/admin" to them), and IIS and some Node.js servers
// take "\" for "/". Where such a reading would pick another route, the
// backend behind this one could serve a path that another route covers, so
// the request is refused. So is a path holding a control character (after
// percent-decoding), where a backend written in C may end the path.
func (t *Table) pathAmbiguity(q *routeRequest, rule *pathRule) string {
	p := q.path
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
	alt := *q
	for _, a := range alts[:n] {
		if alt.path, _ = model.CleanPath(a); t.route(&alt) != rule {
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

// hasEncodedSlash reports whether the escaped path p holds an encoded
// slash, "%2F" or "%2f".
func hasEncodedSlash(p string) bool {
	for i := 0; i+2 < len(p); i++ {
		if p[i] == '%' && p[i+1] == '2' && (p[i+2] == 'F' || p[i+2] == 'f') {
			return true
		}
	}
	return false
}

// encodedSlashes decides what is forwarded for the request q whose
// escaped path raw holds an encoded slash, routed by rule (nil: none) on
// q.path, its path decoded and cleaned; it returns why the request is
// refused, or "".
//
// Routing reads "%2F" as "/". A backend may instead read it as part of a
// segment (see keepSlashPath), and where the two readings pick different
// routes and either route keeps encoded slashes the request is refused,
// so that "%2F" cannot carry a request into or out of such a route (as
// "/public/..%2Fadmin" would). Otherwise, a route that keeps encoded
// slashes gets the path read the second way, "%2F" kept, after the checks
// of pathAmbiguity; any other route gets clean, the path it was routed
// on.
func (t *Table) encodedSlashes(q *routeRequest, raw string, rule *pathRule, st *requestState) string {
	route, decoded, escaped, ok := keepSlashPath(raw)
	if !ok {
		return "request path is not validly escaped"
	}
	keeps := func(r *pathRule) bool { return r != nil && r.keepEncodedSlashes }
	alt := *q
	alt.path = route
	kept := t.route(&alt)
	switch {
	case kept != rule && (keeps(rule) || keeps(kept)):
		return `request path routes differently where "%2F" is part of a segment`
	case keeps(rule):
		if why := t.pathAmbiguity(&alt, rule); why != "" {
			return why
		}
		st.cleanPath, st.cleanRawPath = decoded, escaped
	default:
		st.cleanPath = q.path
	}
	return ""
}

// keepSlashPath reads the escaped absolute path p as a backend that keeps
// encoded slashes does: "%2F" is part of a segment, not a separator. Each
// segment is decoded once, "." and ".." segments are resolved and empty
// ones dropped, as CleanPath does, and a trailing slash is kept. It
// returns the result three ways: route, for the router, writes each
// encoded slash as the three characters "%2F" (route paths hold no "%",
// so it never starts or ends a route's path element); decoded has them as
// "/"; escaped is the path to forward, with "%2F" for them. ok is false
// for a path that is not absolute or not validly escaped.
func keepSlashPath(p string) (route, decoded, escaped string, ok bool) {
	if p == "" || p[0] != '/' {
		return "", "", "", false
	}
	var segs []string
	for s := range strings.SplitSeq(p[1:], "/") {
		dec, err := url.PathUnescape(s)
		if err != nil {
			return "", "", "", false
		}
		switch dec {
		case "", ".":
		case "..":
			if len(segs) > 0 {
				segs = segs[:len(segs)-1]
			}
		default:
			segs = append(segs, dec)
		}
	}
	var r, d, e strings.Builder
	for _, s := range segs {
		r.WriteByte('/')
		r.WriteString(strings.ReplaceAll(s, "/", "%2F"))
		d.WriteByte('/')
		d.WriteString(s)
		e.WriteByte('/')
		e.WriteString(strings.ReplaceAll((&url.URL{Path: s}).EscapedPath(), "/", "%2F"))
	}
	if len(segs) == 0 || p[len(p)-1] == '/' {
		r.WriteByte('/')
		d.WriteByte('/')
		e.WriteByte('/')
	}
	return r.String(), d.String(), e.String(), true
}
