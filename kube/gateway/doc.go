// Package gateway translates Gateway API objects (GatewayClass, Gateway,
// HTTPRoute, GRPCRoute, ReferenceGrant; sigs.k8s.io/gateway-api v1.6,
// standard channel) into firsthop's routing model, and computes the status
// every one of those objects should carry. [Translate] is a pure function:
// it reads no cluster, starts nothing and modifies none of its inputs; the
// Kubernetes runtime feeds it from its listers, merges its [Result] into
// the table it builds and writes the status it returns.
//
// # Isolation
//
// Every port of every Gateway is one route scope ([model.ScopeSpec]) named
// "gateway/<namespace>/<name>:<port>", with Gateway API's wildcard meaning
// ([model.WildcardSuffix]); its listeners ([model.ListenerSpec]) bind the
// Gateway's own addresses and serve that scope only, so two Gateways on
// port 80 never see each other's routes, and neither sees an Ingress.
// Backends are named "gateway:<namespace>/<service>:<port>" (see
// [BackendName]), a name no Ingress backend can have.
//
// # Client-IP parameters
//
// A GatewayClass may name, in spec.parametersRef, a ConfigMap whose key
// firsthop.yaml holds client-IP settings ([config.ParseGatewayParameters]):
// its clientIP and forwardedHeaders become the scopes' own
// ([model.ScopeSpec.ClientIP], [model.ScopeSpec.Headers]) and its
// proxyProtocol the policy of every listener of the class's Gateways. A
// reference that cannot be used (not a ConfigMap, no namespace, not
// found, no such key, a YAML problem) makes the class Accepted=False
// (InvalidParameters, the problems with line and column); its Gateways
// are then not served, unless [Options.KeptParameters] holds the
// parameters it was last accepted with.
//
// # Listeners
//
// HTTP and HTTPS listeners are served (HTTP also accepts h2c with prior
// knowledge, for gRPC); any other protocol is UnsupportedProtocol. Listeners
// of one Gateway on one port must share a protocol (else every one of them
// is Conflicted: ProtocolConflict) and differ in hostname (else those that
// share one are Conflicted: HostnameConflict); a conflicted listener is not
// served and no route attaches to it. Two Gateways on one address and port:
// the older keeps it, the newer one's listeners there are PortUnavailable.
// An HTTPS listener whose certificateRefs do not all resolve is Accepted
// (routes attach and count) but not Programmed. A handshake gets the
// certificate of the listener its server name selects, among its port's
// only: the listener whose hostname names it, else the one without a
// hostname (see [model.Certificate]).
//
// # Routes
//
// A route attaches to the listeners its parentRef selects (sectionName,
// port) that are Accepted, allow its namespace and kind, and share a
// hostname with it; its model hosts are the intersections of its hostnames
// with those listeners', less the hosts a more specific listener of the
// same port covers (those requests are that listener's). Each match of
// each rule becomes one [model.Route];
// ties the model's precedence leaves are broken by [model.Route.Order]:
// the older route first, then namespace/name, then rule and match index.
// Of two model routes that match exactly alike, the one first in that order
// is kept, as Gateway API requires.
//
// A rule that uses something firsthop does not implement (a regular
// expression path, retries, session persistence, ExtensionRef filters, a
// CORS filter the model cannot serve as the API means it: see
// corsPolicy), or that is invalid (incompatible filters, a header modifier
// on a header firsthop owns) is left out and reported: the route stays Accepted
// with PartiallyInvalid while other rules remain, and is not Accepted when
// none does. A backendRef that cannot be used (not a Service, not found,
// not permitted by a ReferenceGrant, an unknown appProtocol) keeps its
// weight and its share of requests is answered 500; the route's
// ResolvedRefs condition says why.
//
// # Processor
//
// [Processor] runs Translate in the Kubernetes controller (package kube):
// it watches the Gateway API objects and Namespaces, gives the Gateways
// without spec.addresses an address from its [AddressPool] (kept across
// restarts through their status), hands the scopes, listeners, routes,
// certificates and backends to the controller as its part of the table,
// and on the leader writes the status Translate decides, with the
// listeners the data plane could not bind reported as not programmed.
package gateway
