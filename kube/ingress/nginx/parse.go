package nginx

import (
	"fmt"
	"net/textproto"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/firsthop/firsthop/model"
)

// Parse reads the ingress-nginx annotations among annotations (those
// with [Prefix]; others are ignored) into the [Features] they mean on the
// routing model, and the [Finding]s about them, sorted by annotation.
//
// Every annotation set gets at least one finding: its catalogue status
// (Info when served, Difference, Warning when not served) or what its
// value made of it. A malformed value is an Error and is not used: the
// setting falls back to what ingress-nginx falls back to, except where
// that would open access (CORS origins, credentials), and an annotation
// that guards access (authentication, snippets) makes the Ingress fail
// closed ([Features.FailClosed]) when it is malformed, refused or not
// served yet. An empty value is ignored, as ingress-nginx ignores it.
func Parse(annotations map[string]string) (Features, []Finding) {
	p := &parser{values: map[string]string{}, settled: map[string]bool{}, closes: map[string]bool{}, inert: map[string]bool{}}
	for k, v := range annotations {
		if name, ok := strings.CutPrefix(k, Prefix); ok {
			p.values[name] = v
		}
	}
	p.timeouts()
	p.body()
	p.redirects()
	p.httpsRedirect()
	p.rewrite()
	p.backend()
	p.backendTLS()
	p.cors()
	p.canary()
	p.affinity()
	p.basicAuth()
	p.externalAuth()
	p.authTLS()
	p.snippets()
	p.misc()
	p.statuses()
	slices.SortStableFunc(p.findings, func(a, b Finding) int { return strings.Compare(a.Annotation, b.Annotation) })
	return p.f, p.findings
}

// parser is the state of one Parse.
type parser struct {
	values   map[string]string // annotation name (no prefix) -> value
	f        Features
	findings []Finding
	// settled names the annotations a handler reported on, so that their
	// catalogue status is not repeated (unless they need a model change,
	// which is always said).
	settled map[string]bool
	// closes names the annotations that made the Ingress fail closed.
	closes map[string]bool
	// inert names the annotations that have no effect here (their family
	// is off): their catalogue status is not reported.
	inert map[string]bool
}

// get returns the annotation's value, trimmed, and whether it is set and
// not empty. An empty value is reported once as ignored.
func (p *parser) get(name string) (string, bool) {
	v, ok := p.values[name]
	if !ok {
		return "", false
	}
	if strings.TrimSpace(v) == "" {
		if !p.settled[name] {
			p.add(name, Info, "empty: ignored, as ingress-nginx ignores an empty value")
		}
		return "", false
	}
	return strings.TrimSpace(v), true
}

// add records a finding and settles name.
func (p *parser) add(name string, s Severity, msg string) {
	p.findings = append(p.findings, Finding{Annotation: name, Severity: s, Message: msg})
	p.settled[name] = true
}

// invalid records a malformed value: err, then what happens instead.
func (p *parser) invalid(name string, err error, instead string) {
	p.add(name, Error, err.Error()+"; "+instead)
}

// close makes the Ingress fail closed because of name.
func (p *parser) close(name string) {
	p.f.FailClosed = true
	p.closes[name] = true
}

// unused reports annotations of a family that have no effect because
// the one that turns the family on is not set.
func (p *parser) unused(on string, names ...string) {
	for _, n := range names {
		if _, ok := p.get(n); ok {
			p.add(n, Info, "has no effect without "+on+", as in ingress-nginx")
			p.inert[n] = true
		}
	}
}

// bool reads a boolean annotation; a malformed one is reported with
// instead and reads as def.
func (p *parser) bool(name string, def bool, instead string) (val, set bool) {
	v, ok := p.get(name)
	if !ok {
		return def, false
	}
	b, err := parseBool(v)
	if err != nil {
		p.invalid(name, err, instead)
		return def, false
	}
	return b, true
}

const closedNote = "every route of this Ingress answers 403 until then, so that nothing ingress-nginx kept closed is open"

// statuses reports the catalogue status of every annotation set that no
// handler settled, and of every one whose entry needs a model change.
func (p *parser) statuses() {
	names := make([]string, 0, len(p.values))
	for n := range p.values {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if _, ok := p.get(n); !ok {
			continue
		}
		a, known := Lookup(n)
		switch {
		case !known:
			p.add(n, Warning, "not an annotation ingress-nginx documents (a typo, or one it removed); ignored, as ingress-nginx ignores it")
		case p.inert[n]:
		case a.Needs != "" && a.Status != Refused && !p.warned(n):
			msg := "not served yet: firsthop needs " + a.Needs + ". Once served: " + a.Note
			if p.closes[n] {
				msg += "; " + closedNote
			}
			p.add(n, Warning, msg)
		case p.settled[n]:
		case a.Processor:
			s := Info
			if a.Status == Differs {
				s = Difference
			}
			p.add(n, s, a.Note+" (read by the Ingress processor; a malformed value makes every route of the Ingress answer 403)")
		case a.Status == Served:
			p.add(n, Info, a.Note)
		case a.Status == Differs:
			p.add(n, Difference, a.Note)
		default:
			msg := "not served: " + a.Note
			if p.closes[n] && !strings.Contains(msg, "not served while") {
				msg += "; " + closedNote
			}
			p.add(n, Warning, msg)
		}
	}
}

