package nginx

import (
	"time"

	"github.com/firsthop/firsthop/model"
)

// Features is what one Ingress's ingress-nginx annotations mean on the
// routing model. The zero value changes nothing. Route values apply to
// every route the Ingress makes, backend values to every backend its
// routes forward to; where two Ingresses forwarding to one Service differ
// in a backend value, the processor gives each its own backend.
//
// Fields whose doc names a model change hold what ingress-nginx means
// although the model cannot yet carry it; the catalogue entry of their
// annotation has the same [Annotation.Needs], and [Parse] reports it.
type Features struct {
	// FailClosed says that every route of the Ingress must refuse every
	// request (a [model.DenyAll] policy, 403), as the Ingress processor does
	// for a malformed allowlist: an annotation that guards access is
	// malformed, refused or not served yet. The Findings say which.
	FailClosed bool

	// Redirect, when set, is the action of every route: permanent-redirect
	// or temporal-redirect (temporal wins, as in ingress-nginx).
	Redirect *model.Redirect
	// AppRoot, when set, answers a request for "/" exactly: the processor
	// adds a PathExact "/" route for each rule host with this redirect.
	AppRoot *model.Redirect
	// FromToWWW asks the processor to add, for each rule host, routes for
	// its twin (www.<host>, or <host> without www.) redirecting with 308 to
	// the rule host, unless an Ingress serves the twin itself.
	FromToWWW bool
	// HTTPSRedirect says when plain-HTTP requests are redirected to https
	// (ssl-redirect, force-ssl-redirect); the processor sets
	// model.Route.HTTPSRedirect from it per host (see [HTTPSRedirect.Route]).
	HTTPSRedirect HTTPSRedirect

	// Rewrite changes the request sent to the backend: Host from
	// upstream-vhost; Path from rewrite-target, a model.RewriteRegex (the
	// target with the $1-style captures of each path's match) when it has
	// captures, else a full-path rewrite.
	Rewrite *model.Rewrite
	// RegexPaths says that the Ingress's paths are regular expressions,
	// matched case-insensitively as prefixes (use-regex, or any
	// rewrite-target): the processor makes them model.PathRegex routes,
	// checked with [CompileRegexPath]. ingress-nginx then reads every path
	// of the same host, on any Ingress, the same way, which the processor
	// does too; "/foo" then also matches "/FOO" and "/foobar".
	RegexPaths bool
	// RequestHeaders edits the request sent to the backend:
	// X-Forwarded-Prefix from x-forwarded-prefix (with rewrite-target only,
	// as in ingress-nginx).
	RequestHeaders *model.HeaderModifier

	// BackendTimeout is proxy-read-timeout: model.Route.BackendTimeout.
	BackendTimeout time.Duration
	// Timeout is proxy-next-upstream-timeout: model.Route.Timeout.
	Timeout time.Duration
	// MaxRequestBodyBytes is proxy-body-size, model.Route.MaxRequestBodyBytes:
	// nil means not set (firsthop sets no limit; ingress-nginx's ConfigMap
	// default is 1m), 0 unlimited (the model's zero too).
	MaxRequestBodyBytes *int64

	// CORS is enable-cors and the cors-* annotations: model.Route.CORS;
	// nil means off.
	CORS *model.CORSPolicy
	// BasicAuth is auth-type basic; nil means off. The processor reads
	// its Secret into model.Route.BasicAuth (see [BasicAuth.Route]).
	BasicAuth *BasicAuth
	// ExternalAuth is auth-url; nil means off. The processor resolves its
	// Service to a backend and sets model.Route.ExternalAuth (see
	// [ExternalAuth.Route]).
	ExternalAuth *ExternalAuth

	// ServerAliases are more hosts the Ingress's rules are served for.
	ServerAliases []string
	// CustomHeaders names the ConfigMap ("namespace/name") whose keys are
	// set on every response (model.Route.ResponseHeaders), read by the
	// processor.
	CustomHeaders string

	// ConnectTimeout is proxy-connect-timeout: model.Backend.ConnectTimeout.
	ConnectTimeout time.Duration
	// Protocol is backend-protocol: model.Backend.Protocol; nil means not
	// set (the processor's own rules apply).
	Protocol *model.BackendProtocol
	// TLSServerName is proxy-ssl-name: model.Backend.TLSServerName.
	TLSServerName string
	// TLSInsecureSkipVerify is proxy-ssl-verify "off" written out:
	// model.Backend.TLSInsecureSkipVerify.
	TLSInsecureSkipVerify bool
	// TLSSecret is proxy-ssl-secret ("namespace/name"): the processor
	// reads it, its ca.crt into model.Backend.TLSRootCAs, its tls.crt and
	// tls.key into TLSClientCert and TLSClientKey.
	TLSSecret string
	// Affinity is affinity cookie: model.Backend.Affinity; nil means
	// none.
	Affinity *model.Affinity

	// Canary, when set, marks the Ingress as a canary: the processor joins
	// its backend to the route of the main Ingress with the same host and
	// path (see [Canary.Routes]) instead of making routes of its own.
	Canary *Canary
}

