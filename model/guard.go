package model

import "time"

// A route's guards are what it checks, or answers itself, before its
// action (see [Route]): MaxRequestBodyBytes, HTTPSRedirect, CORS,
// BasicAuth and ExternalAuth. Each is off when zero or nil, and a route
// with none of them pays nothing for them. They run after the listener's
// and the route's policies (a refused client is refused first, whatever
// it sends), in this order, the first that answers ending the request:
//
//  1. MaxRequestBodyBytes: a request whose Content-Length is above the
//     limit gets 413 (nginx checks client_max_body_size before anything
//     else too); a body of unknown length is counted as it is forwarded.
//  2. HTTPSRedirect: a request that did not arrive over https is
//     redirected there. No credential is asked for, nor checked, over
//     plain HTTP.
//  3. CORS: a preflight request is answered (it carries no credentials,
//     so it is answered before authentication, as browsers require and
//     ingress-nginx does). An actual request goes on; its answer gets
//     the CORS response headers, firsthop's own refusals below included,
//     so that a page can read a 401.
//  4. BasicAuth, then ExternalAuth: a request they refuse gets 401 (or
//     a redirect to sign in, or 403, or 500) and goes no further.
//  5. The action (Redirect, Respond, or forwarding with its filters).

// HTTPSRedirect redirects requests that did not arrive over https to the
// same URL with the https scheme (ingress-nginx's ssl-redirect and
// force-ssl-redirect). A request arrived over https when its connection
// is TLS, or when the peer is a trusted proxy (the table's ClientIP policy) and
// the right-most X-Forwarded-Proto it sent is "https": a client that is
// not trusted cannot talk its way past the redirect, nor into it.
type HTTPSRedirect struct {
	// Status is 301, 302, 303, 307 or 308; zero means 308.
	Status int
	// Port is the https port written in the Location; zero means 443,
	// which is left out.
	Port uint16
}

// DefaultHTTPSRedirectStatus is the status of an [HTTPSRedirect] whose
// Status is zero.
const DefaultHTTPSRedirectStatus = 308

// CORSPolicy answers CORS preflight requests and adds the CORS response
// headers to the answers of actual requests from allowed origins
// (Gateway API's HTTPCORSFilter, ingress-nginx's enable-cors).
//
// A preflight request is an OPTIONS request with an Origin and an
// Access-Control-Request-Method header. firsthop answers it 204 itself,
// never forwarding it: with the headers below when the origin is
// allowed, without them (the browser then refuses the actual request)
// when it is not. Every other request is served as usual; when its
// Origin is allowed, its answer gets Access-Control-Allow-Origin, -Allow-
// Credentials and -Expose-Headers, replacing the backend's. Answers vary
// by Origin ("Vary: Origin") unless they would be the same for every
// origin ("*" without credentials).
type CORSPolicy struct {
	// AllowOrigins are "*" alone, allowing every origin, or origins
	// "scheme://host[:port]", lower case, scheme http or https. A host
	// may be "*" (any host) or start with "*." (see OriginWildcards). A
	// port equal to the scheme's default is the same as none. "null" is
	// matched only when listed (it is what sandboxed documents and local
	// files send: listing it lets all of them in).
	//
	// An allowed origin is echoed in Access-Control-Allow-Origin; with
	// "*" and without AllowCredentials, "*" is written instead. With "*"
	// and AllowCredentials every origin but "null" is echoed (Gateway
	// API's rule): any site may then make credentialed requests.
	AllowOrigins []string
	// OriginWildcards says how a "*." host matches: WildcardOneLabel
	// (exactly one more label, ingress-nginx's meaning; the zero value)
	// or WildcardSuffix (one or more, Gateway API's meaning).
	OriginWildcards WildcardRule
	// AllowMethods is the preflight's Access-Control-Allow-Methods: upper
	// case tokens, or "*" alone, written as "*", or as the requested
	// method with AllowCredentials. Empty writes none (the browser then
	// allows GET, HEAD and POST only).
	AllowMethods []string
	// AllowHeaders is the preflight's Access-Control-Allow-Headers:
	// header names, or "*" alone, written as "*", or as the requested
	// headers with AllowCredentials. Empty writes none.
	AllowHeaders []string
	// ExposeHeaders is Access-Control-Expose-Headers: header names, or
	// "*" alone (not with AllowCredentials: browsers read it as a name
	// then). Empty writes none.
	ExposeHeaders []string
	// AllowCredentials writes Access-Control-Allow-Credentials: true.
	AllowCredentials bool
	// MaxAge is the preflight's Access-Control-Max-Age, in whole seconds;
	// zero writes none (browsers then cache a preflight 5 seconds).
	MaxAge time.Duration
}

