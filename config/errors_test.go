package config

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// errorCase is a file with exactly one problem, and where and what it is.
type errorCase struct {
	name string
	yaml string
	opts Options
	line int // 0: no line
	col  int // 0: no column
	msg  string
}

// listener is a valid listeners section (lines 1-2) that error cases
// prepend so that they have exactly one problem.
const listener = "listeners:\n  - {name: public, address: 127.0.0.1:8080}\n"

// echoBackend is a valid backend named b for cases that need one.
const echoBackend = "backends:\n  - {name: b, echo: true}\n"

var errorCases = []errorCase{
	// The document.
	{name: "empty file", yaml: "", msg: "the file is empty"},
	{name: "comments only", yaml: "# nothing here\n", msg: "the file is empty"},
	{name: "null document", yaml: "~\n", line: 1, col: 1, msg: "holds no settings"},
	{name: "two documents", yaml: listener + "---\nnode: a\n", line: 3, col: 1, msg: "a second YAML document"},
	{name: "trailing document separator", yaml: listener + "---", line: 3, col: 1, msg: "a second YAML document"},
	{name: "separator only", yaml: "---", line: 1, col: 1, msg: "holds no settings"},
	{name: "syntax error tab indent", yaml: "listeners:\n\t- {name: a}\n", line: 2, col: 1, msg: "YAML syntax error: found character that cannot start any token"},
	{name: "syntax error on first line", yaml: "node: a: b\n", line: 1, col: 8, msg: "YAML syntax error: mapping values are not allowed"},
	{name: "unknown anchor", yaml: listener + "node: *nope\n", line: 3, col: 7, msg: "unknown anchor 'nope'"},
	{name: "invalid UTF-8", yaml: listener + "node: a\xffb\n", line: 3, col: 8, msg: "invalid UTF-8 (byte 0xff)"},
	{name: "control character", yaml: listener + "zone: \x01\n", line: 3, col: 7, msg: "control character U+0001"},
	{name: "top level is a list", yaml: "- listeners\n", line: 1, col: 1, msg: "want a configuration (a mapping), got a list"},

	// Keys.
	{name: "unknown top-level key", yaml: listener + "nodes: a\n", line: 3, col: 1, msg: `unknown key "nodes" (want node, zone, admin,`},
	{name: "unknown key differing in case", yaml: listener + "clientIp: {}\n", line: 3, col: 1, msg: "did you mean clientIP? keys are case-sensitive"},
	{name: "unknown listener key", yaml: "listeners:\n  - name: a\n    address: 127.0.0.1:80\n    adress: 127.0.0.1:81\n", line: 4, col: 5, msg: `listeners[0]: unknown key "adress" (want name, address, publicPort, proxyProtocol, accessLog, tls, h2c, timeouts, maxHeaderBytes, http2, policies, scope)`},
	{name: "unknown endpoint key", yaml: listener + "backends:\n  - name: b\n    endpoints:\n      - {address: 127.0.0.1:80, weight: 2}\n", line: 6, col: 33, msg: `backends[0].endpoints[0]: unknown key "weight"`},
	{name: "trustedProxies at the top level", yaml: listener + "trustedProxies: [10.0.0.0/8]\n", line: 3, col: 1, msg: `the file: unknown key "trustedProxies" (did you mean clientIP.trustedProxies?)`},
	{name: "trustedCIDRs in a listener", yaml: "listeners:\n  - name: a\n    address: 127.0.0.1:80\n    trustedCIDRs: [10.0.0.0/8]\n", line: 4, col: 5, msg: `listeners[0]: unknown key "trustedCIDRs" (did you mean listeners[].proxyProtocol.trustedCIDRs?)`},
	{name: "listeners inside clientIP", yaml: listener + "clientIP:\n  listeners: []\n", line: 4, col: 3, msg: `clientIP: unknown key "listeners" (did you mean listeners?)`},
	{name: "key set twice", yaml: listener + "node: a\nnode: b\n", line: 4, col: 1, msg: "node is set twice (first at line 3)"},
	{name: "key not a name", yaml: listener + "? [a]\n: b\n", line: 3, col: 3, msg: "a key must be a plain name, got a list"},
	{name: "alias", yaml: listener + "node: &n a\nzone: *n\n", line: 4, col: 7, msg: "zone: YAML aliases (*n) are not supported"},

	// Types.
	{name: "duration is a list", yaml: "listeners:\n  - name: a\n    address: 127.0.0.1:80\n    proxyProtocol: {headerTimeout: [1]}\n", line: 4, col: 36, msg: `listeners[0].proxyProtocol.headerTimeout: want a duration such as "5s", got a list`},
	{name: "listeners is a mapping", yaml: "listeners: {name: a}\n", line: 1, col: 12, msg: "listeners: want a list of listeners, got a mapping"},
	{name: "node is a list", yaml: listener + "node: [a]\n", line: 3, col: 7, msg: "node: want a name, got a list"},
	{name: "proxyProtocol is a list", yaml: "listeners:\n  - {name: a, address: 127.0.0.1:80, proxyProtocol: [off]}\n", line: 2, col: 53, msg: "listeners[0].proxyProtocol: want PROXY protocol settings (a mapping), got a list"},
	{name: "xRealIP is a word", yaml: listener + "forwardedHeaders: {xRealIP: yes}\n", line: 3, col: 29, msg: `forwardedHeaders.xRealIP: want true or false, got "yes"`},
	{name: "accessLog is a word", yaml: "listeners:\n  - name: a\n    address: 127.0.0.1:80\n    accessLog: on\n", line: 4, col: 16, msg: `listeners[0].accessLog: want true or false, got "on"`},
	{name: "echo is a quoted string", yaml: listener + "backends: [{name: b, echo: \"true\"}]\n", line: 3, col: 28, msg: `backends[0].echo: want true or false, got "true"`},

	// Durations.
	{name: "duration in words", yaml: "listeners:\n  - name: a\n    address: 127.0.0.1:80\n    proxyProtocol: {headerTimeout: 5 seconds}\n", line: 4, col: 36, msg: `invalid duration "5 seconds" (want a Go duration such as 5s`},
	{name: "duration without unit", yaml: listener + "backends: [{name: b, echo: true, timeouts: {connect: 5}}]\n", line: 3, col: 54, msg: `backends[0].timeouts.connect: invalid duration "5"`},
	{name: "duration negative", yaml: listener + "backends: [{name: b, echo: true, timeouts: {responseHeader: -1s}}]\n", line: 3, col: 61, msg: `duration "-1s" must be positive`},
	{name: "unknown timeout", yaml: listener + "backends: [{name: b, echo: true, timeouts: {read: 1s}}]\n", line: 3, col: 45, msg: `unknown key "read" (want connect, responseHeader)`},

	// CIDRs.
	{name: "CIDR length out of range", yaml: listener + "clientIP: {trustedProxies: [10.0.0.0/33]}\n", line: 3, col: 29, msg: `clientIP.trustedProxies[0]: "10.0.0.0/33": prefix length 33 is out of range for IPv4 (0-32)`},
	{name: "CIDR with host bits", yaml: listener + "clientIP: {trustedProxies: [10.0.0.0/8, 10.0.0.1/8]}\n", line: 3, col: 41, msg: `"10.0.0.1/8" has host bits set: write 10.0.0.0/8 for the network or 10.0.0.1/32 for the one address`},
	{name: "CIDR IPv6 with host bits", yaml: listener + "clientIP: {trustedProxies: [\"2001:db8::1/32\"]}\n", line: 3, col: 29, msg: "write 2001:db8::/32 for the network or 2001:db8::1/128"},
	{name: "CIDR is a name", yaml: listener + "clientIP: {trustedProxies: [lb.internal]}\n", line: 3, col: 29, msg: `"lb.internal" is not a CIDR such as 10.0.0.0/8`},
	{name: "CIDR length not a number", yaml: listener + "clientIP: {trustedProxies: [10.0.0.0/x]}\n", line: 3, col: 29, msg: `prefix length "x" is not a number`},
	{name: "CIDR with zone", yaml: listener + "clientIP: {trustedProxies: [\"fe80::1%eth0\"]}\n", line: 3, col: 29, msg: "IPv6 zones are not allowed"},
	{name: "CIDR IPv4-mapped", yaml: listener + "clientIP: {trustedProxies: [\"::ffff:10.0.0.0/104\"]}\n", line: 3, col: 29, msg: "is IPv4-mapped IPv6: write the IPv4 form (10.0.0.0/8)"},
	{name: "trustedCIDRs bad", yaml: "listeners:\n  - name: a\n    address: 127.0.0.1:80\n    proxyProtocol: {mode: optional, trustedCIDRs: [10.0.0.0/33]}\n", line: 4, col: 52, msg: `listeners[0].proxyProtocol.trustedCIDRs[0]: "10.0.0.0/33"`},
	{name: "trustedProxies is a string", yaml: listener + "clientIP: {trustedProxies: 10.0.0.0/8}\n", line: 3, col: 28, msg: "clientIP.trustedProxies: want a list of CIDRs, got \"10.0.0.0/8\""},

	// Addresses.
	{name: "listener address is a hostname", yaml: "listeners: [{name: a, address: \"localhost:8080\"}]\n", line: 1, col: 32, msg: `"localhost" is not an IP address (hostnames are not supported here yet)`},
	{name: "listener address without port", yaml: "listeners: [{name: a, address: 127.0.0.1}]\n", line: 1, col: 32, msg: `"127.0.0.1" is not IP:port`},
	{name: "listener address without host", yaml: "listeners: [{name: a, address: \":8080\"}]\n", line: 1, col: 32, msg: `has no IP address: write 0.0.0.0:8080 for every IPv4 address or [::]:8080 for every IPv6 address`},
	{name: "listener port out of range", yaml: "listeners: [{name: a, address: \"127.0.0.1:70000\"}]\n", line: 1, col: 32, msg: `port "70000" is not a number from 0 to 65535`},
	{name: "listener publicPort 0", yaml: "listeners: [{name: a, address: 127.0.0.1:8080, publicPort: 0}]\n", line: 1, col: 60, msg: "listeners[0].publicPort: 0 is out of range (1 to 65535)"},
	{name: "listener publicPort too large", yaml: "listeners:\n  - name: a\n    address: 127.0.0.1:8080\n    publicPort: 65536\n", line: 4, col: 17, msg: "listeners[0].publicPort: 65536 is out of range (1 to 65535)"},
	{name: "listener publicPort a word", yaml: "listeners:\n  - name: a\n    address: 127.0.0.1:8080\n    publicPort: https\n", line: 4, col: 17, msg: `listeners[0].publicPort: want a whole number, got "https"`},
	{name: "listener address required", yaml: "listeners:\n  - name: a\n", line: 2, col: 5, msg: "listeners[0]: address is required"},
	{name: "listener address is IPv6 without brackets", yaml: "listeners: [{name: a, address: \"::1:80\"}]\n", line: 1, col: 32, msg: "is not IP:port (such as 127.0.0.1:8080, or [::1]:8080 for IPv6)"},
	{name: "admin address empty", yaml: listener + "admin: {address: \"\"}\n", line: 3, col: 18, msg: "admin.address: must not be empty (omit it for the default 127.0.0.1:9901)"},
	{name: "admin address bad", yaml: listener + "admin: {address: 9901}\n", line: 3, col: 18, msg: `admin.address: "9901" is not IP:port`},
	{name: "unknown admin key", yaml: listener + "admin: {address: 127.0.0.1:9000, token: x}\n", line: 3, col: 34, msg: `admin: unknown key "token" (want address)`},
	{name: "endpoint name bad label", yaml: listener + "backends:\n  - name: b\n    endpoints: [{address: \"api..internal:80\"}]\n", line: 5, col: 27, msg: `"api..internal:80": host "api..internal": empty label`},
	{name: "endpoint name wildcard", yaml: listener + "backends:\n  - name: b\n    endpoints: [{address: \"*.internal:80\"}]\n", line: 5, col: 27, msg: `a wildcard names no one host`},
	{name: "endpoint name no host", yaml: listener + "backends:\n  - name: b\n    endpoints: [{address: \":80\"}]\n", line: 5, col: 27, msg: `":80" has no host`},
	{name: "endpoint name bad port", yaml: listener + "backends:\n  - name: b\n    endpoints: [{address: \"api.internal:http\"}]\n", line: 5, col: 27, msg: `port "http" is not a number from 1 to 65535`},
	{name: "endpoint name listed twice", yaml: listener + "backends:\n  - name: b\n    endpoints:\n      - {address: \"API.internal.:80\"}\n      - {address: \"api.internal:80\"}\n", line: 7, col: 19, msg: "api.internal:80 is listed twice (first at line 6)"},
	{name: "endpoint localhost", yaml: listener + "backends:\n  - name: b\n    endpoints: [{address: \"localhost:9001\"}]\n", line: 5, col: 27, msg: `localhost resolves to loopback addresses, which a name may reach only with resolve: {allowLoopback: true}; or write 127.0.0.1:9001`},
	{name: "resolve without a name", yaml: listener + "backends:\n  - name: b\n    resolve: {interval: 10s}\n    endpoints: [{address: \"10.0.0.1:80\"}]\n", line: 5, col: 5, msg: `backends[0].resolve: resolve settings need an endpoint given by DNS name`},
	{name: "resolve interval too short", yaml: listener + "backends:\n  - name: b\n    resolve: {interval: 10ms}\n    endpoints: [{address: \"api.internal:80\"}]\n", line: 5, col: 25, msg: `backends[0].resolve.interval: 10ms is too short: at least 1s`},
	{name: "resolve timeout beyond interval", yaml: listener + "backends:\n  - name: b\n    resolve: {interval: 2s, timeout: 3s}\n    endpoints: [{address: \"api.internal:80\"}]\n", line: 5, col: 14, msg: `backends[0].resolve: timeout 3s is longer than interval 2s`},
	{name: "resolve unknown key", yaml: listener + "backends:\n  - name: b\n    resolve: {ttl: 2s}\n    endpoints: [{address: \"api.internal:80\"}]\n", line: 5, col: 15, msg: `backends[0].resolve: unknown key "ttl" (want interval, timeout, allowLoopback)`},
	{name: "endpoint port 0", yaml: listener + "backends:\n  - name: b\n    endpoints: [{address: \"10.0.0.1:0\"}]\n", line: 5, col: 27, msg: `port "0" is not a number from 1 to 65535`},
	{name: "endpoint unspecified", yaml: listener + "backends:\n  - name: b\n    endpoints: [{address: \"0.0.0.0:80\"}]\n", line: 5, col: 27, msg: "0.0.0.0:80 is the unspecified address"},
	{name: "endpoint listed twice", yaml: listener + "backends:\n  - name: b\n    endpoints:\n      - {address: \"10.0.0.1:80\"}\n      - {address: \"[::ffff:10.0.0.1]:80\"}\n", line: 7, col: 19, msg: "10.0.0.1:80 is listed twice (first at line 6)"},
	{name: "endpoint address required", yaml: listener + "backends:\n  - name: b\n    endpoints: [{node: n}]\n", line: 5, col: 17, msg: "backends[0].endpoints[0]: address is required"},

	// Enums.
	{name: "PROXY required without trustedCIDRs", yaml: "listeners:\n  - name: a\n    address: 127.0.0.1:80\n    proxyProtocol: {mode: required}\n", line: 4, col: 27, msg: "listeners[0].proxyProtocol.mode: required, but trustedCIDRs is empty: no peer may send a PROXY header, so every connection would be refused"},
	{name: "PROXY required with empty trustedCIDRs", yaml: "listeners:\n  - name: a\n    address: 127.0.0.1:80\n    proxyProtocol: {mode: required, trustedCIDRs: []}\n", line: 4, col: 27, msg: "required, but trustedCIDRs is empty"},
	{name: "PROXY required with a bad CIDR only", yaml: "listeners:\n  - name: a\n    address: 127.0.0.1:80\n    proxyProtocol: {mode: required, trustedCIDRs: [10.0.0.0/33]}\n", line: 4, col: 52, msg: `listeners[0].proxyProtocol.trustedCIDRs[0]: "10.0.0.0/33"`},
	{name: "bad PROXY mode", yaml: "listeners:\n  - name: a\n    address: 127.0.0.1:80\n    proxyProtocol: {mode: on}\n", line: 4, col: 27, msg: `listeners[0].proxyProtocol.mode: unknown PROXY protocol mode "on" (want off, optional or required)`},
	{name: "bad pathType case", yaml: listener + echoBackend + "routes: [{paths: [{path: /, pathType: prefix, backend: b}]}]\n", line: 5, col: 39, msg: `unknown pathType "prefix" (did you mean Prefix? it is case-sensitive) (want Prefix, Exact or RegularExpression)`},
	{name: "pathType ImplementationSpecific", yaml: listener + echoBackend + "routes: [{paths: [{path: /, pathType: ImplementationSpecific, backend: b}]}]\n", line: 5, col: 39, msg: "ImplementationSpecific is a Kubernetes Ingress type; in a config file use Prefix, Exact or RegularExpression"},
	{name: "bad locality", yaml: listener + "backends: [{name: b, echo: true, locality: Nearby}]\n", line: 3, col: 44, msg: `backends[0].locality: unknown locality "Nearby" (want Local, PreferLocal, PreferZone or Cluster)`},
	{name: "bad header mode", yaml: listener + "forwardedHeaders: {xForwardedFor: keep}\n", line: 3, col: 35, msg: `forwardedHeaders.xForwardedFor: unknown header mode "keep" (want append, replace or off)`},
	{name: "bad forwarded mode", yaml: listener + "forwardedHeaders: {forwarded: false}\n", line: 3, col: 31, msg: `forwardedHeaders.forwarded: unknown header mode "false"`},
	{name: "bad source", yaml: listener + "clientIP: {sources: [forwarded, x-real-ip]}\n", line: 3, col: 33, msg: `clientIP.sources[1]: unknown client IP header "x-real-ip" (want forwarded or x-forwarded-for)`},
	{name: "source listed twice", yaml: listener + "clientIP: {sources: [forwarded, Forwarded]}\n", line: 3, col: 33, msg: "clientIP.sources[1]: forwarded is listed twice (first at line 3)"},

	// Listeners.
	{name: "no listeners key", yaml: "node: a\n", line: 1, col: 1, msg: "listeners: at least one listener is required"},
	{name: "listeners empty", yaml: "node: a\nlisteners: []\n", line: 2, col: 12, msg: "listeners: at least one listener is required"},
	{name: "listener name required", yaml: "listeners:\n  - {name: a, address: 127.0.0.1:80}\n  - address: 127.0.0.1:81\n", line: 3, col: 5, msg: "listeners[1]: name is required"},
	{name: "listener name empty", yaml: "listeners: [{name: \"\", address: 127.0.0.1:80}]\n", line: 1, col: 20, msg: "listeners[0].name: must not be empty"},
	{name: "listener name with space", yaml: "listeners: [{name: \"my listener\", address: 127.0.0.1:80}]\n", line: 1, col: 20, msg: "only printable ASCII without spaces"},
	{name: "listener names repeat", yaml: "listeners:\n  - {name: a, address: 127.0.0.1:80}\n  - {name: a, address: 127.0.0.1:81}\n", line: 3, col: 12, msg: `listeners[1].name: "a" is already the name of listeners[0] at line 2`},
	{name: "listener addresses repeat", yaml: "listeners:\n  - {name: a, address: 127.0.0.1:80}\n  - {name: b, address: 127.0.0.1:80}\n", line: 3, col: 24, msg: `listeners[1].address: 127.0.0.1:80 clashes with 127.0.0.1:80 of listener "a" at line 2`},
	{name: "listener address inside a wildcard", yaml: "listeners:\n  - {name: a, address: 127.0.0.1:80}\n  - {name: b, address: 0.0.0.0:80}\n", line: 3, col: 24, msg: "0.0.0.0:80 clashes with 127.0.0.1:80"},
	{name: "listener IPv6 wildcard covers IPv6", yaml: "listeners:\n  - {name: a, address: \"[::]:80\"}\n  - {name: b, address: \"[::1]:80\"}\n", line: 3, col: 24, msg: "[::1]:80 clashes with [::]:80"},
	{name: "listener IPv4 wildcard on an admin IPv4 port", yaml: "admin: {address: 10.1.2.3:80}\nlisteners:\n  - {name: a, address: \"[::]:80\"}\n  - {name: b, address: 0.0.0.0:80}\n", line: 4, col: 24, msg: "listeners[1].address: 0.0.0.0:80 clashes with 10.1.2.3:80 of the admin server at line 1"},
	{name: "listener on the default admin address", yaml: "listeners: [{name: a, address: 127.0.0.1:9901}]\n", line: 1, col: 32, msg: "listeners[0].address: 127.0.0.1:9901 clashes with 127.0.0.1:9901 of the admin server (default address): both cannot listen"},
	{name: "admin on a listener address", yaml: listener + "admin: {address: 127.0.0.1:8080}\n", line: 3, col: 18, msg: `admin.address: 127.0.0.1:8080 clashes with 127.0.0.1:8080 of listener "public" at line 2`},

	// Routes.
	{name: "duplicate route", yaml: listener + echoBackend + "routes:\n  - host: a.example.com\n    paths:\n      - {path: /api, backend: b}\n  - host: a.example.com\n    paths:\n      - {path: /api, backend: b}\n", line: 11, col: 9, msg: `routes[1].paths[0]: duplicate route: host "a.example.com", path "/api" (Prefix) is already routed by routes[0].paths[0] at line 8`},
	{name: "duplicate route after normalising", yaml: listener + echoBackend + "routes:\n  - host: A.Example.COM.\n    paths:\n      - {path: /api/, backend: b}\n      - {path: /api, backend: b}\n", line: 9, col: 9, msg: `routes[0].paths[1]: duplicate route: host "a.example.com", path "/api" (Prefix) is already routed by routes[0].paths[0] at line 8`},
	{name: "duplicate route for any host", yaml: listener + echoBackend + "routes:\n  - paths: [{path: /, backend: b}]\n  - paths: [{path: /, pathType: Prefix, backend: b}]\n", line: 7, col: 13, msg: `duplicate route: any host, path "/" (Prefix) is already routed by routes[0].paths[0] at line 6`},
	{name: "route to undefined backend", yaml: listener + "backends: [{name: api, echo: true}]\nroutes: [{paths: [{path: /, backend: apx}]}]\n", line: 4, col: 38, msg: `routes[0].paths[0].backend: no backend is named "apx" (defined: api)`},
	{name: "route without backends", yaml: listener + "routes: [{paths: [{path: /, backend: api}]}]\n", line: 3, col: 38, msg: `no backend is named "api" (the file defines no backends)`},
	{name: "defaultBackend undefined", yaml: listener + echoBackend + "defaultBackend: c\n", line: 5, col: 17, msg: `defaultBackend: no backend is named "c" (defined: b)`},
	{name: "path without slash", yaml: listener + echoBackend + "routes: [{paths: [{path: api, backend: b}]}]\n", line: 5, col: 26, msg: `routes[0].paths[0].path: path "api" must start with "/"`},
	{name: "path not clean", yaml: listener + echoBackend + "routes: [{paths: [{path: /a//b/../c/, backend: b}]}]\n", line: 5, col: 26, msg: `path "/a//b/../c/" is not clean: write "/a/c/"`},
	{name: "path with query", yaml: listener + echoBackend + "routes: [{paths: [{path: \"/a?b=1\", backend: b}]}]\n", line: 5, col: 26, msg: "a route path has no query or fragment"},
	{name: "path percent-encoded", yaml: listener + echoBackend + "routes: [{paths: [{path: /a%20b, backend: b}]}]\n", line: 5, col: 26, msg: "percent-encoding is not supported"},
	{name: "path with space", yaml: listener + echoBackend + "routes: [{paths: [{path: \"/a b\", backend: b}]}]\n", line: 5, col: 26, msg: `path "/a b" contains a space`},
	{name: "path required", yaml: listener + echoBackend + "routes: [{paths: [{backend: b}]}]\n", line: 5, col: 19, msg: `routes[0].paths[0]: path is required (use "/" to match every path)`},
	{name: "path backend required", yaml: listener + echoBackend + "routes: [{paths: [{path: /}]}]\n", line: 5, col: 19, msg: "routes[0].paths[0]: backend is required"},
	{name: "paths required", yaml: listener + "routes: [{host: a.example.com}]\n", line: 3, col: 10, msg: "routes[0]: paths is required"},
	{name: "paths empty", yaml: listener + "routes: [{host: a.example.com, paths: []}]\n", line: 3, col: 39, msg: "routes[0].paths: at least one path is required"},

	// Hosts.
	{name: "host with port", yaml: listener + echoBackend + "routes: [{host: \"a.example.com:8080\", paths: [{path: /, backend: b}]}]\n", line: 5, col: 17, msg: `routes[0].host: host "a.example.com:8080" must not include a port`},
	{name: "host IPv6 literal", yaml: listener + echoBackend + "routes: [{host: \"[::1]\", paths: [{path: /, backend: b}]}]\n", line: 5, col: 17, msg: "IPv6 literals are not supported as route hosts"},
	{name: "host with scheme", yaml: listener + echoBackend + "routes: [{host: \"https://a.example.com\", paths: [{path: /, backend: b}]}]\n", line: 5, col: 17, msg: "must be a name only, without scheme or path"},
	{name: "host wildcard inside", yaml: listener + echoBackend + "routes: [{host: \"a.*.example.com\", paths: [{path: /, backend: b}]}]\n", line: 5, col: 17, msg: `"*" is allowed only as the whole first label, as in *.example.com`},
	{name: "host wildcard partial label", yaml: listener + echoBackend + "routes: [{host: \"*a.example.com\", paths: [{path: /, backend: b}]}]\n", line: 5, col: 17, msg: `"*" is allowed only as the whole first label`},
	{name: "host star alone", yaml: listener + echoBackend + "routes: [{host: \"*\", paths: [{path: /, backend: b}]}]\n", line: 5, col: 17, msg: "omit host to match any host"},
	{name: "host with space", yaml: listener + echoBackend + "routes: [{host: \"a example.com\", paths: [{path: /, backend: b}]}]\n", line: 5, col: 17, msg: "contains a space"},
	{name: "host with control character", yaml: listener + echoBackend + "routes: [{host: \"a\\x01b.com\", paths: [{path: /, backend: b}]}]\n", line: 5, col: 17, msg: "contains control character U+0001"},
	{name: "host non-ASCII", yaml: listener + echoBackend + "routes: [{host: bücher.example, paths: [{path: /, backend: b}]}]\n", line: 5, col: 17, msg: `contains non-ASCII 'ü': write the internationalised name in its ASCII (xn--) form`},
	{name: "host empty label", yaml: listener + echoBackend + "routes: [{host: a..example.com, paths: [{path: /, backend: b}]}]\n", line: 5, col: 17, msg: "empty label"},
	{name: "host with path", yaml: listener + echoBackend + "routes: [{host: a.example.com/api, paths: [{path: /, backend: b}]}]\n", line: 5, col: 17, msg: `a host has no path: put "/..." under paths`},

	// Backends.
	{name: "backend name required", yaml: listener + "backends: [{echo: true}]\n", line: 3, col: 12, msg: "backends[0]: name is required"},
	{name: "backend name empty", yaml: listener + "backends: [{name: \"\", echo: true}]\n", line: 3, col: 19, msg: "backends[0].name: must not be empty"},
	{name: "backend names repeat", yaml: listener + "backends:\n  - {name: b, echo: true}\n  - {name: b, echo: true}\nroutes: [{paths: [{path: /, backend: b}]}]\n", line: 5, col: 12, msg: `backends[1].name: "b" is already the name of backends[0] at line 4`},
	{name: "echo with endpoints", yaml: listener + "backends:\n  - name: b\n    echo: true\n    endpoints: [{address: 127.0.0.1:9000}]\n", line: 6, col: 16, msg: "backends[0].endpoints: an echo backend takes no endpoints"},

	// Modes.
	{name: "routes in ingress mode", yaml: listener + "routes: []\n", opts: Options{Ingress: true}, line: 3, col: 1, msg: "routes: not allowed in Kubernetes ingress mode"},
	{name: "backends in ingress mode", yaml: "backends: [{name: b, echo: true}]\n", opts: Options{Ingress: true}, line: 1, col: 1, msg: "backends: not allowed in Kubernetes ingress mode"},
	{name: "defaultBackend in ingress mode", yaml: "defaultBackend: b\n", opts: Options{Ingress: true}, line: 1, col: 1, msg: "defaultBackend: not allowed in Kubernetes ingress mode"},
	{name: "bad node name override", yaml: listener, opts: Options{NodeName: "node a"}, msg: "node name override (NODE_NAME): \"node a\": only printable ASCII"},
}