func (p *parser) timeouts() {
	if v, ok := p.get("proxy-connect-timeout"); ok {
		if d, err := parseSeconds(v); err != nil {
			p.invalid("proxy-connect-timeout", err, "ignored: connecting is bounded by 5s, ingress-nginx's default")
		} else {
			p.f.ConnectTimeout = d
		}
	}
	if v, ok := p.get("proxy-read-timeout"); ok {
		if d, err := parseSeconds(v); err != nil {
			p.invalid("proxy-read-timeout", err, "ignored: the response headers are awaited 60s, ingress-nginx's default")
		} else {
			p.f.BackendTimeout = d
		}
	}
	if v, ok := p.get("proxy-send-timeout"); ok {
		if _, err := parseSeconds(v); err != nil {
			p.invalid("proxy-send-timeout", err, "ignored")
		}
	}
	if v, ok := p.get("proxy-next-upstream-timeout"); ok {
		if n, err := parseInt(v, 0, maxSeconds); err != nil {
			p.invalid("proxy-next-upstream-timeout", err, "ignored: the exchange is not bounded beyond the other timeouts")
		} else if n == 0 {
			p.add("proxy-next-upstream-timeout", Info, "0: no bound beyond the other timeouts, as in ingress-nginx")
		} else {
			p.f.Timeout = secondsOf(n)
		}
	}
	if v, ok := p.get("proxy-next-upstream-tries"); ok {
		if _, err := parseInt(v, 0, 1<<16); err != nil {
			p.invalid("proxy-next-upstream-tries", err, "ignored")
		}
	}
}

func (p *parser) body() {
	if v, ok := p.get("proxy-body-size"); ok {
		if n, err := parseSize(v); err != nil {
			p.invalid("proxy-body-size", err, "ignored: no limit applies (ingress-nginx would apply its ConfigMap's, 1m by default)")
		} else {
			p.f.MaxRequestBodyBytes = &n
		}
	}
	if v, ok := p.get("client-body-buffer-size"); ok {
		if _, err := parseSize(v); err != nil {
			p.invalid("client-body-buffer-size", err, "ignored")
		}
	}
}

func (p *parser) redirects() {
	type kind struct {
		url, code string
		def, hi   int
	}
	temporal := kind{"temporal-redirect", "temporal-redirect-code", 302, 307}
	permanent := kind{"permanent-redirect", "permanent-redirect-code", 301, 308}
	_, hasTemporal := p.get(temporal.url)
	for _, k := range []kind{temporal, permanent} {
		raw, ok := p.get(k.url)
		if !ok {
			p.unused(k.url, k.code)
			continue
		}
		if k == permanent && hasTemporal {
			p.add(k.url, Difference, "not used: temporal-redirect is set too and wins, as in ingress-nginx")
			if _, ok := p.get(k.code); ok {
				p.add(k.code, Info, "not used: temporal-redirect wins, as in ingress-nginx")
				p.inert[k.code] = true
			}
			continue
		}
		status := k.def
		if c, ok := p.get(k.code); ok {
			code, valid, err := redirectCode(c, k.def, k.hi)
			switch {
			case err != nil:
				p.invalid(k.code, err, fmt.Sprintf("%d is used, as in ingress-nginx", k.def))
			case !valid:
				codes := "301, 302, 303 or 307"
				if k.hi == 308 {
					codes = "301, 302, 303, 307 or 308"
				}
				p.add(k.code, Difference, fmt.Sprintf("%s: firsthop answers this redirect with %s; %d is used", c, codes, k.def))
			default:
				p.add(k.code, Info, fmt.Sprintf("redirects answer %d", code))
			}
			status = code
		}
		r, err := parseRedirectURL(raw, status)
		if err != nil {
			p.invalid(k.url, err, "not redirected: requests are forwarded to the backend, as ingress-nginx does with a URL it refuses")
			continue
		}
		p.f.Redirect = r
	}
	if v, ok := p.get("app-root"); ok {
		if path, err := parsePathValue(v); err != nil {
			p.invalid("app-root", err, "ignored, as in ingress-nginx")
		} else {
			p.f.AppRoot = &model.Redirect{Path: &model.PathRewrite{Type: model.RewriteFullPath, Value: path}, Status: 302}
		}
	}
	if b, set := p.bool("from-to-www-redirect", false, "ignored: no www redirect"); set {
		p.f.FromToWWW = b
	}
	p.bool("relative-redirects", false, "ignored")
	p.bool("use-port-in-redirects", false, "ignored")
}

