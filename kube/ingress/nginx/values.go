package nginx

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/firsthop/firsthop/model"
)

// The value parsers read one annotation value each, as ingress-nginx's
// validators accept it, and return a clear error otherwise. Values come
// from Ingress authors: they are untrusted input (FuzzValues).

// parseBool reads "true"/"false" and the other spellings Go's
// strconv.ParseBool takes, as ingress-nginx does.
func parseBool(v string) (bool, error) {
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		return false, fmt.Errorf("%q is not true or false", v)
	}
	return b, nil
}

// maxSeconds bounds timeouts: a day is more than any proxy should wait.
const maxSeconds = 24 * 60 * 60

// parseSeconds reads a timeout in whole seconds ("60"), as ingress-nginx's
// timeout annotations are written, from 1 to a day.
func parseSeconds(v string) (time.Duration, error) {
	s := strings.TrimSpace(v)
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > maxSeconds {
		if _, derr := time.ParseDuration(s); derr == nil && strings.ContainsAny(s, "hmsuµn") {
			return 0, fmt.Errorf("%q: write whole seconds without a unit, like \"60\"", v)
		}
		return 0, fmt.Errorf("%q is not a whole number of seconds from 1 to %d", v, maxSeconds)
	}
	return time.Duration(n) * time.Second, nil
}

// maxSize bounds sizes at 1 TiB.
const maxSize = 1 << 40

// parseSize reads an nginx size: a whole number of bytes, optionally with
// a unit b, k, m or g (any case): "8m", "512k", "1000". Spaces are
// ignored, as ingress-nginx ignores them.
func parseSize(v string) (int64, error) {
	s := strings.ReplaceAll(v, " ", "")
	if s == "" {
		return 0, fmt.Errorf("%q is not a size", v)
	}
	mult := int64(1)
	switch s[len(s)-1] {
	case 'b', 'B':
		s = s[:len(s)-1]
	case 'k', 'K':
		mult, s = 1<<10, s[:len(s)-1]
	case 'm', 'M':
		mult, s = 1<<20, s[:len(s)-1]
	case 'g', 'G':
		mult, s = 1<<30, s[:len(s)-1]
	}
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, fmt.Errorf("%q is not a size (a whole number with an optional unit k, m or g, like \"8m\")", v)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n > maxSize/mult {
		return 0, fmt.Errorf("%q is larger than 1 TiB", v)
	}
	return n * mult, nil
}

// parseInt reads a whole number from lo to hi.
func parseInt(v string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%q is not a whole number from %d to %d", v, lo, hi)
	}
	return n, nil
}

// hasControl reports whether v holds a control character: ingress-nginx
// refuses CR and LF in every value (they would inject nginx directives);
// firsthop refuses them all.
func hasControl(v string) bool {
	for _, r := range v {
		if r < 0x20 || r == 0x7f {
			return true
		}
	}
	return false
}

// errVariable is the error of a value using an nginx variable firsthop
// cannot evaluate.
var errVariable = errors.New("nginx variables ($name) are not evaluated by firsthop")

// parseRedirectURL reads the URL of permanent-redirect or
// temporal-redirect: an absolute http or https URL. A URL ending in
// "$request_uri" (the common "https://new.example.com$request_uri") keeps
// the request's path and query; any other "$" is refused. status is the
// redirect's status.
func parseRedirectURL(v string, status int) (*model.Redirect, error) {
	s := strings.TrimSpace(v)
	keepURI := false
	if rest, ok := strings.CutSuffix(s, "$request_uri"); ok {
		s, keepURI = rest, true
	}
	if strings.Contains(s, "$") {
		return nil, fmt.Errorf("%q: %w; only a trailing $request_uri is understood", v, errVariable)
	}
	if hasControl(s) {
		return nil, fmt.Errorf("%q holds a control character", v)
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("%q is not a URL: %v", v, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%q: only http and https URLs are redirected to", v)
	}
	if u.Hostname() == "" || u.User != nil || u.Opaque != "" {
		return nil, fmt.Errorf("%q: want scheme://host[:port][/path]", v)
	}
	r := &model.Redirect{Scheme: u.Scheme, Host: strings.ToLower(u.Hostname()), Status: status}
	if p := u.Port(); p != "" {
		n, err := strconv.ParseUint(p, 10, 16)
		if err != nil || n == 0 {
			return nil, fmt.Errorf("%q: port %q is not from 1 to 65535", v, p)
		}
		r.Port = uint16(n)
	}
	switch {
	case keepURI && (u.Path != "" || u.RawQuery != "" || u.Fragment != ""):
		return nil, fmt.Errorf("%q: $request_uri must follow the host directly", v)
	case keepURI:
		// The request's path and query.
	case u.RawQuery != "" || u.Fragment != "":
		return nil, fmt.Errorf("%q: a query or fragment in the target is not supported (firsthop keeps the request's query)", v)
	default:
		path := u.EscapedPath()
		if path == "" {
			path = "/"
		}
		r.Path = &model.PathRewrite{Type: model.RewriteFullPath, Value: path}
	}
	return r, nil
}

// redirectCode reads a redirect status: ingress-nginx uses def for a
// value outside lo..hi; firsthop also for 300, 304, 305 and 306, which
// are not redirects a browser follows. ok is false when def was used for
// a value that was a number.
func redirectCode(v string, def, hi int) (code int, ok bool, err error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return def, false, fmt.Errorf("%q is not a status code", v)
	}
	switch n {
	case 301, 302, 303, 307, 308:
		if n <= hi {
			return n, true, nil
		}
	}
	return def, false, nil
}

