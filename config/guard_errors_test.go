package config

import (
	"strings"
	"testing"
)

// onItem returns a valid file whose one route's paths item is "{" + item
// + "}", on line 5; item starts at column 20.
func onItem(item string) string {
	return listener + echoBackend + "routes: [{paths: [{" + item + "}]}]\n"
}

// onAffinity returns a valid file whose one backend, on line 4, has
// affinity: a, a starting at column 65.
func onAffinity(a string) string {
	return listener + "backends:\n  - {name: b, endpoints: [{address: 127.0.0.1:9001}], affinity: " + a + "}\nroutes: [{paths: [{path: /, backend: b}]}]\n"
}

// guardErrorCases are files whose one problem is in a route guard
// (maxRequestBodySize, httpsRedirect, cors, basicAuth, externalAuth), a
// RegularExpression path or its pathTemplate, or a backend's affinity.
// File keys are relative to the test's working directory (the file is
// "test.yaml"). They also seed FuzzParse.
var guardErrorCases = []errorCase{
	// Body size.
	{name: "body size in MB", yaml: onPath(`backend: b, maxRequestBodySize: 10MB`), line: 5, col: 61, msg: `routes[0].paths[0].maxRequestBodySize: "10MB": unknown unit "MB" (did you mean 10MiB? sizes are binary`},
	{name: "body size in nginx units", yaml: onPath(`backend: b, maxRequestBodySize: 8m`), line: 5, col: 61, msg: `(did you mean 8MiB?`},
	{name: "body size zero", yaml: onPath(`backend: b, maxRequestBodySize: 0`), line: 5, col: 61, msg: `maxRequestBodySize: "0": a size of 0 allows nothing (leave the key out for no limit)`},
	{name: "body size fraction", yaml: onPath(`backend: b, maxRequestBodySize: 1.5MiB`), line: 5, col: 61, msg: `"1.5MiB": write a whole number, with a smaller unit if need be`},
	{name: "body size above 1 TiB", yaml: onPath(`backend: b, maxRequestBodySize: 2TiB`), line: 5, col: 61, msg: `"2TiB" is larger than 1 TiB`},
	{name: "body size negative", yaml: onPath(`backend: b, maxRequestBodySize: -1`), line: 5, col: 61, msg: `"-1" is not a size`},
	{name: "body size a list", yaml: onPath(`backend: b, maxRequestBodySize: [1]`), line: 5, col: 61, msg: `maxRequestBodySize: want a size such as 10MiB, got a list`},
	{name: "body size misnamed", yaml: onPath(`backend: b, maxRequestBodyBytes: 1MiB`), line: 5, col: 41, msg: `unknown key "maxRequestBodyBytes" (did you mean maxRequestBodySize?)`},

	// HTTPS redirect.
	{name: "httpsRedirect status 200", yaml: onPath(`backend: b, httpsRedirect: {status: 200}`), line: 5, col: 65, msg: `httpsRedirect.status: 200 is not a redirect status (want 301, 302, 303, 307 or 308)`},
	{name: "httpsRedirect a word", yaml: onPath(`backend: b, httpsRedirect: yes`), line: 5, col: 56, msg: `httpsRedirect: want true or false, got "yes"`},
	{name: "httpsRedirect port 0", yaml: onPath(`backend: b, httpsRedirect: {port: 0}`), line: 5, col: 63, msg: `httpsRedirect.port: 0 is out of range (1 to 65535)`},
	{name: "httpsRedirect unknown key", yaml: onPath(`backend: b, httpsRedirect: {host: a}`), line: 5, col: 57, msg: `httpsRedirect: unknown key "host" (want status, port)`},
	{name: "sslRedirect", yaml: onPath(`backend: b, sslRedirect: true`), line: 5, col: 41, msg: `unknown key "sslRedirect" (did you mean httpsRedirect?)`},

	// CORS.
	{name: "cors without allowOrigins", yaml: onPath(`backend: b, cors: {allowMethods: [GET]}`), line: 5, col: 47, msg: `routes[0].paths[0].cors: allowOrigins is required`},
	{name: "cors origin with a path", yaml: onPath(`backend: b, cors: {allowOrigins: ["https://a.example.com/"]}`), line: 5, col: 63, msg: `: an origin has no path, write https://a.example.com`},
	{name: "cors origin in capitals", yaml: onPath(`backend: b, cors: {allowOrigins: ["https://App.example.com"]}`), line: 5, col: 63, msg: `cors.allowOrigins[0]: "https://App.example.com" is not an origin (scheme://host[:port], lower case, http or https, a host "*" or starting with "*."): write https://app.example.com`},
	{name: "cors origin without scheme", yaml: onPath(`backend: b, cors: {allowOrigins: [app.example.com]}`), line: 5, col: 63, msg: ` is not an origin`},
	{name: "cors star with others", yaml: onPath(`backend: b, cors: {allowOrigins: ["*", "https://a.example.com"]}`), line: 5, col: 63, msg: `allowOrigins[0]: "*" allows every one and is not listed with others`},
	{name: "cors origin twice", yaml: onPath(`backend: b, cors: {allowOrigins: [null, null]}`), line: 5, col: 69, msg: `allowOrigins[1]: null is listed twice (first at line 5)`},
	{name: "cors method in lower case", yaml: onPath(`backend: b, cors: {allowOrigins: ["*"], allowMethods: [GET, put]}`), line: 5, col: 89, msg: `allowMethods[1]: "put": write "PUT"`},
	{name: "cors method not a token", yaml: onPath(`backend: b, cors: {allowOrigins: ["*"], allowMethods: ["GET POST"]}`), line: 5, col: 84, msg: `allowMethods[0]: "GET POST" is not an HTTP method`},
	{name: "cors header not a name", yaml: onPath(`backend: b, cors: {allowOrigins: ["*"], allowHeaders: ["X Token"]}`), line: 5, col: 84, msg: `allowHeaders[0]: "X Token" is not a header name`},
	{name: "cors header twice", yaml: onPath(`backend: b, cors: {allowOrigins: ["*"], allowHeaders: [x-a, X-A]}`), line: 5, col: 89, msg: `allowHeaders[1]: X-A is listed twice (first at line 5)`},
	{name: "cors exposed star with credentials", yaml: onPath(`backend: b, cors: {allowOrigins: ["https://a.example.com"], exposeHeaders: ["*"], allowCredentials: true}`), line: 5, col: 105, msg: `cors.exposeHeaders: "*" with allowCredentials: browsers read it as a header named "*" then`},
	{name: "cors max age in milliseconds", yaml: onPath(`backend: b, cors: {allowOrigins: ["*"], maxAge: 1500ms}`), line: 5, col: 77, msg: `cors.maxAge: 1.5s is not a whole number of seconds`},
	{name: "cors empty list", yaml: onPath(`backend: b, cors: {allowOrigins: ["*"], allowMethods: []}`), line: 5, col: 83, msg: `cors.allowMethods: empty list: leave the key out, or list methods`},
	{name: "cors origins misnamed", yaml: onPath(`backend: b, cors: {origins: ["*"]}`), line: 5, col: 48, msg: `cors: unknown key "origins" (did you mean allowOrigins?)`},

	// Basic authentication.
	{name: "basicAuth without a file", yaml: onPath(`backend: b, basicAuth: {realm: staff}`), line: 5, col: 52, msg: `basicAuth: htpasswdFile is required`},
	{name: "basicAuth file missing", yaml: onPath(`backend: b, basicAuth: {htpasswdFile: testdata/nope.htpasswd}`), line: 5, col: 67, msg: `basicAuth.htpasswdFile: reading the htpasswd file: open testdata/nope.htpasswd: no such file or directory`},
	{name: "basicAuth file a directory", yaml: onPath(`backend: b, basicAuth: {htpasswdFile: testdata}`), line: 5, col: 67, msg: `reading the htpasswd file: testdata is not a regular file`},
	{name: "basicAuth plain-text password", yaml: onPath(`backend: b, basicAuth: {htpasswdFile: testdata/plain.htpasswd}`), line: 5, col: 67, msg: `basicAuth.htpasswdFile: testdata/plain.htpasswd: htpasswd line 3, user "bob": not a password hash firsthop serves`},
	{name: "basicAuth realm with a quote", yaml: onPath(`backend: b, basicAuth: {realm: 'a"b', htpasswdFile: testdata/users.htpasswd}`), line: 5, col: 60, msg: `basicAuth.realm: basic auth realm "a\"b" holds a quote, a backslash or a control character`},
	{name: "basicAuth htpasswd misnamed", yaml: onPath(`backend: b, basicAuth: {htpasswd: testdata/users.htpasswd}`), line: 5, col: 53, msg: `basicAuth: unknown key "htpasswd" (did you mean htpasswdFile?)`},
	{name: "basicAuth a file name", yaml: onPath(`backend: b, basicAuth: testdata/users.htpasswd`), line: 5, col: 52, msg: `basicAuth: want basic authentication {realm, htpasswdFile} (a mapping), got "testdata/users.htpasswd"`},

	// External authentication.
	{name: "externalAuth without backend", yaml: onPath(`backend: b, externalAuth: {path: /auth}`), line: 5, col: 55, msg: `externalAuth: backend is required`},
	{name: "externalAuth without path", yaml: onPath(`backend: b, externalAuth: {backend: b}`), line: 5, col: 55, msg: `externalAuth: path is required`},
	{name: "externalAuth undefined backend", yaml: onPath(`backend: b, externalAuth: {backend: oauth2, path: /auth}`), line: 5, col: 65, msg: `routes[0].paths[0].externalAuth.backend: no backend is named "oauth2" (defined: b)`},
	{name: "externalAuth relative path", yaml: onPath(`backend: b, externalAuth: {backend: b, path: auth}`), line: 5, col: 74, msg: `externalAuth.path: external auth path "auth" must start with /`},
	{name: "externalAuth path with a space", yaml: onPath(`backend: b, externalAuth: {backend: b, path: "/a b"}`), line: 5, col: 74, msg: `must start with / and hold no space`},
	{name: "externalAuth unknown variable", yaml: onPath(`backend: b, externalAuth: {backend: b, path: "/auth?u=$uri"}`), line: 5, col: 74, msg: `externalAuth.path: unknown variable "$uri" (want $escaped_request_uri, $request_uri, $scheme, $http_host, $host)`},
	{name: "externalAuth variable run on", yaml: onPath(`backend: b, externalAuth: {backend: b, path: "/auth?h=$hostname"}`), line: 5, col: 74, msg: `unknown variable "$hostname"`},
	{name: "externalAuth sign-in not absolute", yaml: onPath(`backend: b, externalAuth: {backend: b, path: /auth, signIn: /oauth2/start}`), line: 5, col: 89, msg: `externalAuth.signIn: external auth sign-in "/oauth2/start" is not an absolute http(s) URL`},
	{name: "externalAuth forwarding response header", yaml: onPath(`backend: b, externalAuth: {backend: b, path: /auth, responseHeaders: [x-forwarded-for]}`), line: 5, col: 99, msg: `responseHeaders[0]: X-Forwarded-For cannot be changed`},
	{name: "externalAuth response header twice", yaml: onPath(`backend: b, externalAuth: {backend: b, path: /auth, responseHeaders: [X-User, x-user]}`), line: 5, col: 107, msg: `responseHeaders[1]: X-User is listed twice`},
	{name: "externalAuth redirect param without signIn", yaml: onPath(`backend: b, externalAuth: {backend: b, path: /auth, signInRedirectParam: next}`), line: 5, col: 81, msg: `externalAuth.signInRedirectParam: names the parameter of signIn, which is not given`},
	{name: "externalAuth redirect param not a token", yaml: onPath(`backend: b, externalAuth: {backend: b, path: /auth, signIn: "https://a.example.com/", signInRedirectParam: "a b"}`), line: 5, col: 136, msg: `external auth sign-in redirect parameter "a b" is not a token`},
	{name: "externalAuth timeout in words", yaml: onPath(`backend: b, externalAuth: {backend: b, path: /auth, timeout: 5}`), line: 5, col: 90, msg: `externalAuth.timeout: invalid duration "5"`},
	{name: "externalAuth signin in lower case", yaml: onPath(`backend: b, externalAuth: {backend: b, path: /auth, signin: "https://a.example.com/"}`), line: 5, col: 81, msg: `externalAuth: unknown key "signin" (did you mean signIn? keys are case-sensitive)`},

	// RegularExpression paths and pathTemplate.
	{name: "regex path invalid", yaml: onItem(`path: "/a(", pathType: RegularExpression, backend: b`), line: 5, col: 26, msg: `routes[0].paths[0].path: invalid regular expression`},
	{name: "regex path relative", yaml: onItem(`path: "a+", pathType: RegularExpression, backend: b`), line: 5, col: 26, msg: `path "a+" must start with "/"`},
	{name: "regex path too long", yaml: onItem(`path: "/` + strings.Repeat("a", 1024) + `", pathType: RegularExpression, backend: b`), line: 5, col: 26, msg: `regular expression is 1025 bytes long, more than 1024`},
	{name: "pathType Regex", yaml: onItem(`path: /a, pathType: Regex, backend: b`), line: 5, col: 40, msg: `unknown pathType "Regex" (did you mean RegularExpression? Gateway API's spelling)`},
	{name: "pathType in lower case", yaml: onItem(`path: /a, pathType: regularexpression, backend: b`), line: 5, col: 40, msg: `(did you mean RegularExpression? it is case-sensitive)`},
	{name: "pathTemplate on a Prefix path", yaml: onPath(`backend: b, rewrite: {pathTemplate: /$1}`), line: 5, col: 51, msg: `rewrite: pathTemplate fills in the groups a RegularExpression path captured, and this path is Prefix: use path or pathPrefix`},
	{name: "pathTemplate bad reference", yaml: onItem(`path: "/a/(.*)", pathType: RegularExpression, backend: b, rewrite: {pathTemplate: /$x}`), line: 5, col: 102, msg: `rewrite.pathTemplate: regex rewrite "/$x": "$" must be followed by a group number`},
	{name: "pathTemplate with a query", yaml: onItem(`path: "/a/(.*)", pathType: RegularExpression, backend: b, rewrite: {pathTemplate: "/$1?a=b"}`), line: 5, col: 102, msg: `holds ? or #: the rewrite replaces the path only`},
	{name: "pathTemplate empty", yaml: onItem(`path: "/a/(.*)", pathType: RegularExpression, backend: b, rewrite: {pathTemplate: ""}`), line: 5, col: 102, msg: `rewrite.pathTemplate: must not be empty`},
	{name: "pathTemplate and path", yaml: onItem(`path: "/a/(.*)", pathType: RegularExpression, backend: b, rewrite: {path: /b, pathTemplate: /$1}`), line: 5, col: 98, msg: `rewrite: path and pathTemplate are both given`},
	{name: "pathPrefix on a regex path", yaml: onItem(`path: "/a/(.*)", pathType: RegularExpression, backend: b, rewrite: {pathPrefix: /b}`), line: 5, col: 88, msg: `pathPrefix replaces the prefix a Prefix path matched, and this path is RegularExpression: use path`},
	{name: "pathTemplate on a redirect", yaml: onItem(`path: "/a/(.*)", pathType: RegularExpression, redirect: {pathTemplate: /$1}`), line: 5, col: 77, msg: `redirect: unknown key "pathTemplate" (did you mean routes[].paths[].rewrite.pathTemplate?)`},
	{name: "rewriteTarget", yaml: onItem(`path: "/a/(.*)", pathType: RegularExpression, backend: b, rewrite: {rewriteTarget: /$1}`), line: 5, col: 88, msg: `rewrite: unknown key "rewriteTarget" (did you mean pathTemplate?)`},

	// Affinity.
	{name: "affinity without cookie", yaml: onAffinity(`{}`), line: 4, col: 65, msg: `backends[0].affinity: cookie is required`},
	{name: "affinity cookie without name", yaml: onAffinity(`{cookie: {path: /}}`), line: 4, col: 74, msg: `backends[0].affinity.cookie: name is required`},
	{name: "affinity cookie name not a token", yaml: onAffinity(`{cookie: {name: "a b"}}`), line: 4, col: 81, msg: `affinity.cookie.name: cookie name "a b" is not a token`},
	{name: "affinity cookie path relative", yaml: onAffinity(`{cookie: {name: c, path: app}}`), line: 4, col: 90, msg: `affinity.cookie.path: cookie path "app" does not start with /`},
	{name: "affinity sameSite in lower case", yaml: onAffinity(`{cookie: {name: c, sameSite: lax}}`), line: 4, col: 94, msg: `affinity.cookie.sameSite: unknown SameSite "lax" (did you mean Lax? it is case-sensitive)`},
	{name: "affinity domain with a leading dot", yaml: onAffinity(`{cookie: {name: c, domain: .example.com}}`), line: 4, col: 92, msg: `affinity.cookie.domain: ".example.com": write example.com`},
	{name: "affinity domain wildcard", yaml: onAffinity(`{cookie: {name: c, domain: "*.example.com"}}`), line: 4, col: 92, msg: `a cookie's domain is one name, not a wildcard`},
	{name: "affinity domain with a port", yaml: onAffinity(`{cookie: {name: c, domain: "example.com:443"}}`), line: 4, col: 92, msg: `affinity.cookie.domain: `},
	{name: "affinity maxAge in milliseconds", yaml: onAffinity(`{cookie: {name: c, maxAge: 1500ms}}`), line: 4, col: 92, msg: `affinity.cookie.maxAge: 1.5s is not a whole number of seconds`},
	{name: "affinity cookie name misplaced", yaml: onAffinity(`{name: c}`), line: 4, col: 66, msg: `backends[0].affinity: unknown key "name" (want cookie)`},

	// Keys written at the wrong level.
	{name: "basicAuth on the host", yaml: listener + echoBackend + "routes: [{basicAuth: {htpasswdFile: testdata/users.htpasswd}, paths: [{path: /, backend: b}]}]\n", line: 5, col: 11, msg: `routes[0]: unknown key "basicAuth" (did you mean routes[].paths[].basicAuth?)`},
	{name: "affinity on the path", yaml: onPath("backend: b, affinity: {cookie: {name: c}}"), line: 5, col: 41, msg: `routes[0].paths[0]: unknown key "affinity" (did you mean backends[].affinity?)`},
	{name: "rootCAsFile on the backend", yaml: listener + "backends: [{name: b, protocol: https, rootCAsFile: ca.crt, endpoints: [{address: 127.0.0.1:9443}]}]\nroutes: [{paths: [{path: /, backend: b}]}]\n", line: 3, col: 39, msg: `backends[0]: unknown key "rootCAsFile" (did you mean backends[].tls.rootCAsFile?)`},
	{name: "affinity on an echo backend", yaml: listener + "backends: [{name: b, echo: true, affinity: {cookie: {name: c}}}]\nroutes: [{paths: [{path: /, backend: b}]}]\n", line: 3, col: 34, msg: "backends[0].affinity: an echo backend has one endpoint, so there is nothing to keep a client on"},
}

// TestGuardErrors checks each guard error case as [TestParseErrors] does.
func TestGuardErrors(t *testing.T) {
	t.Parallel()
	runErrorCases(t, guardErrorCases)
}