// BasicAuth asks for HTTP basic authentication (RFC 7617) against a list
// of users with hashed passwords. A request without valid credentials
// gets 401 with a WWW-Authenticate challenge naming Realm. The
// Authorization header is forwarded to the backend as it came, as
// ingress-nginx does: backends behind basic authentication commonly read
// the user from it.
type BasicAuth struct {
	// Realm is the challenge's realm: no quote, backslash or control
	// character.
	Realm string
	// Users are who may pass, each once. Empty lets nobody in.
	Users []BasicAuthUser
}

// BasicAuthUser is one user of a [BasicAuth]: a name (no colon, no
// control character) and a password hash in one of the formats htpasswd
// writes (see [ParsePasswordHash]).
type BasicAuthUser struct {
	Name string
	Hash string
}

// ExternalAuth asks an authentication service about each request before
// the route serves it (ingress-nginx's auth-url): firsthop sends it the
// request's method, URI and header section, no body, with
// X-Original-URL, X-Original-Method and X-Auth-Request-Redirect set, and
// the forwarding headers firsthop writes (the client's own are removed,
// as on the way to any backend). The service answers:
//
//   - 2xx: the request goes on, with the service's ResponseHeaders
//     copied onto it (a header the service does not send is removed from
//     the request, so that a client cannot supply it);
//   - 401: the client gets 401 (with the service's WWW-Authenticate), or
//     with SignIn a 302 to it;
//   - 403: the client gets 403;
//   - anything else, no answer within Timeout, or a backend without an
//     endpoint: 500. It fails closed.
type ExternalAuth struct {
	// Backend names the Backend of the table the service runs on; the
	// auth request goes to one of its endpoints like any request.
	Backend string
	// Path is the auth request's path and query, starting with "/". It
	// and SignIn may use the variables $scheme, $host (the request's
	// host), $http_host (with its port), $request_uri and
	// $escaped_request_uri (ingress-nginx's, as oauth2-proxy's documented
	// setup writes them), expanded per request.
	Path string
	// Host is the Host header of the auth request (the service's name,
	// as the auth URL wrote it); empty means the client's.
	Host string
	// Method is the auth request's method; empty means the client's.
	Method string
	// ResponseHeaders name the headers copied from a 2xx answer to the
	// request forwarded: canonical names a [HeaderModifier] may set.
	ResponseHeaders []string
	// SignIn, when set, is an absolute http(s) URL a client answered 401
	// is redirected to (302), with the query parameter
	// SignInRedirectParam (empty: "rd") holding the request's URL,
	// unless SignIn already has that parameter.
	SignIn              string
	SignInRedirectParam string
	// RequestRedirect is the X-Auth-Request-Redirect sent to the service;
	// empty means the request's URI.
	RequestRedirect string
	// AlwaysSetCookie passes the service's Set-Cookie to the client on a
	// 401 or 403 answer too; without it, only after a 2xx.
	AlwaysSetCookie bool
	// Timeout bounds the auth exchange; zero means
	// [DefaultExternalAuthTimeout].
	Timeout time.Duration
}

// DefaultExternalAuthTimeout bounds an [ExternalAuth] exchange whose
// Timeout is zero.
const DefaultExternalAuthTimeout = 5 * time.Second