// TestParseErrors checks that each file with one problem fails with exactly
// one diagnostic, at the expected line and column, saying the expected thing.
func TestParseErrors(t *testing.T) {
	t.Parallel()
	runErrorCases(t, errorCases)
}

// runErrorCases runs each case as a subtest: Parse must fail with exactly
// one diagnostic, at tc's line and column, containing tc.msg.
func runErrorCases(t *testing.T, cases []errorCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := Parse("test.yaml", []byte(tc.yaml), tc.opts)
			if err == nil {
				t.Fatalf("Parse succeeded (%+v), want an error", cfg)
			}
			if cfg != nil {
				t.Errorf("Parse returned a Config with an error")
			}
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("error %T %v is not Errors", err, err)
			}
			if len(errs) != 1 {
				t.Fatalf("got %d diagnostics, want 1:\n%v", len(errs), err)
			}
			got := errs[0]
			if got.Line != tc.line || got.Column != tc.col {
				t.Errorf("position %d:%d, want %d:%d (%s)", got.Line, got.Column, tc.line, tc.col, got)
			}
			if !strings.Contains(got.Message, tc.msg) {
				t.Errorf("message %q does not contain %q", got.Message, tc.msg)
			}
			wantFile := "test.yaml"
			if strings.HasPrefix(tc.msg, "node name override") {
				wantFile = ""
			}
			if got.File != wantFile {
				t.Errorf("File %q, want %q", got.File, wantFile)
			}
		})
	}
}

