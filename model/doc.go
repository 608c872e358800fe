// Package model is the routing model: what firsthop serves, written down as
// plain data. It holds the listeners ([ListenerSpec]), the certificates
// ([Certificate]), and the routing table ([TableSpec]): routes ([Route]),
// backends ([Backend]) with their endpoints ([Endpoint], [NamedEndpoint])
// and policies ([PassiveHealth], [ResolvePolicy], [Locality]), and the
// forwarding headers written ([ForwardedHeaders]), and the client-address
// policies ([Policy]) routes and listeners name. [TableSpec.Validate] is
// the one place the model's rules live; [CanonicalHost], [CleanPath] and
// [PrefixPath] are the forms hosts and paths are compared in.
//
// A route matches on host, path, and optionally method, headers
// ([HeaderMatch]) and query parameters ([QueryMatch]) within a scope
// ([ScopeSpec]: the routes a listener serves); how one request is matched
// against many routes is written once, under "Precedence" in match.go. Its
// action forwards to a backend or a weighted [WeightedBackend] split,
// redirects ([Redirect]) or answers itself ([DirectResponse]); optional
// features ([HeaderModifier], [Rewrite], [Mirror], timeouts) are nil or
// zero when off.
//
// Every source produces this model and nothing else: the config package
// from a YAML file, the Kubernetes processors (packages kube/ingress and
// kube/gateway, merged by package kube) from cluster objects. The proxy
// package compiles it into the immutable table it serves.
//
// Dependencies run one way: cmd -> config, kube -> model <- proxy. The
// model is a leaf: it imports only the standard library and the small
// packages whose types it names, proxy/clientip (whose forwarding headers
// are believed) and proxy/listen (PROXY protocol settings). It imports no
// runtime: no OpenTelemetry, no Prometheus, no client-go, no data plane.
package model
