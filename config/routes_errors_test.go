package config

import "testing"

// onPath returns a valid file whose one route's paths item is
// "{path: /, " + item + "}", on line 5; item starts at column 29.
func onPath(item string) string {
	return listener + echoBackend + "routes: [{paths: [{path: /, " + item + "}]}]\n"
}

// routeErrorCases are files whose one problem is in a route's matches,
// action or filters. They also seed FuzzParse.
var routeErrorCases = []errorCase{
	// Method.
	{name: "method lower case", yaml: onPath("backend: b, method: get"), line: 5, col: 49, msg: `routes[0].paths[0].method: "get": write "GET"; methods are compared exactly`},
	{name: "method empty", yaml: onPath(`backend: b, method: ""`), line: 5, col: 49, msg: "method: must not be empty (leave method out to match every method)"},
	{name: "method with space", yaml: onPath(`backend: b, method: "GE T"`), line: 5, col: 49, msg: `"GE T" is not an HTTP method`},
	{name: "method CONNECT", yaml: onPath("backend: b, method: CONNECT"), line: 5, col: 49, msg: "CONNECT opens a tunnel"},
	{name: "method is a list", yaml: onPath("backend: b, method: [GET, POST]"), line: 5, col: 49, msg: "method: want an HTTP method such as GET, got a list"},

	// Header and query matches.
	{name: "header name with space", yaml: onPath(`backend: b, headers: [{name: "X Canary", value: a}]`), line: 5, col: 58, msg: `routes[0].paths[0].headers[0].name: "X Canary" is not a header name`},
	{name: "header name with colon", yaml: onPath(`backend: b, headers: [{name: "X-Canary:", value: a}]`), line: 5, col: 58, msg: "write the name without the colon"},
	{name: "header match on Host", yaml: onPath(`backend: b, headers: [{name: host, value: a.example.com}]`), line: 5, col: 58, msg: "match the host with routes[].host"},
	{name: "header match without name", yaml: onPath(`backend: b, headers: [{value: a}]`), line: 5, col: 51, msg: "routes[0].paths[0].headers[0]: name is required"},
	{name: "header match without value", yaml: onPath(`backend: b, headers: [{name: X-A}]`), line: 5, col: 51, msg: "headers[0]: give one of value, regex or present: true"},
	{name: "header match value and regex", yaml: onPath(`backend: b, headers: [{name: X-A, value: a, regex: a+}]`), line: 5, col: 73, msg: "headers[0]: value and regex are both given"},
	{name: "header match present false", yaml: onPath(`backend: b, headers: [{name: X-A, present: false}]`), line: 5, col: 72, msg: "present: false is not a match: leave the header out"},
	{name: "header match present a word", yaml: onPath(`backend: b, headers: [{name: X-A, present: "yes"}]`), line: 5, col: 72, msg: `headers[0].present: want true or false, got "yes"`},
	{name: "header match bad regex", yaml: onPath(`backend: b, headers: [{name: X-A, regex: "a("}]`), line: 5, col: 70, msg: "headers[0].regex: invalid regular expression (RE2 syntax): missing closing )"},
	{name: "header match Perl regex", yaml: onPath(`backend: b, headers: [{name: X-A, regex: "(?=a)"}]`), line: 5, col: 70, msg: "invalid regular expression (RE2 syntax)"},
	{name: "header match empty regex", yaml: onPath(`backend: b, headers: [{name: X-A, regex: ""}]`), line: 5, col: 70, msg: `an empty regex matches only an empty value: write value: ""`},
	{name: "header matched twice", yaml: listener + echoBackend + "routes:\n  - paths:\n      - path: /\n        backend: b\n        headers:\n          - {name: x-canary, value: a}\n          - {name: X-CANARY, value: b}\n", line: 11, col: 20, msg: `headers[1].name: header "X-Canary" is matched twice (first at line 10)`},
	{name: "headers empty", yaml: onPath("backend: b, headers: []"), line: 5, col: 50, msg: "headers: empty list"},
	{name: "headers a mapping", yaml: onPath("backend: b, headers: {X-A: a}"), line: 5, col: 50, msg: "headers: want a list of header matches, got a mapping"},
	{name: "header match unknown key", yaml: onPath(`backend: b, headers: [{name: X-A, exact: a}]`), line: 5, col: 63, msg: `headers[0]: unknown key "exact" (want name, value, regex, present)`},
	{name: "query name empty", yaml: onPath(`backend: b, query: [{name: "", value: a}]`), line: 5, col: 56, msg: "query[0].name: must not be empty"},
	{name: "query matched twice", yaml: onPath(`backend: b, query: [{name: v, value: "1"}, {name: v, present: true}]`), line: 5, col: 79, msg: `query[1].name: query parameter "v" is matched twice`},

	// Actions.
	{name: "no action", yaml: onPath("pathType: Exact"), line: 5, col: 19, msg: "routes[0].paths[0]: backend is required (or one of backends, redirect, respond)"},
	{name: "backend and redirect", yaml: onPath("backend: b, redirect: {scheme: https}"), line: 5, col: 41, msg: "backend and redirect are both given: a path has one action"},
	{name: "backends empty", yaml: onPath("backends: []"), line: 5, col: 39, msg: "routes[0].paths[0].backends: at least one backend is required"},
	{name: "backends weight negative", yaml: onPath("backends: [{name: b, weight: -1}]"), line: 5, col: 58, msg: "backends[0].weight: -1 is out of range (0 to 1000000)"},
	{name: "backends weight a fraction", yaml: onPath("backends: [{name: b, weight: 0.9}]"), line: 5, col: 58, msg: `backends[0].weight: want a whole number, got "0.9"`},
	{name: "backends weights all zero", yaml: onPath("backends: [{name: b, weight: 0}]"), line: 5, col: 39, msg: "backends: every weight is 0, so no request could be forwarded"},
	{name: "backends name twice", yaml: onPath("backends: [{name: b, weight: 1}, {name: b, weight: 2}]"), line: 5, col: 69, msg: `backends[1].name: backend "b" is listed twice (first at line 5)`},
	{name: "backends name undefined", yaml: onPath("backends: [{name: b}, {name: c}]"), line: 5, col: 58, msg: `routes[0].paths[0].backends[1].name: no backend is named "c" (defined: b)`},
	{name: "backends name missing", yaml: onPath("backends: [{weight: 1}]"), line: 5, col: 40, msg: "backends[0]: name is required"},
	{name: "backends a name", yaml: onPath("backends: b"), line: 5, col: 39, msg: `backends: want a list of weighted backends, got "b"`},
	{name: "redirect scheme in capitals", yaml: onPath("redirect: {scheme: HTTPS}"), line: 5, col: 48, msg: `redirect.scheme: unknown scheme "HTTPS" (did you mean https? it is case-sensitive)`},
	{name: "redirect scheme ftp", yaml: onPath("redirect: {scheme: ftp}"), line: 5, col: 48, msg: `unknown scheme "ftp" (want http or https)`},
	{name: "redirect status 200", yaml: onPath("redirect: {scheme: https, status: 200}"), line: 5, col: 63, msg: "redirect.status: 200 is not a redirect status (want 301, 302, 303, 307 or 308)"},
	{name: "redirect to itself", yaml: onPath("redirect: {status: 301}"), line: 5, col: 39, msg: "redirect: give scheme, host, port, path or pathPrefix: a redirect that changes nothing"},
	{name: "redirect host with port", yaml: onPath("redirect: {host: \"a.example.com:8443\"}"), line: 5, col: 46, msg: `redirect.host: "a.example.com:8443": write the port under port`},
	{name: "redirect host wildcard", yaml: onPath("redirect: {host: \"*.example.com\"}"), line: 5, col: 46, msg: "a redirect goes to one host, not a wildcard"},
	{name: "redirect host bad", yaml: onPath("redirect: {host: a..example.com}"), line: 5, col: 46, msg: `redirect.host: host "a..example.com": empty label`},
	{name: "redirect port 0", yaml: onPath("redirect: {port: 0}"), line: 5, col: 46, msg: "redirect.port: 0 is out of range (1 to 65535)"},
	{name: "redirect path and pathPrefix", yaml: onPath("redirect: {path: /a, pathPrefix: /b}"), line: 5, col: 50, msg: "redirect: path and pathPrefix are both given"},
	{name: "redirect pathPrefix on Exact", yaml: onPath("pathType: Exact, redirect: {pathPrefix: /b}"), line: 5, col: 57, msg: "redirect: pathPrefix replaces the prefix a Prefix path matched, and this path is Exact: use path"},
	{name: "redirect path not clean", yaml: onPath("redirect: {path: /a/../b}"), line: 5, col: 46, msg: `redirect.path: path "/a/../b" is not clean: write "/b"`},
	{name: "redirect path with query", yaml: onPath(`redirect: {path: "/a?b"}`), line: 5, col: 46, msg: "a route path has no query or fragment"},
	{name: "redirect path with semicolon", yaml: onPath("redirect: {path: /a;b}"), line: 5, col: 46, msg: `redirect.path: path "/a;b" contains ';', which backends read differently`},
	{name: "respond without status", yaml: onPath("respond: {body: gone}"), line: 5, col: 38, msg: "respond: status is required"},
	{name: "respond status 700", yaml: onPath("respond: {status: 700}"), line: 5, col: 47, msg: "respond.status: 700 is out of range (200 to 599)"},
	{name: "respond 204 with body", yaml: onPath("respond: {status: 204, body: x}"), line: 5, col: 58, msg: "respond.body: a 204 response has no body"},
	{name: "respond bad content type", yaml: onPath("respond: {status: 200, body: x, contentType: text}"), line: 5, col: 74, msg: `respond.contentType: "text" is not a media type`},
	{name: "respond with requestHeaders", yaml: onPath("respond: {status: 404}, requestHeaders: {set: {X-A: a}}"), line: 5, col: 53, msg: "routes[0].paths[0]: requestHeaders applies to requests forwarded to a backend; this path answers with respond"},
	{name: "redirect with rewrite", yaml: onPath("redirect: {scheme: https}, rewrite: {path: /a}"), line: 5, col: 56, msg: "rewrite applies to requests forwarded to a backend; this path answers with redirect"},
	{name: "respond with timeout", yaml: onPath("respond: {status: 404}, timeout: 5s"), line: 5, col: 53, msg: "timeout applies to requests forwarded to a backend"},

	// Header changes.
	{name: "set a forwarding header", yaml: onPath("backend: b, requestHeaders: {set: {x-forwarded-for: 1.2.3.4}}"), line: 5, col: 64, msg: "requestHeaders.set: X-Forwarded-For cannot be changed: it is a forwarding header firsthop writes itself (see forwardedHeaders)"},
	{name: "remove a hop-by-hop header", yaml: onPath("backend: b, requestHeaders: {remove: [Connection]}"), line: 5, col: 67, msg: "requestHeaders.remove[0]: Connection cannot be changed: it is a hop-by-hop header"},
	{name: "set Host", yaml: onPath("backend: b, requestHeaders: {set: {Host: a}}"), line: 5, col: 64, msg: "Host cannot be changed: it is set by a rewrite's host, not by a header modifier: use rewrite.host"},
	{name: "add Transfer-Encoding to responses", yaml: onPath("backend: b, responseHeaders: {add: {transfer-encoding: chunked}}"), line: 5, col: 65, msg: "responseHeaders.add: Transfer-Encoding cannot be changed: it is a hop-by-hop header"},
	{name: "set a bad header name", yaml: onPath(`backend: b, requestHeaders: {set: {"X Env": prod}}`), line: 5, col: 64, msg: `requestHeaders.set: "X Env" is not a header name`},
	{name: "set one header twice", yaml: onPath("backend: b, requestHeaders: {set: {X-Env: a, x-env: b}}"), line: 5, col: 74, msg: "requestHeaders.set: X-Env is given twice (first at line 5; header names are case-insensitive)"},
	{name: "remove a header set", yaml: onPath("backend: b, requestHeaders: {set: {X-Env: a}, remove: [x-env]}"), line: 5, col: 84, msg: "requestHeaders.remove[0]: X-Env is also set or added (line 5)"},
	{name: "remove one header twice", yaml: onPath("backend: b, requestHeaders: {remove: [X-A, x-a]}"), line: 5, col: 72, msg: "requestHeaders.remove[1]: X-A is listed twice"},
	{name: "set a value with a line break", yaml: onPath(`backend: b, requestHeaders: {set: {X-Env: "a\nb"}}`), line: 5, col: 71, msg: `requestHeaders.set.X-Env: "a\nb" is not a valid header value`},
	{name: "set a null value", yaml: onPath("backend: b, requestHeaders: {set: {X-Env: ~}}"), line: 5, col: 71, msg: `requestHeaders.set.X-Env: want a value (write "" for an empty one)`},
	{name: "set a list value", yaml: onPath("backend: b, requestHeaders: {set: {X-Env: [a]}}"), line: 5, col: 71, msg: "requestHeaders.set.X-Env: want a header value, got a list"},
	{name: "set a list", yaml: onPath("backend: b, requestHeaders: {set: [X-Env]}"), line: 5, col: 63, msg: "requestHeaders.set: want header names and values (a mapping such as {X-Env: prod}), got a list"},
	{name: "header changes empty", yaml: onPath("backend: b, responseHeaders: {}"), line: 5, col: 58, msg: "responseHeaders: give set, add or remove"},
	{name: "header changes misspelt", yaml: onPath("backend: b, responseHeaders: {delete: [X-A]}"), line: 5, col: 59, msg: `responseHeaders: unknown key "delete" (want set, add, remove)`},
	{name: "split backend header change", yaml: onPath("backends: [{name: b, requestHeaders: {add: {Forwarded: for=a}}}]"), line: 5, col: 73, msg: "backends[0].requestHeaders.add: Forwarded cannot be changed"},

	// Rewrite.
	{name: "rewrite empty", yaml: onPath("backend: b, rewrite: {}"), line: 5, col: 50, msg: "rewrite: give host, path, pathPrefix or pathTemplate"},
	{name: "rewrite pathPrefix on Exact", yaml: onPath("pathType: Exact, backend: b, rewrite: {pathPrefix: /v2}"), line: 5, col: 68, msg: "pathPrefix replaces the prefix a Prefix path matched, and this path is Exact: use path"},
	{name: "rewrite path relative", yaml: onPath("backend: b, rewrite: {path: v2}"), line: 5, col: 57, msg: `rewrite.path: path "v2" must start with "/"`},
	{name: "rewrite host wildcard", yaml: onPath(`backend: b, rewrite: {host: "*.internal"}`), line: 5, col: 57, msg: "a rewrite sends one host, not a wildcard"},
	{name: "rewrite host port 0", yaml: onPath(`backend: b, rewrite: {host: "api.internal:0"}`), line: 5, col: 57, msg: `rewrite.host: port "0" is not a number from 1 to 65535`},
	{name: "rewrite host with scheme", yaml: onPath(`backend: b, rewrite: {host: "http://api.internal"}`), line: 5, col: 57, msg: "must be a name only, without scheme or path"},

	// Mirror.
	{name: "mirror percent 0", yaml: onPath("backend: b, mirror: [{backend: b, percent: 0}]"), line: 5, col: 72, msg: "mirror[0].percent: 0 is out of range (1 to 100)"},
	{name: "mirror undefined backend", yaml: onPath("backend: b, mirror: [{backend: shadow}]"), line: 5, col: 60, msg: `routes[0].paths[0].mirror[0].backend: no backend is named "shadow" (defined: b)`},
	{name: "mirror twice", yaml: onPath("backend: b, mirror: [{backend: b}, {backend: b, percent: 5}]"), line: 5, col: 74, msg: `mirror[1].backend: backend "b" is mirrored twice`},
	{name: "mirror without backend", yaml: onPath("backend: b, mirror: [{percent: 5}]"), line: 5, col: 50, msg: "mirror[0]: backend is required"},
	{name: "mirror empty", yaml: onPath("backend: b, mirror: []"), line: 5, col: 49, msg: "mirror: empty list"},

	// Timeouts.
	{name: "timeout and timeouts.request", yaml: listener + echoBackend + "routes:\n  - paths:\n      - path: /\n        backend: b\n        timeout: 10s\n        timeouts: {request: 20s}\n", line: 10, col: 20, msg: "timeouts.request: timeout is given too (line 9): they are the same setting, write one"},
	{name: "backendRequest beyond request", yaml: onPath("backend: b, timeouts: {request: 5s, backendRequest: 10s}"), line: 5, col: 81, msg: "timeouts.backendRequest: 10s is longer than the request timeout 5s"},
	{name: "backendRequest beyond timeout", yaml: onPath("backend: b, timeout: 5s, timeouts: {backendRequest: 10s}"), line: 5, col: 81, msg: "10s is longer than the request timeout 5s"},
	{name: "timeouts unknown key", yaml: onPath("backend: b, timeouts: {connect: 1s}"), line: 5, col: 52, msg: `timeouts: unknown key "connect" (want request, backendRequest)`},
	{name: "timeouts empty", yaml: onPath("backend: b, timeouts: {}"), line: 5, col: 51, msg: "timeouts: give request or backendRequest"},

	// Distinct routes by RouteKey.
	{name: "duplicate route with the same method", yaml: listener + echoBackend + "routes:\n  - paths:\n      - {path: /api, method: GET, backend: b}\n      - {path: /api, method: POST, backend: b}\n      - {path: /api/, method: GET, backend: b}\n", line: 9, col: 9, msg: `routes[0].paths[2]: duplicate route: any host, path "/api/" (Prefix) with the same method, headers and query is already routed by routes[0].paths[0] at line 7`},
	{name: "duplicate route with headers in another order", yaml: listener + echoBackend + "routes:\n  - paths:\n      - {path: /, backend: b, headers: [{name: X-A, value: a}, {name: X-B, present: true}]}\n      - {path: /, backend: b, headers: [{name: x-b, present: true}, {name: x-a, value: a}]}\n", line: 8, col: 9, msg: "routes[0].paths[1]: duplicate route: any host, path \"/\" (Prefix) with the same method, headers and query"},

	// Scopes.
	{name: "route scope no listener serves", yaml: listener + echoBackend + "routes:\n  - scope: internal\n    paths: [{path: /, backend: b}, {path: /a, backend: b}]\n", line: 6, col: 12, msg: `routes[0].scope: no listener serves scope "internal", so these routes are never used (listeners: public: the default scope)`},
	{name: "default scope no listener serves", yaml: "listeners:\n  - {name: public, address: 127.0.0.1:8080, scope: edge}\n" + echoBackend + "routes:\n  - paths: [{path: /, backend: b}, {path: /a, backend: b}]\n", line: 6, col: 13, msg: `routes[0].paths[0]: every listener names a scope, so the routes without one are never used: give their hosts a scope (listeners: public: "edge")`},
	{name: "route scope bad name", yaml: listener + echoBackend + "routes:\n  - {scope: \"a b\", paths: [{path: /, backend: b}]}\n", line: 6, col: 13, msg: `routes[0].scope: "a b": only printable ASCII without spaces`},
	{name: "listener scope bad name", yaml: "listeners:\n  - {name: public, address: 127.0.0.1:8080, scope: [a]}\n", line: 2, col: 52, msg: "listeners[0].scope: want a name, got a list"},

	// Keys written at the wrong level.
	{name: "method on the host", yaml: listener + echoBackend + "routes:\n  - method: GET\n    paths: [{path: /, backend: b}]\n", line: 6, col: 5, msg: `routes[0]: unknown key "method" (did you mean routes[].paths[].method?)`},
	{name: "weight on the path", yaml: onPath("backend: b, weight: 10"), line: 5, col: 41, msg: `unknown key "weight" (did you mean routes[].paths[].backends[].weight?)`},
	{name: "scheme on the path", yaml: onPath("backend: b, scheme: https"), line: 5, col: 41, msg: `unknown key "scheme" (did you mean routes[].paths[].redirect.scheme?)`},
	{name: "Redirect in capitals", yaml: onPath("Redirect: {scheme: https}"), line: 5, col: 29, msg: `unknown key "Redirect" (did you mean redirect? keys are case-sensitive)`},
	{name: "percent on the path", yaml: onPath("backend: b, mirror: [{backend: b}], percent: 5"), line: 5, col: 65, msg: "did you mean routes[].paths[].mirror[].percent?"},
}

// TestRouteErrors checks each route error case as [TestParseErrors] does.
func TestRouteErrors(t *testing.T) {
	t.Parallel()
	runErrorCases(t, routeErrorCases)
}
