package nginx

import (
	"fmt"
	"slices"
	"strings"
)

// Prefix is the prefix of every ingress-nginx annotation (ingress-nginx's
// --annotations-prefix default).
const Prefix = "nginx.ingress.kubernetes.io/"

// Status is what firsthop does with an ingress-nginx annotation.
type Status uint8

const (
	// Served: firsthop does what ingress-nginx documents.
	Served Status = iota + 1
	// Differs: firsthop serves it with the difference written in
	// [Annotation.Note].
	Differs
	// Refused: firsthop does not serve it; [Annotation.Note] says what to
	// do instead. An Ingress that sets it gets a Warning.
	Refused
)

var statusNames = [...]string{Served: "served", Differs: "differs", Refused: "refused"}

// String returns "served", "differs" or "refused".
func (s Status) String() string {
	if int(s) < len(statusNames) && statusNames[s] != "" {
		return statusNames[s]
	}
	return fmt.Sprintf("Status(%d)", uint8(s))
}

// Annotation is one ingress-nginx annotation and what firsthop does with it.
type Annotation struct {
	// Name is the annotation without [Prefix], as ingress-nginx documents
	// it ("proxy-read-timeout").
	Name string
	// Family groups annotations that work together ("redirect", "cors").
	Family string
	// Status is what firsthop does with it once Needs (if any) is done.
	Status Status
	// Note says, for Served, where the value lands in the routing model;
	// for Differs, the difference a person must know; for Refused, why and
	// what to do instead.
	Note string
	// Needs, when not empty, names the change to the routing model or the
	// Ingress processor that must land before firsthop serves the
	// annotation as Status says. Until then it is not served.
	Needs string
	// FailClosed says that a malformed value, and while Needs is not done
	// any value, makes every route of the Ingress refuse every request
	// (403): the annotation guards access, so serving the Ingress without
	// it would open what ingress-nginx kept closed.
	FailClosed bool
	// Processor says that the Ingress processor (kube/ingress) reads the
	// annotation itself, as one of its client-address policies; [Parse]
	// reports it but leaves it out of [Features].
	Processor bool
	// AliasOf, when not empty, is the name ingress-nginx reads in
	// preference to this older spelling.
	AliasOf string
}

// ServedNow reports whether firsthop serves the annotation today: its
// status is Served or Differs and nothing it needs is missing.
func (a Annotation) ServedNow() bool {
	return a.Status != Refused && a.Needs == ""
}

// Lookup returns the catalogue entry of name, given with or without
// [Prefix].
func Lookup(name string) (Annotation, bool) {
	name = strings.TrimPrefix(name, Prefix)
	i, ok := slices.BinarySearchFunc(catalogue, name, func(a Annotation, n string) int { return strings.Compare(a.Name, n) })
	if !ok {
		return Annotation{}, false
	}
	return catalogue[i], true
}

// Catalogue returns every annotation ingress-nginx documents (its
// annotations.md and annotations-risk.md, controller v1.15.1), sorted by
// name. The slice is a copy.
func Catalogue() []Annotation {
	return slices.Clone(catalogue)
}

// Reasons shared by several entries.
const (
	needsAuthHeaders = "headers of a ConfigMap set on the auth request (model.ExternalAuth has no such field yet)"
	needsProcessor   = "the Ingress processor to apply it (kube/ingress)"
	snippetRefusal   = "raw nginx configuration; firsthop does not run nginx and cannot read it. Express it with annotations firsthop serves (headers: custom-headers; access: allowlist-source-range; redirects: permanent-redirect) and remove it. The Ingress is not served while it is set: a snippet may carry access rules, and serving without them would open what nginx kept closed"
	noEffect         = "accepted and has no effect"
	streamingNote    = "firsthop streams request and response bodies and never buffers them to disk, so this has no effect"
)

