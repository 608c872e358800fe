// Package proxy is firsthop's data plane. It compiles the routing model
// (package model) into an immutable [Table] ([NewTable]), publishes tables
// whole ([Server.Apply]; a request loads the current one once and uses
// only it), binds the traffic listeners and the admin listener, and serves.
//
// A request goes through one handler per listener, in this order:
//
//  1. Resolve the client: the peer address (or the one a believed PROXY
//     header gives, see package proxy/listen) and the forwarding headers
//     the table's client-IP policy believes (package proxy/clientip) give
//     the client address. Nothing is believed unless configured.
//  2. Route: the path is cleaned ([model.CleanPath]) and the host made
//     canonical ([model.CanonicalHost]); the table picks the route (most
//     specific host, then the first matching path, else the default
//     backend). A path that backends could read as another route's is
//     refused.
//  3. Check the policies (package proxy/policy): the listener's, then the
//     route's, on the resolved client address; any one refuses (403, or
//     the limit's status with Retry-After) and the request goes no
//     further. A route and listener without policies cost nothing here.
//     Then the route's guards (see routeGuard and model/guard.go): body
//     limit, https redirect, CORS preflight, basic and external
//     authentication; a route without them costs nothing either.
//  4. Act (a route with an action or filters only, see routeAction):
//     answer a redirect or a fixed response, or pick a backend of a
//     weighted split; then edit the request (header modifiers, rewrite)
//     and copy it to mirrors. The fast loop hands a route to net/http
//     when a backend it may pick needs it, decided when the table is
//     built.
//  5. Pick: the backend's endpoints are tried by locality tier (this node,
//     this zone, any), skipping those passive health has ejected and those
//     at their in-flight cap; a backend with cookie affinity first tries
//     the endpoint the request's cookie names (see affinity.go).
//  6. Forward: the request goes to the endpoint with the forwarding headers
//     the table says to write and inbound ones removed, over the lean
//     HTTP/1.1 path (package proxy/h1) or net/http's reverse proxy
//     (HTTP/2, h2c, TLS, WebSocket upgrades); the answer (its header
//     edited by the chosen backend's, then the route's response
//     modifiers), or an error the proxy writes, goes back, and metrics,
//     traces and the access log record it, naming the backend picked.
//
// Two serving paths meet in that one handler (handler.go), which never
// asks which path a request is on; the choices are made once, at the seam
// (seam.go). On the client side a plain listener's connections are read
// by the fast HTTP/1.1 loop (fastserve.go, fastresponse.go), which hands a
// connection to net/http's server (handoff.go) at the first request it
// does not serve; the HTTP/2 connections of TLS and h2c listeners are
// served by the lean HTTP/2 server (h2server.go and the other h2*.go
// files), which net/http's server hands them to
// (TLSNextProto), unless the listener chooses net/http's own. Each
// request carries the connection it came in on, a clientConn (where it
// came from, whether the client is gone, watching for that), and the fast
// loop's connection declines a route whose backends need net/http. On the upstream side backend.leanFor chooses,
// from the backend's protocol when the table is built, the lean path
// (forward.go, reqbody.go, upstream_request.go, upstream_response.go,
// package proxy/h1) or httputil.ReverseProxy (upstream_std.go). What both
// upstream paths must agree on is written once and called by both: retry
// and blame (upstream_retry.go), the answer to a failure
// (upstream_failure.go), the forwarding headers (forwardheaders.go), an
// unasked 101 (upgrade.go).
//
// State that must outlive a table (endpoints' in-flight counts, passive
// health, idle upstream connections) is kept by the [Server], by endpoint
// address, not in the table; so is policies' limiter state, by policy name
// and limits.
//
// Dependencies: proxy imports model and its sub-packages clientip, listen,
// policy, h1 and echo, the standard library, golang.org/x/net, OpenTelemetry and
// Prometheus (metrics and traces), and chi (the admin router). It imports
// neither config nor the Kubernetes side, and the sources of the model
// (config, ingress) do not import it: cmd/firsthop wires them together.
package proxy