func secondsOf(n int) time.Duration { return time.Duration(n) * time.Second }

func (p *parser) httpsRedirect() {
	const instead = "ignored: plain-HTTP requests for hosts with TLS are redirected, ingress-nginx's default"
	if b, set := p.bool("ssl-redirect", true, instead); set && !b {
		p.f.HTTPSRedirect = RedirectNever
	}
	if b, set := p.bool("force-ssl-redirect", false, instead); set && b {
		p.f.HTTPSRedirect = RedirectAlways
	}
	p.bool("preserve-trailing-slash", false, "ignored")
}

// regexPathsNote says what rewrite-target does to the paths.
const regexPathsNote = `The Ingress's paths, and every path of its hosts, are case-insensitive regex prefixes, as in ingress-nginx ("/foo" matches "/FOO" and "/foobar"; see use-regex)`

// rewriteTargetRE is what ingress-nginx accepts in rewrite-target: a path
// with $1-style captures.
var rewriteTargetRE = regexp.MustCompile(`^/?[-._~a-zA-Z0-9/:$]*$`)

// captureRE finds a capture reference in a rewrite target, and
// variableRE a "$" that is not one (an nginx variable, or a lone "$").
var (
	captureRE  = regexp.MustCompile(`\$[0-9]`)
	variableRE = regexp.MustCompile(`\$([^0-9]|$)`)
)

func (p *parser) rewrite() {
	regex, _ := p.bool("use-regex", false, "ignored: paths are not regular expressions, as in ingress-nginx")
	p.f.RegexPaths = regex
	target, hasTarget := p.get("rewrite-target")
	if hasTarget {
		switch {
		case !rewriteTargetRE.MatchString(target):
			p.invalid("rewrite-target", fmt.Errorf("%q holds characters ingress-nginx refuses (letters, digits, -._~/: and $1-style captures only)", target), "ignored: paths are sent as they came, as in ingress-nginx")
			hasTarget = false
		case variableRE.MatchString(target):
			p.invalid("rewrite-target", fmt.Errorf("%q: %w; only $1-style captures are", target, errVariable), "ignored: paths are sent as they came")
			hasTarget = false
		case captureRE.MatchString(target):
			p.f.Rewrite = &model.Rewrite{Path: &model.PathRewrite{Type: model.RewriteRegex, Value: target}}
			p.add("rewrite-target", Difference, "the path sent to the backend is "+target+" with the $1-style captures of the path's regex match (model.RewriteRegex), as nginx's rewrite; a group the path lacks is empty. The result gets a leading \"/\" when it has none and is cleaned (dot segments resolved, \"//\" merged), so that no capture climbs above \"/\"; the query is kept. "+regexPathsNote)
		case !strings.HasPrefix(target, "/"):
			p.invalid("rewrite-target", fmt.Errorf("%q does not start with \"/\" and has no capture", target), "ignored: paths are sent as they came")
			hasTarget = false
		default:
			p.f.Rewrite = &model.Rewrite{Path: &model.PathRewrite{Type: model.RewriteFullPath, Value: target}}
			p.add("rewrite-target", Difference, "the whole path sent to the backend is "+target+" (nginx's rewrite replaces the whole path), the query kept. "+regexPathsNote)
		}
		if hasTarget {
			// ingress-nginx reads a host's paths as regexes when any of
			// its locations has a rewrite-target, captures or not.
			p.f.RegexPaths = true
		}
	}
	if v, ok := p.get("x-forwarded-prefix"); ok {
		switch {
		case strings.Contains(v, "$") || hasControl(v) || strings.ContainsAny(v, " \""):
			p.invalid("x-forwarded-prefix", fmt.Errorf("%q is not a path prefix (no spaces, quotes or nginx variables)", v), "no X-Forwarded-Prefix is sent")
		case !hasTarget:
			p.add("x-forwarded-prefix", Info, "has no effect without rewrite-target, as in ingress-nginx")
		default:
			p.f.RequestHeaders = &model.HeaderModifier{Set: []model.Header{{Name: "X-Forwarded-Prefix", Value: v}}}
		}
	}
}