// catalogue is sorted by Name (TestCatalogueSorted).
var catalogue = []Annotation{
	{Name: "affinity", Family: "affinity", Status: Served, Note: `"cookie" (the only type): model.Backend.Affinity. The cookie names an endpoint by a hash of the backend's name and its address (not the address itself); a request whose cookie names an endpoint that is ready, not ejected and under its in-flight cap goes there, whatever its locality tier; otherwise to another endpoint, and the answer sets a new cookie. HttpOnly is always written`},
	{Name: "affinity-canary-behavior", Family: "affinity", Status: Differs, Note: `a canary's split picks a backend by weight for each request and affinity keeps a client on an endpoint of the backend picked: a client is not kept on the canary, as with "legacy"; "sticky" is not followed`},
	{Name: "affinity-mode", Family: "affinity", Status: Differs, Note: `"balanced" and "persistent" are both served as "persistent": a client stays on its endpoint while that endpoint is ready; scaling up does not move existing sessions`},
	{Name: "allowlist-source-range", Family: "policy", Status: Served, Note: "the Ingress's client-address policy (allow list), checked on the client IP firsthop resolved", Processor: true, FailClosed: true},
	{Name: "app-root", Family: "redirect", Status: Differs, Note: `a request for "/" is redirected (302) to this path; firsthop keeps the request's query in the Location, ingress-nginx drops it`},
	{Name: "auth-always-set-cookie", Family: "auth-external", Status: Served, Note: "the auth service's Set-Cookie is passed to the client on every answer, not only on success"},
	{Name: "auth-cache-duration", Family: "auth-external", Status: Differs, Note: "auth answers are not cached: every request asks the auth service"},
	{Name: "auth-cache-key", Family: "auth-external", Status: Differs, Note: "auth answers are not cached: every request asks the auth service"},
	{Name: "auth-keepalive", Family: "auth-external", Status: Differs, Note: "connections to the auth service are always pooled; the number is not used"},
	{Name: "auth-keepalive-requests", Family: "auth-external", Status: Differs, Note: "connections to the auth service are always pooled; the number is not used"},
	{Name: "auth-keepalive-share-vars", Family: "auth-external", Status: Differs, Note: "firsthop has no nginx variables; the auth request gets the same X-Request-Id as the backend request"},
	{Name: "auth-keepalive-timeout", Family: "auth-external", Status: Differs, Note: "idle connections to the auth service close after firsthop's pool timeout"},
	{Name: "auth-method", Family: "auth-external", Status: Served, Note: "the method of the auth request"},
	{Name: "auth-proxy-set-headers", Family: "auth-external", Status: Served, Note: "the headers of the named ConfigMap are set on the auth request", Needs: needsAuthHeaders},
	{Name: "auth-realm", Family: "auth-basic", Status: Served, Note: "the realm of the WWW-Authenticate challenge", FailClosed: true},
	{Name: "auth-request-redirect", Family: "auth-external", Status: Served, Note: "the X-Auth-Request-Redirect header of the auth request"},
	{Name: "auth-response-headers", Family: "auth-external", Status: Served, Note: "these headers of the auth service's 2xx answer are copied to the backend request (after firsthop's forwarding headers are written: it cannot replace the client IP headers)", FailClosed: true},
	{Name: "auth-secret", Family: "auth-basic", Status: Differs, Note: `the Secret ("name" or "namespace/name") holding the htpasswd file (key "auth") or the user map; bcrypt ($2y$, $2a$, $2b$), apr1 and $1$ MD5-crypt, and {SHA} hashes. crypt(3) DES hashes (htpasswd -d: 8 characters of the password, cracked in hours) and SHA-crypt are refused: the Ingress is not served until they are rehashed with htpasswd -B. The Secret must be in the Ingress's namespace: "namespace/name" naming another is refused, and the Ingress is not served`, FailClosed: true},
	{Name: "auth-secret-type", Family: "auth-basic", Status: Served, Note: `"auth-file" (default): an htpasswd file under key "auth"; "auth-map": one key per user`, FailClosed: true},
	{Name: "auth-signin", Family: "auth-external", Status: Served, Note: "a client the auth service answers 401 is redirected (302) here, with rd= the original URL", FailClosed: true},
	{Name: "auth-signin-redirect-param", Family: "auth-external", Status: Served, Note: "the name of the query parameter carrying the original URL (default rd)"},
	{Name: "auth-snippet", Family: "snippet", Status: Refused, Note: snippetRefusal, FailClosed: true},
	{Name: "auth-tls-error-page", Family: "auth-tls", Status: Refused, Note: "client-certificate authentication is not served (see auth-tls-secret)"},
	{Name: "auth-tls-match-cn", Family: "auth-tls", Status: Refused, Note: "client-certificate authentication is not served (see auth-tls-secret). The Ingress is not served while it is set", FailClosed: true},
	{Name: "auth-tls-pass-certificate-to-upstream", Family: "auth-tls", Status: Refused, Note: "client-certificate authentication is not served (see auth-tls-secret)"},
	{Name: "auth-tls-secret", Family: "auth-tls", Status: Refused, Note: "firsthop does not verify client certificates. Terminate mutual TLS in front of firsthop or in the backend. The Ingress is not served while it is set: serving it without the check would let every client in", FailClosed: true},
	{Name: "auth-tls-verify-client", Family: "auth-tls", Status: Refused, Note: `client-certificate authentication is not served (see auth-tls-secret); "off" is accepted. Any other value: the Ingress is not served`, FailClosed: true},
	{Name: "auth-tls-verify-depth", Family: "auth-tls", Status: Refused, Note: "client-certificate authentication is not served (see auth-tls-secret)"},
	{Name: "auth-type", Family: "auth-basic", Status: Served, Note: `"basic": HTTP basic authentication (401 with a WWW-Authenticate challenge); "digest" is refused and the Ingress is not served`, FailClosed: true},
	{Name: "auth-url", Family: "auth-external", Status: Differs, Note: "the URL's host must name a Service of the cluster (service.namespace, or service.namespace.svc.<cluster domain>; the port is the Service port; https is verified for that name): any other host, or a Service or port not found, and the Ingress is not served. Each request is first sent (method, headers, no body, X-Original-URL, X-Original-Method, X-Auth-Request-Redirect) to this URL's Service; 2xx lets it through, 401 and 403 are returned to the client, anything else or no answer within 5 seconds is 500. The auth service gets firsthop's client-IP headers, never the client's. The Authorization header goes on to the backend", FailClosed: true},
	{Name: "backend-protocol", Family: "backend", Status: Differs, Note: `HTTP, HTTPS, GRPC, GRPCS and H2C are served (model.Backend.Protocol); HTTPS and GRPCS certificates are verified (see proxy-ssl-verify); AUTO_HTTP is served as HTTP; FCGI is refused: put an HTTP server in front of the FastCGI application`},
	{Name: "canary", Family: "canary", Status: Served, Note: "marks the Ingress as the canary of the Ingress with the same host and path; its backend joins that route's (model.Route.Split and header matches)"},
	{Name: "canary-by-cookie", Family: "canary", Status: Served, Note: `a request whose cookie of this name is "always" goes to the canary, "never" to the main backend (a header match on Cookie)`},
	{Name: "canary-by-header", Family: "canary", Status: Served, Note: `a request whose header of this name is "always" goes to the canary, "never" to the main backend; checked before the cookie and the weight`},
	{Name: "canary-by-header-pattern", Family: "canary", Status: Differs, Note: "the pattern is RE2, not PCRE: lookarounds, backreferences, possessive quantifiers and atomic groups are refused (\\Q...\\E works in both) (the pattern is then not used, as ingress-nginx treats a failing pattern)"},
	{Name: "canary-by-header-value", Family: "canary", Status: Served, Note: "the header value (exact) that sends a request to the canary, instead of \"always\""},
	{Name: "canary-weight", Family: "canary", Status: Served, Note: "this share of the remaining requests (out of canary-weight-total) goes to the canary (model.Route.Split)"},
	{Name: "canary-weight-total", Family: "canary", Status: Served, Note: "the total canary-weight is out of (default 100)"},
	{Name: "client-body-buffer-size", Family: "body", Status: Differs, Note: streamingNote},
	{Name: "configuration-snippet", Family: "snippet", Status: Refused, Note: snippetRefusal, FailClosed: true},
	{Name: "connection-proxy-header", Family: "backend", Status: Differs, Note: "firsthop manages the Connection header to the backend itself (keep-alive; Upgrade for WebSocket); " + noEffect},
	{Name: "cors-allow-credentials", Family: "cors", Status: Differs, Note: `Access-Control-Allow-Credentials (default true); with the origin "*" it is not written, as browsers refuse "*" with credentials either way`},
	{Name: "cors-allow-headers", Family: "cors", Status: Differs, Note: "Access-Control-Allow-Headers of the preflight answer (ingress-nginx writes it on every answer; browsers read it on preflights only)"},
	{Name: "cors-allow-methods", Family: "cors", Status: Differs, Note: "Access-Control-Allow-Methods of the preflight answer (ingress-nginx writes it on every answer; browsers read it on preflights only)"},
	{Name: "cors-allow-origin", Family: "cors", Status: Served, Note: `the origins answered (exact, "*", or one wildcard label "https://*.example.com"); a request's Origin is echoed when it is one of them`},
	{Name: "cors-expose-headers", Family: "cors", Status: Served, Note: "Access-Control-Expose-Headers"},
	{Name: "cors-max-age", Family: "cors", Status: Served, Note: "Access-Control-Max-Age of the preflight answer (default 1728000 seconds)"},
	{Name: "custom-headers", Family: "headers", Status: Served, Note: "the keys of the named ConfigMap are set on the response (model.Route.ResponseHeaders)", Needs: needsProcessor + " reading the ConfigMap"},
	{Name: "custom-http-errors", Family: "errors", Status: Refused, Note: "firsthop passes the backend's error responses to the client as they are; serve error pages from the backend"},
	{Name: "default-backend", Family: "errors", Status: Refused, Note: "firsthop has no per-Ingress fallback backend: a backend without endpoints answers 503. Give the Service more replicas, or route the paths to the fallback Service in the Ingress itself"},
	{Name: "denylist-source-range", Family: "policy", Status: Served, Note: "the Ingress's client-address policy (deny list), checked on the client IP firsthop resolved", Processor: true, FailClosed: true},
	{Name: "disable-proxy-intercept-errors", Family: "errors", Status: Served, Note: "firsthop never intercepts backend errors; " + noEffect},
	{Name: "enable-access-log", Family: "logging", Status: Differs, Note: "access logging is per listener in firsthop (listeners[].accessLog), not per Ingress; " + noEffect},
	{Name: "enable-cors", Family: "cors", Status: Differs, Note: `"true": answers CORS preflight requests (OPTIONS with Origin and Access-Control-Request-Method; ingress-nginx takes any OPTIONS with an allowed Origin) itself with 204, and adds Allow-Origin, Allow-Credentials and Expose-Headers to the answers to allowed origins, with Vary: Origin`},
	{Name: "enable-global-auth", Family: "auth-external", Status: Differs, Note: "firsthop has no global external authentication (ingress-nginx's global-auth-url); " + noEffect},
	{Name: "enable-modsecurity", Family: "waf", Status: Refused, Note: "firsthop has no web application firewall; run one in front of firsthop or in the backend"},
	{Name: "enable-opentelemetry", Family: "logging", Status: Differs, Note: "tracing is configured for the whole proxy, not per Ingress; " + noEffect},
	{Name: "enable-owasp-core-rules", Family: "waf", Status: Refused, Note: "firsthop has no web application firewall; run one in front of firsthop or in the backend"},
	{Name: "enable-rewrite-log", Family: "logging", Status: Differs, Note: "firsthop has no rewrite log; " + noEffect},
	{Name: "fastcgi-index", Family: "backend", Status: Refused, Note: "firsthop does not speak FastCGI; put an HTTP server in front of the FastCGI application"},
	{Name: "fastcgi-params-configmap", Family: "backend", Status: Refused, Note: "firsthop does not speak FastCGI; put an HTTP server in front of the FastCGI application"},
	{Name: "force-ssl-redirect", Family: "ssl-redirect", Status: Differs, Note: "plain-HTTP requests are redirected to https with 308 even when the Ingress has no TLS section (TLS ends in front of firsthop). Whether a request came over TLS is decided after the client-IP policies: X-Forwarded-Proto is believed from trusted proxies only. The Location keeps a trailing slash, which ingress-nginx drops unless preserve-trailing-slash"},
	{Name: "from-to-www-redirect", Family: "redirect", Status: Differs, Note: "requests for www.<host> are redirected (308) to <host>, or the other way round when the rule's host starts with www.; the Location leaves out the scheme's default port, which ingress-nginx writes"},
	{Name: "http2-push-preload", Family: "misc", Status: Differs, Note: "HTTP/2 server push is not served (browsers removed it); " + noEffect},
	{Name: "limit-allowlist", Family: "policy", Status: Served, Note: "client ranges exempt from the Ingress's rate and concurrency limits", Processor: true, FailClosed: true},
	{Name: "limit-burst-multiplier", Family: "policy", Status: Served, Note: "burst = limit x multiplier (default 5)", Processor: true, FailClosed: true},
	{Name: "limit-connections", Family: "policy", Status: Differs, Note: "limits requests in flight per client IP (firsthop limits requests, not connections; over HTTP/2 one connection carries many); 503 above it", Processor: true, FailClosed: true},
	{Name: "limit-rate", Family: "policy", Status: Refused, Note: "firsthop does not limit response bandwidth; limit it in the backend"},
	{Name: "limit-rate-after", Family: "policy", Status: Refused, Note: "firsthop does not limit response bandwidth; limit it in the backend"},
	{Name: "limit-rpm", Family: "policy", Status: Served, Note: "requests per minute per client IP, on the IP firsthop resolved; 503 above it", Processor: true, FailClosed: true},
	{Name: "limit-rps", Family: "policy", Status: Served, Note: "requests per second per client IP, on the IP firsthop resolved; 503 above it", Processor: true, FailClosed: true},
	{Name: "limit-whitelist", Family: "policy", Status: Served, Note: "the old spelling of limit-allowlist", Processor: true, FailClosed: true, AliasOf: "limit-allowlist"},
	{Name: "load-balance", Family: "backend", Status: Differs, Note: "firsthop picks endpoints by locality tier (node, zone, cluster), then the less loaded of two random ones; round_robin and ewma are not offered"},
	{Name: "mirror-host", Family: "mirror", Status: Refused, Note: "see mirror-target"},
	{Name: "mirror-request-body", Family: "mirror", Status: Refused, Note: "see mirror-target"},
	{Name: "mirror-target", Family: "mirror", Status: Refused, Note: "firsthop mirrors to backends of its table only, not to URLs; use a Gateway API HTTPRoute with a RequestMirror filter to a Service"},
	{Name: "modsecurity-snippet", Family: "snippet", Status: Refused, Note: snippetRefusal, FailClosed: true},
	{Name: "modsecurity-transaction-id", Family: "waf", Status: Refused, Note: "firsthop has no web application firewall; run one in front of firsthop or in the backend"},
	{Name: "opentelemetry-operation-name", Family: "logging", Status: Differs, Note: "tracing is configured for the whole proxy, not per Ingress; " + noEffect},
	{Name: "opentelemetry-trust-incoming-span", Family: "logging", Status: Differs, Note: "tracing is configured for the whole proxy, not per Ingress; " + noEffect},
	{Name: "permanent-redirect", Family: "redirect", Status: Differs, Note: "every request is redirected (301) to this http(s) URL (model.Route.Redirect); a URL ending in $request_uri keeps the request's path and query. Otherwise firsthop appends the request's query to the Location, which ingress-nginx does not. Other nginx variables are refused", FailClosed: false},
	{Name: "permanent-redirect-code", Family: "redirect", Status: Differs, Note: "301, 302, 303, 307 or 308; ingress-nginx's other codes from 300 to 308 (300, 304, 305, 306) and values outside it are answered 301, as ingress-nginx does for the latter"},
	{Name: "preserve-trailing-slash", Family: "ssl-redirect", Status: Differs, Note: `firsthop's https redirect always keeps the path as it came, which is "true"; "false" (the default) is not followed`},
	{Name: "proxy-body-size", Family: "body", Status: Served, Note: `a request body larger than this (nginx size: "8m", "512k", "1g", bytes) is answered 413; "0" means unlimited`},
	{Name: "proxy-buffer-size", Family: "buffering", Status: Differs, Note: "firsthop reads backend response headers up to its own fixed limit; " + noEffect},
	{Name: "proxy-buffering", Family: "buffering", Status: Differs, Note: streamingNote},
	{Name: "proxy-buffers-number", Family: "buffering", Status: Differs, Note: streamingNote},
	{Name: "proxy-busy-buffers-size", Family: "buffering", Status: Differs, Note: streamingNote},
	{Name: "proxy-connect-timeout", Family: "timeouts", Status: Served, Note: "seconds; bounds connecting to an endpoint (model.Backend.ConnectTimeout; the processor gives Ingresses with different values their own backend)"},
	{Name: "proxy-cookie-domain", Family: "cookies", Status: Refused, Note: "firsthop does not rewrite Set-Cookie; have the backend set the right Domain"},
	{Name: "proxy-cookie-path", Family: "cookies", Status: Refused, Note: "firsthop does not rewrite Set-Cookie; have the backend set the right Path"},
	{Name: "proxy-http-version", Family: "backend", Status: Differs, Note: `firsthop speaks HTTP/1.1 (or HTTP/2, see backend-protocol) to backends; "1.0" is not offered`},
	{Name: "proxy-max-temp-file-size", Family: "buffering", Status: Differs, Note: streamingNote},
	{Name: "proxy-next-upstream", Family: "retries", Status: Differs, Note: "firsthop retries a request on another endpoint only when connecting failed (nothing was sent), for any method; it never retries after an error or timeout once the request was sent"},
	{Name: "proxy-next-upstream-timeout", Family: "retries", Status: Differs, Note: "seconds; bounds the whole exchange with the backend, retries included (model.Route.Timeout); 504 past it"},
	{Name: "proxy-next-upstream-tries", Family: "retries", Status: Differs, Note: "firsthop tries each endpoint of the tier at most once on connect failures; the number is not used"},
	{Name: "proxy-read-timeout", Family: "timeouts", Status: Differs, Note: "seconds; bounds the wait for the backend's response headers (model.Route.BackendTimeout), 504 past it. ingress-nginx bounds each wait between two reads, also within the body: a streaming response may pause longer under firsthop"},
	{Name: "proxy-redirect-from", Family: "cookies", Status: Refused, Note: "firsthop does not rewrite the backend's Location headers; have the backend write the public URL (it gets X-Forwarded-Host and X-Forwarded-Proto)"},
	{Name: "proxy-redirect-to", Family: "cookies", Status: Refused, Note: "see proxy-redirect-from"},
	{Name: "proxy-request-buffering", Family: "buffering", Status: Differs, Note: streamingNote},
	{Name: "proxy-send-timeout", Family: "timeouts", Status: Differs, Note: "firsthop has no timeout between two writes to the backend; a slow client's body is bounded by the listener's timeouts.requestBody. " + noEffect},
	{Name: "proxy-ssl-ciphers", Family: "backend-tls", Status: Differs, Note: "firsthop uses Go's TLS defaults (TLS 1.2 and later, its cipher suites); " + noEffect},
	{Name: "proxy-ssl-name", Family: "backend-tls", Status: Served, Note: "the name sent as SNI and verified in the backend's certificate (model.Backend.TLSServerName)"},
	{Name: "proxy-ssl-protocols", Family: "backend-tls", Status: Differs, Note: "firsthop uses Go's TLS defaults (TLS 1.2 and later); " + noEffect},
	{Name: "proxy-ssl-secret", Family: "backend-tls", Status: Differs, Note: `the Secret ("namespace/name") whose ca.crt verifies the backend's certificate (model.Backend.TLSRootCAs, also without proxy-ssl-verify "on") and whose tls.crt/tls.key firsthop presents (TLSClientCert, TLSClientKey). It must be in the Ingress's namespace; another, or a Secret missing or malformed, leaves the backend verified with the system's roots and no client certificate`},
	{Name: "proxy-ssl-server-name", Family: "backend-tls", Status: Differs, Note: "firsthop always sends SNI to an HTTPS backend (proxy-ssl-name, else the endpoint address); " + noEffect},
	{Name: "proxy-ssl-verify", Family: "backend-tls", Status: Differs, Note: `firsthop verifies HTTPS backends' certificates unless this is "off" (model.Backend.TLSInsecureSkipVerify); ingress-nginx's default is "off". An HTTPS backend with a self-signed certificate needs proxy-ssl-secret, or "off" written out`},
	{Name: "proxy-ssl-verify-depth", Family: "backend-tls", Status: Differs, Note: "firsthop verifies the whole chain to a trusted root, whatever its length; " + noEffect},
	{Name: "relative-redirects", Family: "redirect", Status: Differs, Note: "firsthop's own redirects always carry an absolute Location; " + noEffect},
	{Name: "rewrite-target", Family: "rewrite", Status: Differs, Note: "the path sent to the backend, the query kept. With $1-style captures, the target with the captures of the path's regex match (model.RewriteRegex), cleaned so that no capture climbs above /; without, the whole path (model.Rewrite, full path), as nginx's rewrite does. Either way the Ingress's paths are regexes, as in ingress-nginx (see use-regex). nginx variables are refused", Needs: ""},
	{Name: "satisfy", Family: "auth-basic", Status: Differs, Note: `"all" is what firsthop does: the client-address policy and authentication must both pass. "any" is not followed, so a client must pass both (stricter than ingress-nginx)`},
	{Name: "server-alias", Family: "hosts", Status: Differs, Note: "the Ingress's rules are served for these host names too (comma-separated); an alias that is another Ingress's host is ignored, as in ingress-nginx. A canary Ingress is joined to the rule hosts' routes only, not to the aliases'"},
	{Name: "server-snippet", Family: "snippet", Status: Refused, Note: snippetRefusal, FailClosed: true},
	{Name: "service-upstream", Family: "backend", Status: Differs, Note: "firsthop always sends to the Service's endpoints (EndpointSlices), so that it can prefer local ones and retry another on connect failure; " + noEffect},
	{Name: "session-cookie-change-on-failure", Family: "affinity", Status: Differs, Note: `firsthop gives a new cookie whenever another endpoint answered (the named one was gone, ejected, at its in-flight cap, or failed to connect), which is "true"; "false" is not followed`},
	{Name: "session-cookie-conditional-samesite-none", Family: "affinity", Status: Differs, Note: "SameSite=None is always written when asked for; browsers that mishandle it are not detected"},
	{Name: "session-cookie-domain", Family: "affinity", Status: Served, Note: "the cookie's Domain"},
	{Name: "session-cookie-expires", Family: "affinity", Status: Served, Note: "seconds; the cookie's Expires"},
	{Name: "session-cookie-max-age", Family: "affinity", Status: Served, Note: "seconds; the cookie's Max-Age"},
	{Name: "session-cookie-name", Family: "affinity", Status: Served, Note: "the cookie's name (default INGRESSCOOKIE)"},
	{Name: "session-cookie-path", Family: "affinity", Status: Served, Note: `the cookie's Path (default the path of the Prefix or Exact route that matched; "/" for regex paths, where ingress-nginx requires this annotation)`},
	{Name: "session-cookie-samesite", Family: "affinity", Status: Served, Note: "the cookie's SameSite: None, Lax or Strict"},
	{Name: "session-cookie-secure", Family: "affinity", Status: Served, Note: `the cookie's Secure attribute; written on answers to requests that came over TLS in any case, as ingress-nginx does`},
	{Name: "ssl-ciphers", Family: "tls", Status: Differs, Note: "firsthop uses Go's TLS defaults for every host (TLS 1.2 and later); " + noEffect},
	{Name: "ssl-passthrough", Family: "tls", Status: Refused, Note: "firsthop terminates TLS (it must read the request to hand the backend the client IP). Let firsthop terminate TLS with the Ingress's certificate, or send this host's TCP traffic around it"},
	{Name: "ssl-prefer-server-ciphers", Family: "tls", Status: Differs, Note: "firsthop uses Go's TLS defaults (the server's preference order); " + noEffect},
	{Name: "ssl-redirect", Family: "ssl-redirect", Status: Differs, Note: `plain-HTTP requests for a host with TLS are redirected to https with 308, unless this is "false" (ingress-nginx's default ConfigMap: ssl-redirect true, http-redirect-code 308). Decided after the client-IP policies: X-Forwarded-Proto is believed from trusted proxies only. The Location keeps a trailing slash, which ingress-nginx drops unless preserve-trailing-slash`},
	{Name: "stream-snippet", Family: "snippet", Status: Refused, Note: "raw nginx stream (TCP/UDP) configuration; firsthop serves HTTP only. Route the TCP traffic around firsthop"},
	{Name: "temporal-redirect", Family: "redirect", Status: Differs, Note: "every request is redirected (302) to this http(s) URL (model.Route.Redirect); a URL ending in $request_uri keeps the request's path and query. Otherwise firsthop appends the request's query to the Location, which ingress-nginx does not. Other nginx variables are refused. Checked before permanent-redirect"},
	{Name: "temporal-redirect-code", Family: "redirect", Status: Differs, Note: "301, 302, 303 or 307; ingress-nginx's other codes from 300 to 307 (300, 304, 305, 306) and values outside it are answered 302, as ingress-nginx does for the latter"},
	{Name: "upstream-hash-by", Family: "affinity", Status: Refused, Note: "firsthop has no consistent hashing on nginx variables; use affinity: cookie for stickiness"},
	{Name: "upstream-hash-by-subset", Family: "affinity", Status: Refused, Note: "see upstream-hash-by"},
	{Name: "upstream-hash-by-subset-size", Family: "affinity", Status: Refused, Note: "see upstream-hash-by"},
	{Name: "upstream-vhost", Family: "backend", Status: Served, Note: "the Host header sent to the backend (model.Rewrite.Host); X-Forwarded-Host keeps the client's. nginx variables are refused"},
	{Name: "use-port-in-redirects", Family: "redirect", Status: Differs, Note: "firsthop's redirects write a port only when it is not the scheme's default; " + noEffect},
	{Name: "use-regex", Family: "rewrite", Status: Differs, Note: "the Ingress's paths are regular expressions matched case-insensitively as prefixes (model.PathRegex), as ingress-nginx does, and so is every path of their hosts, in Go's RE2 syntax: PCRE-only syntax (lookarounds, backreferences, possessive quantifiers, atomic groups, recursion, conditionals) is refused with the path named; \\Q...\\E works in both. A top-level alternation is grouped: \"/a|/b\" matches paths starting with /a or /b, where nginx matched /b anywhere. Ordered with the host's other paths longest first, as ingress-nginx orders them"},
	{Name: "whitelist-source-range", Family: "policy", Status: Served, Note: "the old spelling of allowlist-source-range", Processor: true, FailClosed: true, AliasOf: "allowlist-source-range"},
	{Name: "x-forwarded-prefix", Family: "backend", Status: Served, Note: "the X-Forwarded-Prefix header sent to the backend (model.Route.RequestHeaders)"},
}
