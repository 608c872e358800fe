package proxy

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/firsthop/firsthop/model"
)

// affinity is a backend's compiled [model.Affinity]: the cookie that names
// an endpoint, and the endpoints by the value that names them. It is built
// with the backend and never modified.
type affinity struct {
	spec model.Affinity
	// byKey holds every endpoint the backend may pick (its groups), by
	// cookie value, with its tier.
	byKey map[string]stickyEndpoint
	// keys is the cookie value of each of those endpoints.
	keys map[*upstream]string
	// attrs is what follows the value in Set-Cookie, but for Path,
	// Expires and Secure, which depend on the request.
	attrs string
}

// stickyEndpoint is an endpoint a cookie can name.
type stickyEndpoint struct {
	up   *upstream
	tier Tier
}

// stickyKeyLen is the length of a cookie value: 128 bits of SHA-256, hex.
const stickyKeyLen = 32

// stickyKey returns the cookie value that names the endpoint addr of the
// backend name: a hash of both, so that the value does not show the
// address, and reads alike in every replica and after a restart (as
// ingress-nginx's, salted with the backend's name).
func stickyKey(name, addr string) string {
	sum := sha256.Sum256([]byte(name + "\x00" + addr))
	return hex.EncodeToString(sum[:stickyKeyLen/2])
}

// newAffinity compiles a for the backend name whose endpoints to pick are
// groups, of tiers; nil when a is nil.
func newAffinity(a *model.Affinity, name string, groups [][]*upstream, tiers []Tier) *affinity {
	if a == nil {
		return nil
	}
	af := &affinity{spec: *a, byKey: map[string]stickyEndpoint{}, keys: map[*upstream]string{}}
	for i, g := range groups {
		for _, u := range g {
			k := stickyKey(name, u.Addr.String())
			af.byKey[k] = stickyEndpoint{up: u, tier: tiers[i]}
			af.keys[u] = k
		}
	}
	attrs := []byte{}
	if a.Domain != "" {
		attrs = append(attrs, "; Domain="...)
		attrs = append(attrs, a.Domain...)
	}
	if a.MaxAge > 0 {
		attrs = append(attrs, "; Max-Age="...)
		attrs = strconv.AppendInt(attrs, int64(a.MaxAge/time.Second), 10)
	}
	attrs = append(attrs, "; HttpOnly"...)
	if a.SameSite != "" {
		attrs = append(attrs, "; SameSite="...)
		attrs = append(attrs, a.SameSite...)
	}
	af.attrs = string(attrs)
	return af
}

// pickFor returns the endpoint for the request of st with header h, routed
// by rule: for a backend with affinity, the endpoint the request's cookie
// names when it is usable (see [backend.usable]), whatever its tier;
// otherwise, and for a backend without affinity, [backend.pick]'s.
func (b *backend) pickFor(h http.Header, st *requestState, rule *pathRule) (*upstream, Tier, bool) {
	a := b.affinity
	if a == nil {
		return b.pick(nil)
	}
	st.stickyRule = rule
	if v, ok := cookieValue(h["Cookie"], a.spec.CookieName); ok && len(v) == stickyKeyLen {
		if e, ok := a.byKey[v]; ok {
			st.stickyFrom = e.up
			var now int64
			if b.usable(e.up, nil, &now) {
				return e.up, e.tier, true
			}
		}
	}
	return b.pick(nil)
}

// setAffinityCookie adds to h, the header of the backend's answer to st's
// request, the cookie naming the endpoint that answered, when the backend
// has affinity and the request's cookie named another endpoint or none.
func (st *requestState) setAffinityCookie(h http.Header) {
	b := st.backend
	if b == nil || b.affinity == nil || st.up == nil || st.up == st.stickyFrom {
		return
	}
	a := b.affinity
	key, ok := a.keys[st.up]
	if !ok {
		return // not reached: st.up is one of b's groups
	}
	c := make([]byte, 0, 128)
	c = append(c, a.spec.CookieName...)
	c = append(c, '=')
	c = append(c, key...)
	c = append(c, "; Path="...)
	c = append(c, st.cookiePath()...)
	if a.spec.Expires > 0 {
		c = append(c, "; Expires="...)
		c = time.Now().Add(a.spec.Expires).UTC().AppendFormat(c, http.TimeFormat)
	}
	c = append(c, a.attrs...)
	if a.spec.Secure || arrivedOverHTTPS(st) {
		c = append(c, "; Secure"...)
	}
	h.Add("Set-Cookie", string(c))
}

// cookiePath returns the affinity cookie's Path for st's request: the
// affinity's own, else the path of the Prefix or Exact route that matched,
// else "/".
func (st *requestState) cookiePath() string {
	if p := st.backend.affinity.spec.Path; p != "" {
		return p
	}
	if r := st.stickyRule; r != nil && r.typ != model.PathRegex && r.path != "" {
		return r.path
	}
	return "/"
}

// cookieValue returns the value of the first cookie called name in the
// Cookie header field lines, and whether there is one. It allocates
// nothing. The lines are the client's, untrusted; they are read as
// net/http reads them: pairs split at ";", white space dropped around a
// pair and around its name, a pair without "=" an empty value, a value
// in double quotes without them, a value holding a byte a cookie value
// cannot (a control character, '"', ';', '\\') skipped.
func cookieValue(lines []string, name string) (string, bool) {
	for _, line := range lines {
		for line != "" {
			var pair string
			if i := strings.IndexByte(line, ';'); i >= 0 {
				pair, line = line[:i], line[i+1:]
			} else {
				pair, line = line, ""
			}
			n, v, _ := strings.Cut(textproto.TrimString(pair), "=")
			if textproto.TrimString(n) != name {
				continue
			}
			if len(v) > 1 && v[0] == '"' && v[len(v)-1] == '"' {
				v = v[1 : len(v)-1]
			}
			if validCookieValue(v) {
				return v, true
			}
		}
	}
	return "", false
}

// validCookieValue reports whether v holds only bytes net/http accepts in
// a cookie value: printable ASCII and space, but '"', ';' and '\\'.
func validCookieValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c >= 0x7f || c == '"' || c == ';' || c == '\\' {
			return false
		}
	}
	return true
}

// sameBackendExtras reports whether a and b have the same affinity and
// TLS material: the part of [sameBackend] for the settings of this file
// and backendtls.go.
func sameBackendExtras(a, b *model.Backend) bool {
	return (a.Affinity == nil) == (b.Affinity == nil) && (a.Affinity == nil || *a.Affinity == *b.Affinity) &&
		bytes.Equal(a.TLSRootCAs, b.TLSRootCAs) && bytes.Equal(a.TLSClientCert, b.TLSClientCert) &&
		bytes.Equal(a.TLSClientKey, b.TLSClientKey)
}