func (p *parser) backend() {
	if v, ok := p.get("backend-protocol"); ok {
		var proto model.BackendProtocol
		set := true
		switch strings.ToLower(v) {
		case "http":
			proto = model.ProtocolHTTP1
			p.add("backend-protocol", Info, "HTTP/1.1 to the backend")
		case "auto_http":
			proto = model.ProtocolHTTP1
			p.add("backend-protocol", Difference, "AUTO_HTTP is served as HTTP: HTTP/1.1 to the backend")
		case "h2c", "grpc":
			proto = model.ProtocolH2C
			p.add("backend-protocol", Info, "HTTP/2 without TLS (h2c) to the backend")
		case "https", "grpcs":
			proto = model.ProtocolHTTPS
			if verify, _ := p.get("proxy-ssl-verify"); strings.EqualFold(verify, "on") || strings.EqualFold(verify, "off") {
				p.add("backend-protocol", Info, "TLS to the backend")
			} else {
				p.add("backend-protocol", Difference, `TLS to the backend, whose certificate firsthop verifies: ingress-nginx did not (proxy-ssl-verify defaults to "off"). A backend with a self-signed certificate needs proxy-ssl-secret with its CA, or proxy-ssl-verify: "off" written out`)
			}
		case "fcgi":
			set = false
			p.add("backend-protocol", Warning, "not served: firsthop does not speak FastCGI; put an HTTP server in front of the FastCGI application. Requests are sent as HTTP/1.1 meanwhile")
		default:
			set = false
			p.invalid("backend-protocol", fmt.Errorf("%q is not HTTP, HTTPS, GRPC, GRPCS, H2C, AUTO_HTTP or FCGI", v), "HTTP is used, as in ingress-nginx")
		}
		if set {
			p.f.Protocol = &proto
		}
	}
	if v, ok := p.get("upstream-vhost"); ok {
		host, err := parseHost(v, true)
		if _, port, hasPort := strings.Cut(host, ":"); err == nil && hasPort {
			if _, perr := parseInt(port, 1, 65535); perr != nil {
				err = fmt.Errorf("%q: the port is not a number from 1 to 65535", v)
			}
		}
		if err != nil {
			p.invalid("upstream-vhost", err, "the client's Host is sent")
		} else {
			if p.f.Rewrite == nil {
				p.f.Rewrite = &model.Rewrite{}
			}
			// The model's hosts have no trailing dot ("api.internal.").
			name, port, hasPort := strings.Cut(host, ":")
			host = strings.TrimSuffix(name, ".")
			if hasPort {
				host += ":" + port
			}
			p.f.Rewrite.Host = host
		}
	}
	if v, ok := p.get("proxy-http-version"); ok {
		switch v {
		case "1.1":
			p.add("proxy-http-version", Info, "HTTP/1.1, firsthop's")
		case "1.0":
			p.add("proxy-http-version", Difference, "HTTP/1.1 is spoken to the backend, not 1.0")
		default:
			p.invalid("proxy-http-version", fmt.Errorf("%q is not 1.0 or 1.1", v), "HTTP/1.1 is used")
		}
	}
	if v, ok := p.get("server-alias"); ok {
		hosts, err := parseList(v, "a host name", func(s string) bool {
			_, err := parseHost(strings.TrimPrefix(s, "*."), false)
			return err == nil
		})
		if err != nil {
			p.invalid("server-alias", err, "no alias is served")
		} else {
			for i := range hosts {
				hosts[i] = strings.TrimSuffix(strings.ToLower(hosts[i]), ".")
			}
			p.f.ServerAliases = hosts
		}
	}
	if v, ok := p.get("custom-headers"); ok {
		if ref, err := parseSecretRef(v); err != nil {
			p.invalid("custom-headers", err, "no header is added")
		} else {
			p.f.CustomHeaders = ref
		}
	}
}

func (p *parser) backendTLS() {
	if v, ok := p.get("proxy-ssl-verify"); ok {
		switch strings.ToLower(v) {
		case "on":
			p.add("proxy-ssl-verify", Info, "the backend's certificate is verified")
		case "off":
			p.f.TLSInsecureSkipVerify = true
			p.add("proxy-ssl-verify", Difference, "the backend's certificate is not verified, as written: anyone on the path to the backend can read and change its traffic. Prefer proxy-ssl-secret with the backend's CA")
		default:
			p.invalid("proxy-ssl-verify", fmt.Errorf("%q is not on or off", v), "the certificate is verified")
		}
	}
	if v, ok := p.get("proxy-ssl-name"); ok {
		if host, err := parseHost(v, false); err != nil {
			p.invalid("proxy-ssl-name", err, "the endpoint's address is sent and verified")
		} else {
			p.f.TLSServerName = strings.TrimSuffix(host, ".")
		}
	}
	if v, ok := p.get("proxy-ssl-secret"); ok {
		if ref, err := parseSecretRef(v); err != nil {
			p.invalid("proxy-ssl-secret", err, "the system's roots verify the backend")
		} else {
			p.f.TLSSecret = ref
		}
	}
	if v, ok := p.get("proxy-ssl-server-name"); ok {
		switch strings.ToLower(v) {
		case "on":
			p.add("proxy-ssl-server-name", Info, "SNI is sent, as firsthop always does")
		case "off":
			p.add("proxy-ssl-server-name", Difference, "SNI is sent anyway: firsthop always sends it")
		default:
			p.invalid("proxy-ssl-server-name", fmt.Errorf("%q is not on or off", v), "SNI is sent")
		}
	}
	if v, ok := p.get("proxy-ssl-verify-depth"); ok {
		if _, err := parseInt(v, 0, 100); err != nil {
			p.invalid("proxy-ssl-verify-depth", err, "ignored")
		}
	}
}

