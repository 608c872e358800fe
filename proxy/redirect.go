package proxy

import (
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/firsthop/firsthop/model"
)

// redirect answers r with a's redirect (see [model.Redirect]): nothing is
// read from the request body or sent to a backend. The route's response
// headers apply.
func (h *handler) redirect(w http.ResponseWriter, r *http.Request, st *requestState, a *routeAction) {
	loc, ok := redirectLocation(r, st, a.redirect, a.prefix)
	if !ok {
		plainError(w, http.StatusBadRequest, "the request's host cannot be used in a redirect")
		return
	}
	hdr := w.Header()
	hdr.Set("Location", loc)
	hdr.Set("Content-Length", "0")
	a.respHeaders.apply(hdr)
	status := a.redirect.Status
	if status == 0 {
		status = http.StatusFound
	}
	w.WriteHeader(status)
}

// redirectLocation returns the Location of rd's redirect for r, routed by
// a route whose matched prefix is prefix. Each part rd leaves empty is the
// request's:
//
//   - scheme: "https" when r came over TLS or a trusted proxy says it
//     did (see requestScheme), else "http";
//   - host: r's Host without its port, lower case. Only a DNS name (a-z,
//     0-9, "-", "_", ".") or an IP address qualifies: ok is false for any
//     other, so that no Host a client writes (net/http lets "a,b;c=d"
//     through) puts anything but a host in the Location;
//   - port: rd.Port; without one, when rd.Scheme is set, that scheme's
//     well-known port, else the port the client connected to as
//     X-Forwarded-Port says (see requestPort). Port 80 with
//     http and 443 with https are left out (Gateway API's rule);
//   - path: r's clean path, rewritten by rd.Path;
//   - query: r's, as it came but for "#", written %23.
//
// An IPv6 host is bracketed.
func redirectLocation(r *http.Request, st *requestState, rd *model.Redirect, prefix string) (string, bool) {
	scheme := rd.Scheme
	if scheme == "" {
		scheme = requestScheme(st)
	}
	host := rd.Host
	if host == "" {
		host = model.CanonicalHost(r.Host)
		if !redirectableHost(host) {
			return "", false
		}
	}
	port := requestPort(st)
	switch {
	case rd.Port != 0:
		port = strconv.Itoa(int(rd.Port))
	case rd.Scheme != "":
		port = ""
	}
	if port == defaultPort(scheme) {
		port = ""
	}
	p, raw := st.forwardPath(r)
	if rd.Path != nil {
		p, raw = rewrittenPath(p, raw, rd.Path, prefix)
	}
	if raw == "" {
		raw = (&url.URL{Path: p}).EscapedPath()
	}
	var b strings.Builder
	b.WriteString(scheme)
	b.WriteString("://")
	if strings.IndexByte(host, ':') >= 0 {
		b.WriteString("[" + host + "]")
	} else {
		b.WriteString(host)
	}
	if port != "" {
		b.WriteString(":" + port)
	}
	b.WriteString(raw)
	if r.URL.RawQuery != "" || r.URL.ForceQuery {
		// A "#" the client sent stays in RawQuery: written as it is, it
		// would start a fragment of the Location.
		b.WriteString("?" + strings.ReplaceAll(r.URL.RawQuery, "#", "%23"))
	}
	return b.String(), true
}

// requestPort returns the port st's request arrived on, as firsthop
// believes it: a trusted peer's right-most X-Forwarded-Port (see
// [appendFromTrustedOr]) when that is a port number, else the port the
// client connected to (st.fwd.port; "" when unknown).
func requestPort(st *requestState) string {
	var buf [8]byte
	p, _ := appendFromTrustedOr(buf[:0], &st.fwd, "X-Forwarded-Port", st.fwd.port)
	if !isPortNumber(string(p)) {
		return st.fwd.port
	}
	return string(p)
}

// defaultPort returns the well-known port of scheme, "" for another.
func defaultPort(scheme string) string {
	switch scheme {
	case "http":
		return "80"
	case "https":
		return "443"
	}
	return ""
}

// redirectableHost reports whether host, canonical, is a DNS name of a-z,
// 0-9, "-", "_" and "." or an IP address without a zone.
func redirectableHost(host string) bool {
	if host == "" {
		return false
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return a.Zone() == ""
	}
	for i := 0; i < len(host); i++ {
		switch c := host[i]; {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}

// answer answers r with a's fixed response (see [model.DirectResponse]),
// the route's response headers applied.
func (a *routeAction) answer(w http.ResponseWriter, r *http.Request) {
	d := a.respond
	hdr := w.Header()
	switch {
	case d.ContentType != "":
		hdr.Set("Content-Type", d.ContentType)
	case d.Body != "":
		hdr.Set("Content-Type", "text/plain; charset=utf-8")
	}
	if bodyAllowedForStatus(d.Status) {
		hdr.Set("Content-Length", strconv.Itoa(len(d.Body)))
	}
	a.respHeaders.apply(hdr)
	w.WriteHeader(d.Status)
	if r.Method != http.MethodHead && bodyAllowedForStatus(d.Status) {
		_, _ = io.WriteString(w, d.Body)
	}
}