// HTTPSRedirect is when plain-HTTP requests are redirected to https.
type HTTPSRedirect uint8

const (
	// RedirectIfTLS redirects on hosts the Ingress has a TLS section for:
	// ingress-nginx's default (ConfigMap ssl-redirect "true").
	RedirectIfTLS HTTPSRedirect = iota
	// RedirectNever is ssl-redirect "false".
	RedirectNever
	// RedirectAlways is force-ssl-redirect "true": also without TLS on
	// the Ingress (TLS ends in front of firsthop).
	RedirectAlways
)

// HTTPSRedirectStatus is the status of https redirects: ingress-nginx's
// ConfigMap default http-redirect-code.
const HTTPSRedirectStatus = 308

var httpsRedirectNames = [...]string{RedirectIfTLS: "if-tls", RedirectNever: "never", RedirectAlways: "always"}

// String returns "if-tls", "never" or "always".
func (r HTTPSRedirect) String() string {
	if int(r) < len(httpsRedirectNames) {
		return httpsRedirectNames[r]
	}
	return "HTTPSRedirect(?)"
}

// ingress-nginx's CORS defaults.
var (
	defaultCORSMethods = []string{"GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS"}
	defaultCORSHeaders = []string{"DNT", "Keep-Alive", "User-Agent", "X-Requested-With", "If-Modified-Since", "Cache-Control", "Content-Type", "Range", "Authorization"}
)

const defaultCORSMaxAge = 1728000 * time.Second

// BasicAuth is HTTP basic authentication against an htpasswd Secret.
type BasicAuth struct {
	// Secret is "namespace/name", or "name" in the Ingress's namespace.
	Secret string
	// SecretType is "auth-file" (key "auth" holds an htpasswd file) or
	// "auth-map" (one key per user, the value its hash).
	SecretType string
	// Realm is the WWW-Authenticate realm; empty means ingress-nginx's
	// "Authentication Required".
	Realm string
}

// ExternalAuth sends each request to an authentication service first.
type ExternalAuth struct {
	// URL is the auth service's http(s) URL; it and SignIn may use the
	// nginx variables $host, $http_host, $scheme, $request_uri and
	// $escaped_request_uri, which the data plane expands.
	URL string
	// Method of the auth request; empty means the client's.
	Method string
	// SignIn, when set, is where a client the service answers 401 is
	// redirected, with SignInRedirectParam (default "rd") carrying the
	// original URL.
	SignIn              string
	SignInRedirectParam string
	// ResponseHeaders are copied from the service's 2xx answer to the
	// backend request.
	ResponseHeaders []string
	// RequestRedirect is the X-Auth-Request-Redirect sent to the service;
	// empty means the request URI.
	RequestRedirect string
	// AlwaysSetCookie passes the service's Set-Cookie on every answer.
	AlwaysSetCookie bool
	// ProxySetHeaders names a ConfigMap of headers set on the auth request.
	ProxySetHeaders string
}