func (p *parser) cors() {
	names := []string{"cors-allow-origin", "cors-allow-methods", "cors-allow-headers", "cors-expose-headers", "cors-allow-credentials", "cors-max-age"}
	on, _ := p.bool("enable-cors", false, "CORS is off")
	if !on {
		p.unused(`enable-cors: "true"`, names...)
		return
	}
	c := &model.CORSPolicy{AllowOrigins: []string{"*"}, AllowMethods: defaultCORSMethods, AllowHeaders: defaultCORSHeaders, AllowCredentials: true,
		MaxAge: defaultCORSMaxAge, OriginWildcards: model.WildcardOneLabel}
	if v, ok := p.get("cors-allow-origin"); ok {
		if list, err := parseModelCORSOrigins(v); err != nil {
			c.AllowOrigins = nil
			p.invalid("cors-allow-origin", err, "no origin is allowed until it is fixed (ingress-nginx would have allowed every origin)")
		} else {
			c.AllowOrigins = list
		}
	}
	if v, ok := p.get("cors-allow-methods"); ok {
		if list, err := parseCORSMethods(v); err != nil {
			p.invalid("cors-allow-methods", err, "ingress-nginx's default list is used")
		} else {
			c.AllowMethods = list
		}
	}
	if v, ok := p.get("cors-allow-headers"); ok {
		if list, err := parseCORSHeaders(v, false); err != nil {
			p.invalid("cors-allow-headers", err, "ingress-nginx's default list is used")
		} else {
			c.AllowHeaders = list
		}
	}
	if v, ok := p.get("cors-expose-headers"); ok {
		if list, err := parseCORSHeaders(v, true); err != nil {
			p.invalid("cors-expose-headers", err, "no header is exposed")
		} else {
			c.ExposeHeaders = list
		}
	}
	if v, ok := p.get("cors-allow-credentials"); ok {
		b, err := parseBool(v)
		if err != nil {
			p.invalid("cors-allow-credentials", err, "credentials are not allowed until it is fixed (ingress-nginx would have allowed them)")
		}
		c.AllowCredentials = b
	}
	if v, ok := p.get("cors-max-age"); ok {
		if d, err := secondsDuration(v); err != nil {
			p.invalid("cors-max-age", err, "1728000 seconds, ingress-nginx's default, is used")
		} else {
			c.MaxAge = d
		}
	}
	if slices.Contains(c.ExposeHeaders, "*") {
		if c.AllowCredentials {
			// With credentials browsers read "*" as a header of that name.
			c.ExposeHeaders = slices.DeleteFunc(c.ExposeHeaders, func(h string) bool { return h == "*" })
		} else {
			c.ExposeHeaders = []string{"*"}
		}
	}
	if len(c.AllowOrigins) == 1 && c.AllowOrigins[0] == "*" && c.AllowCredentials {
		// ingress-nginx answers "Access-Control-Allow-Origin: *" with
		// credentials "true", a pair browsers refuse for credentialed
		// requests. Echoing the origin would let every site make them.
		c.AllowCredentials = false
		p.add("enable-cors", Difference, `every origin is allowed ("*") with credentials: firsthop answers "Access-Control-Allow-Origin: *" without Access-Control-Allow-Credentials, which browsers treat as ingress-nginx's "*" with "true": requests without credentials are allowed, credentialed ones refused. List the origins to allow credentials`)
	}
	p.f.CORS = c
}

// parseModelCORSOrigins reads cors-allow-origin into origins the routing
// model takes: lower case, each one model.ParseCORSOrigin reads.
func parseModelCORSOrigins(v string) ([]string, error) {
	list, err := parseCORSOrigins(v)
	if err != nil {
		return nil, err
	}
	for i, o := range list {
		o = strings.ToLower(o)
		if o != "*" && o != "null" {
			if _, err := model.ParseCORSOrigin(o); err != nil {
				return nil, err
			}
		}
		list[i] = o
	}
	return list, nil
}

// cookieNameRE is a cookie name (RFC 6265 token).
var cookieNameRE = tokenRE