// hostRE is a host name with an optional port, as upstream-vhost and
// proxy-ssl-name take it (no nginx variables).
var hostRE = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9_-]{0,62})(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62}))*\.?(:[0-9]{1,5})?$`)

// parseHost reads a host name, with a port when withPort.
func parseHost(v string, withPort bool) (string, error) {
	s := strings.TrimSpace(v)
	if strings.Contains(s, "$") {
		return "", fmt.Errorf("%q: %w; write the host name", v, errVariable)
	}
	if len(s) > 253+6 || !hostRE.MatchString(s) || (!withPort && strings.Contains(s, ":")) {
		return "", fmt.Errorf("%q is not a host name", v)
	}
	return strings.ToLower(s), nil
}

// tokenRE is an HTTP header name (RFC 9110 token).
var tokenRE = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")

// parseList splits a comma-separated list, trimming spaces and dropping
// empty entries; each entry must satisfy ok, else err names it.
func parseList(v string, what string, ok func(string) bool) ([]string, error) {
	var out []string
	for _, e := range strings.Split(v, ",") {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		if !ok(e) {
			return nil, fmt.Errorf("%q is not %s", e, what)
		}
		out = append(out, e)
	}
	return out, nil
}

// parseHeaderNames reads a comma-separated list of header names.
func parseHeaderNames(v string) ([]string, error) {
	return parseList(v, "a header name", tokenRE.MatchString)
}

// corsOriginRE is one allowed origin as ingress-nginx accepts it:
// scheme://[*.]host[:port], "*" or "null".
var corsOriginRE = regexp.MustCompile(`^([a-z]+://(\*\.)?[A-Za-z0-9\-.]+(:\d{1,5})?|\*|null)$`)

// parseCORSOrigins reads cors-allow-origin. "*" anywhere means every
// origin, as in ingress-nginx.
func parseCORSOrigins(v string) ([]string, error) {
	list, err := parseList(v, `an origin (scheme://host[:port], "*.example.com" as the host's first label, "*" or "null")`, corsOriginRE.MatchString)
	if err != nil {
		return nil, err
	}
	for _, o := range list {
		if o == "*" {
			return []string{"*"}, nil
		}
	}
	if len(list) == 0 {
		return nil, errors.New("no origin given")
	}
	return list, nil
}

// methodRE is an HTTP method as ingress-nginx's CORS list takes it.
var methodRE = regexp.MustCompile(`^[A-Za-z]+$`)

// parseCORSMethods reads cors-allow-methods, upper-cased.
func parseCORSMethods(v string) ([]string, error) {
	list, err := parseList(v, "a method (letters only)", methodRE.MatchString)
	if err != nil {
		return nil, err
	}
	for i, m := range list {
		list[i] = strings.ToUpper(m)
	}
	return list, nil
}

// corsHeaderRE is a header name as ingress-nginx's CORS lists take it.
var corsHeaderRE = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// parseCORSHeaders reads cors-allow-headers; with star also "*"
// (cors-expose-headers).
func parseCORSHeaders(v string, star bool) ([]string, error) {
	return parseList(v, "a header name (letters, digits, - and _)", func(s string) bool {
		return corsHeaderRE.MatchString(s) || (star && s == "*")
	})
}

// parseSecretRef reads "name" or "namespace/name" (DNS-1123 names).
func parseSecretRef(v string) (string, error) {
	s := strings.TrimSpace(v)
	ns, name, found := strings.Cut(s, "/")
	if !found {
		ns, name = "", s
	}
	if (found && !isDNSLabel(ns)) || !isDNSSubdomain(name) {
		return "", fmt.Errorf("%q is not \"name\" or \"namespace/name\"", v)
	}
	return s, nil
}

var (
	dnsLabelRE     = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)
	dnsSubdomainRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
)

func isDNSLabel(s string) bool     { return dnsLabelRE.MatchString(s) }
func isDNSSubdomain(s string) bool { return len(s) <= 253 && dnsSubdomainRE.MatchString(s) }

// parsePathValue reads a URL path such as app-root and x-forwarded-prefix
// take: it starts with "/" and holds no control characters, spaces or
// nginx variables.
func parsePathValue(v string) (string, error) {
	s := strings.TrimSpace(v)
	if strings.Contains(s, "$") {
		return "", fmt.Errorf("%q: %w", v, errVariable)
	}
	if !strings.HasPrefix(s, "/") || hasControl(s) || strings.ContainsAny(s, " ?#") {
		return "", fmt.Errorf("%q is not a path (it starts with \"/\", without spaces, query or fragment)", v)
	}
	return s, nil
}

// secondsDuration reads a whole number of seconds from 0 up (cookie
// max-age, CORS max-age).
func secondsDuration(v string) (time.Duration, error) {
	n, err := parseInt(v, 0, math.MaxInt32)
	if err != nil {
		return 0, err
	}
	return time.Duration(n) * time.Second, nil
}