// TestParseReportsEveryProblem checks that problems of different kinds in
// different places are all reported, in file order.
func TestParseReportsEveryProblem(t *testing.T) {
	t.Parallel()
	const file = `listeners:
  - name: public
    address: 127.0.0.1:8080
    proxyProtcol: {mode: optional}
clientIP:
  trustedProxies: [10.0.0.1/8]
routes:
  - paths: [{path: /, backend: missing}]
backends:
  - {name: b, echo: true}
`
	_, err := Parse("three.yaml", []byte(file), Options{})
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Parse error = %v, want Errors", err)
	}
	want := []struct {
		pos string
		msg string
	}{
		{"4:5", `unknown key "proxyProtcol"`},
		{"6:20", "has host bits set"},
		{"8:32", `no backend is named "missing"`},
	}
	if len(errs) != len(want) {
		t.Fatalf("got %d diagnostics, want %d:\n%v", len(errs), len(want), err)
	}
	for i, w := range want {
		if pos := fmt.Sprintf("%d:%d", errs[i].Line, errs[i].Column); pos != w.pos || !strings.Contains(errs[i].Message, w.msg) {
			t.Errorf("diagnostic %d = %s, want %s: ...%s...", i, errs[i], w.pos, w.msg)
		}
	}
	if lines := strings.Split(err.Error(), "\n"); len(lines) != 3 || !strings.HasPrefix(lines[0], "three.yaml:4:5: ") {
		t.Errorf("Error() = %q, want three lines starting three.yaml:4:5:", err.Error())
	}
}

// TestParseReportsProblemsOfOneRoute checks that a route with a bad host
// and a bad path still has its backend reference checked.
func TestParseReportsProblemsOfOneRoute(t *testing.T) {
	t.Parallel()
	const file = listener + `routes:
  - host: "a.*.com"
    paths: [{path: api, backend: x}]
`
	_, err := Parse("route.yaml", []byte(file), Options{})
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Parse error = %v, want Errors", err)
	}
	want := []string{
		`route.yaml:4:11: routes[0].host: host "a.*.com": "*" is allowed`,
		`route.yaml:5:20: routes[0].paths[0].path: path "api" must start with "/"`,
		`route.yaml:5:34: routes[0].paths[0].backend: no backend is named "x"`,
	}
	if len(errs) != len(want) {
		t.Fatalf("got %d diagnostics, want %d:\n%v", len(errs), len(want), err)
	}
	for i, w := range want {
		if !strings.HasPrefix(errs[i].String(), w) {
			t.Errorf("diagnostic %d = %s, want prefix %s", i, errs[i], w)
		}
	}
}