func (p *parser) canary() {
	names := []string{"canary-weight", "canary-weight-total", "canary-by-header", "canary-by-header-value", "canary-by-header-pattern", "canary-by-cookie"}
	on, _ := p.bool("canary", false, "the Ingress is not a canary")
	if !on {
		p.unused(`canary: "true"`, names...)
		return
	}
	c := &Canary{WeightTotal: 100}
	if v, ok := p.get("canary-weight-total"); ok {
		if n, err := parseInt(v, 1, 1<<30); err != nil {
			p.invalid("canary-weight-total", err, "100 is used, as in ingress-nginx")
		} else {
			c.WeightTotal = uint32(n)
		}
	}
	if v, ok := p.get("canary-weight"); ok {
		if n, err := parseInt(v, 0, 1<<30); err != nil {
			p.invalid("canary-weight", err, "0 is used: no request goes to the canary by weight, as in ingress-nginx")
		} else {
			c.Weight = uint32(n)
		}
	}
	if v, ok := p.get("canary-by-header"); ok {
		if !tokenRE.MatchString(v) {
			p.invalid("canary-by-header", fmt.Errorf("%q is not a header name", v), "no header decides")
		} else {
			c.Header = textproto.CanonicalMIMEHeaderKey(v)
		}
	}
	if v, ok := p.get("canary-by-header-value"); ok {
		switch {
		case hasControl(v):
			p.invalid("canary-by-header-value", fmt.Errorf("%q holds a control character", v), "no header value decides")
		case c.Header == "":
			p.add("canary-by-header-value", Info, "has no effect without canary-by-header, as in ingress-nginx")
		default:
			c.HeaderValue = v
		}
	}
	if v, ok := p.get("canary-by-header-pattern"); ok {
		switch _, err := CompileRegex(v); {
		case err != nil:
			p.invalid("canary-by-header-pattern", err, "the pattern is not used: no header value matches it")
		case c.Header == "":
			p.add("canary-by-header-pattern", Info, "has no effect without canary-by-header, as in ingress-nginx")
		case c.HeaderValue != "":
			p.add("canary-by-header-pattern", Info, "not used: canary-by-header-value is set and wins, as in ingress-nginx")
		default:
			c.HeaderPattern = v
			p.add("canary-by-header-pattern", Difference, "a header value this RE2 pattern matches (anywhere in the value) sends the request to the canary; RE2 refuses PCRE-only syntax")
		}
	}
	if v, ok := p.get("canary-by-cookie"); ok {
		if !cookieNameRE.MatchString(v) {
			p.invalid("canary-by-cookie", fmt.Errorf("%q is not a cookie name", v), "no cookie decides")
		} else {
			c.Cookie = v
		}
	}
	p.f.Canary = c
}

func (p *parser) affinity() {
	names := []string{"affinity-mode", "affinity-canary-behavior", "session-cookie-name", "session-cookie-path", "session-cookie-domain", "session-cookie-samesite", "session-cookie-conditional-samesite-none", "session-cookie-expires", "session-cookie-max-age", "session-cookie-secure", "session-cookie-change-on-failure"}
	v, ok := p.get("affinity")
	if ok && !strings.EqualFold(v, "cookie") {
		p.invalid("affinity", fmt.Errorf("%q is not cookie (the only affinity type)", v), "no affinity, as in ingress-nginx")
		ok = false
	}
	if !ok {
		p.unused(`affinity: "cookie"`, names...)
		return
	}
	a := &model.Affinity{CookieName: "INGRESSCOOKIE"}
	if v, ok := p.get("session-cookie-name"); ok {
		if !cookieNameRE.MatchString(v) {
			p.invalid("session-cookie-name", fmt.Errorf("%q is not a cookie name", v), "INGRESSCOOKIE is used, as in ingress-nginx")
		} else {
			a.CookieName = v
		}
	}
	if v, ok := p.get("session-cookie-path"); ok {
		path, err := parsePathValue(v)
		if err == nil && strings.Contains(path, ";") {
			err = fmt.Errorf("%q holds \";\", which would end the cookie's Path", v)
		}
		if err != nil {
			p.invalid("session-cookie-path", err, "the route's path is used")
		} else {
			a.Path = path
		}
	}
	if v, ok := p.get("session-cookie-domain"); ok {
		if host, err := parseHost(strings.TrimPrefix(v, "."), false); err != nil {
			p.invalid("session-cookie-domain", err, "no Domain is written")
		} else {
			a.Domain = strings.TrimSuffix(host, ".")
		}
	}
	if v, ok := p.get("session-cookie-samesite"); ok {
		switch strings.ToLower(v) {
		case "none", "lax", "strict":
			a.SameSite = strings.ToUpper(v[:1]) + strings.ToLower(v[1:])
		default:
			p.invalid("session-cookie-samesite", fmt.Errorf("%q is not None, Lax or Strict", v), "no SameSite is written")
		}
	}
	if v, ok := p.get("session-cookie-max-age"); ok {
		if d, err := secondsDuration(v); err != nil {
			p.invalid("session-cookie-max-age", err, "a session cookie is written")
		} else {
			a.MaxAge = d
		}
	}
	if v, ok := p.get("session-cookie-expires"); ok {
		if d, err := secondsDuration(v); err != nil {
			p.invalid("session-cookie-expires", err, "a session cookie is written")
		} else {
			a.Expires = d
		}
	}
	a.Secure, _ = p.bool("session-cookie-secure", false, "the Secure attribute is not written")
	if change, set := p.bool("session-cookie-change-on-failure", false, `read as "true"`); set && !change {
		p.add("session-cookie-change-on-failure", Difference, `"false" is not followed: when another endpoint answers (the cookie's failed to connect), the client gets a cookie naming that one`)
	}
	p.bool("session-cookie-conditional-samesite-none", false, "ignored")
	if v, ok := p.get("affinity-mode"); ok && !strings.EqualFold(v, "balanced") && !strings.EqualFold(v, "persistent") {
		p.invalid("affinity-mode", fmt.Errorf("%q is not balanced or persistent", v), "balanced is used, as in ingress-nginx")
	}
	if v, ok := p.get("affinity-canary-behavior"); ok {
		switch strings.ToLower(v) {
		case "sticky", "legacy":
		default:
			p.invalid("affinity-canary-behavior", fmt.Errorf("%q is not sticky or legacy", v), "sticky is used, as in ingress-nginx")
		}
	}
	p.f.Affinity = a
}

func (p *parser) basicAuth() {
	names := []string{"auth-secret", "auth-secret-type", "auth-realm"}
	v, ok := p.get("auth-type")
	if !ok {
		p.unused("auth-type", names...)
		return
	}
	// The Ingress asked for authentication: it is served with it or not
	// at all. What it needs from the cluster (the Secret) is read by the
	// Ingress processor, which fails closed when it cannot.
	switch strings.ToLower(v) {
	case "basic":
	case "digest":
		p.close("auth-type")
		p.add("auth-type", Warning, "not served: firsthop does not serve digest authentication; use basic over TLS; "+closedNote)
		return
	default:
		p.close("auth-type")
		p.invalid("auth-type", fmt.Errorf("%q is not basic or digest", v), closedNote)
		return
	}
	a := &BasicAuth{SecretType: "auth-file", Realm: "Authentication Required"}
	if v, ok := p.get("auth-secret"); !ok {
		p.close("auth-type")
		p.invalid("auth-type", fmt.Errorf("basic authentication without auth-secret"), closedNote)
	} else if ref, err := parseSecretRef(v); err != nil {
		p.close("auth-secret")
		p.invalid("auth-secret", err, closedNote)
	} else {
		a.Secret = ref
	}
	if v, ok := p.get("auth-secret-type"); ok {
		switch v {
		case "auth-file", "auth-map":
			a.SecretType = v
		default:
			p.close("auth-secret-type")
			p.invalid("auth-secret-type", fmt.Errorf("%q is not auth-file or auth-map", v), closedNote)
		}
	}
	if v, ok := p.get("auth-realm"); ok {
		if hasControl(v) || strings.ContainsAny(v, `"\`) {
			p.close("auth-realm")
			p.invalid("auth-realm", fmt.Errorf("%q holds a quote, a backslash or a control character", v), closedNote)
		} else {
			a.Realm = v
		}
	}
	p.f.BasicAuth = a
}

// signInVariables are the nginx variables auth-url and auth-signin may
// use (oauth2-proxy's documented setup does); the data plane expands them.
var signInVariables = []string{"$escaped_request_uri", "$request_uri", "$http_host", "$host", "$scheme"}

func (p *parser) externalAuth() {
	names := []string{"auth-method", "auth-signin", "auth-signin-redirect-param", "auth-response-headers", "auth-request-redirect", "auth-always-set-cookie", "auth-proxy-set-headers", "auth-cache-key", "auth-cache-duration", "auth-keepalive", "auth-keepalive-requests", "auth-keepalive-timeout", "auth-keepalive-share-vars"}
	v, ok := p.get("auth-url")
	if !ok {
		p.unused("auth-url", names...)
		return
	}
	e := &ExternalAuth{}
	if err := checkAuthURL(v, signInVariables); err != nil {
		p.close("auth-url")
		p.invalid("auth-url", err, closedNote)
	} else {
		e.URL = v
	}
	if v, ok := p.get("auth-method"); ok {
		if !methodRE.MatchString(v) {
			p.invalid("auth-method", fmt.Errorf("%q is not a method", v), "the client's method is used")
		} else {
			e.Method = strings.ToUpper(v)
		}
	}
	if v, ok := p.get("auth-signin"); ok {
		if err := checkAuthURL(v, signInVariables); err != nil {
			p.close("auth-signin")
			p.invalid("auth-signin", err, closedNote)
		} else {
			e.SignIn = v
		}
	}
	if v, ok := p.get("auth-signin-redirect-param"); ok {
		if !tokenRE.MatchString(v) {
			p.invalid("auth-signin-redirect-param", fmt.Errorf("%q is not a parameter name", v), "rd is used")
		} else {
			e.SignInRedirectParam = v
		}
	}
	if v, ok := p.get("auth-response-headers"); ok {
		if list, err := parseHeaderNames(v); err != nil {
			p.close("auth-response-headers")
			p.invalid("auth-response-headers", err, closedNote)
		} else {
			for i := range list {
				list[i] = textproto.CanonicalMIMEHeaderKey(list[i])
			}
			e.ResponseHeaders = list
		}
	}
	if v, ok := p.get("auth-request-redirect"); ok {
		if hasControl(v) || strings.Contains(v, "$") {
			p.invalid("auth-request-redirect", fmt.Errorf("%q holds a control character or an nginx variable", v), "the request URI is sent")
		} else {
			e.RequestRedirect = v
		}
	}
	e.AlwaysSetCookie, _ = p.bool("auth-always-set-cookie", false, "the cookie is passed on success only")
	if v, ok := p.get("auth-proxy-set-headers"); ok {
		if ref, err := parseSecretRef(v); err != nil {
			p.invalid("auth-proxy-set-headers", err, "no header is added to the auth request")
		} else {
			e.ProxySetHeaders = ref
		}
	}
	p.f.ExternalAuth = e
}

// checkAuthURL checks an auth-url or auth-signin value: an absolute http
// or https URL, using no nginx variable but those in vars.
func checkAuthURL(v string, vars []string) error {
	s := v
	for _, name := range vars {
		s = strings.ReplaceAll(s, name, "x")
	}
	if strings.Contains(s, "$") {
		return fmt.Errorf("%q: %w", v, errVariable)
	}
	if _, err := parseRedirectURL(strings.SplitN(s, "?", 2)[0], 302); err != nil {
		return fmt.Errorf("%q is not an http or https URL", v)
	}
	return nil
}

func (p *parser) authTLS() {
	names := []string{"auth-tls-verify-client", "auth-tls-verify-depth", "auth-tls-error-page", "auth-tls-pass-certificate-to-upstream", "auth-tls-match-cn"}
	if _, ok := p.get("auth-tls-secret"); !ok {
		p.unused("auth-tls-secret", names...)
		return
	}
	if v, _ := p.get("auth-tls-verify-client"); strings.EqualFold(v, "off") {
		p.add("auth-tls-secret", Info, `auth-tls-verify-client is "off": no client certificate is asked for, as in ingress-nginx`)
		p.add("auth-tls-verify-client", Info, `"off": nothing to verify`)
		p.unused(`auth-tls-verify-client other than "off"`, names[1:]...)
		return
	}
	// The client-certificate check is not served, and ssl-client-*
	// headers a backend may trust would come from the client: closed.
	p.close("auth-tls-secret")
	if _, ok := p.get("auth-tls-match-cn"); ok {
		p.close("auth-tls-match-cn")
	}
	if _, ok := p.get("auth-tls-verify-client"); ok {
		p.close("auth-tls-verify-client")
	}
}

func (p *parser) snippets() {
	for _, n := range []string{"configuration-snippet", "server-snippet", "modsecurity-snippet"} {
		if _, ok := p.get(n); ok {
			p.close(n)
		}
	}
	if _, ok := p.get("auth-snippet"); ok {
		if _, url := p.get("auth-url"); !url {
			p.add("auth-snippet", Warning, "not served: raw nginx configuration, which firsthop cannot read; it has no effect without auth-url in ingress-nginx either, so remove it")
		} else {
			p.close("auth-snippet")
		}
	}
}

func (p *parser) misc() {
	if v, ok := p.get("satisfy"); ok {
		switch strings.ToLower(v) {
		case "all":
			p.add("satisfy", Info, "all: the client-address policy and authentication must both pass, as firsthop does")
		case "any":
			p.add("satisfy", Difference, `"any" is not followed: a client must pass both the client-address policy and authentication (stricter than ingress-nginx)`)
		default:
			p.invalid("satisfy", fmt.Errorf("%q is not all or any", v), "all is used")
		}
	}
	p.bool("enable-global-auth", true, "ignored")
	p.bool("enable-access-log", true, "ignored")
	p.bool("enable-rewrite-log", false, "ignored")
	p.bool("enable-opentelemetry", false, "ignored")
	p.bool("service-upstream", false, "ignored")
	p.bool("http2-push-preload", false, "ignored")
	p.bool("ssl-passthrough", false, "ignored")
	p.bool("disable-proxy-intercept-errors", false, "ignored")
	if v, ok := p.get("ssl-passthrough"); ok {
		if b, err := parseBool(v); err == nil && !b {
			p.add("ssl-passthrough", Info, `"false": firsthop terminates TLS, as asked`)
		}
	}
}

// warned reports whether a Warning about name was recorded.
func (p *parser) warned(name string) bool {
	return slices.ContainsFunc(p.findings, func(f Finding) bool { return f.Annotation == name && f.Severity == Warning })
}
