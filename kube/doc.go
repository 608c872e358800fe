// Package kube is firsthop's Kubernetes controller runtime: it runs the
// sources of routes — processors, such as the Ingress one (package
// kube/ingress) — over client-go shared informers, merges what they build
// into one [model.TableSpec] and hands each new table to the data plane
// (a [Publisher], such as *proxy.Server).
//
// It holds what every processor shares: the informers of Services,
// EndpointSlices, TLS Secrets (certificate and key only), the publish Service and this proxy's Node, one watch per Secret whose data a processor read (resolve.Resolver.SecretData: htpasswd files, backend CAs; no other Secret's data is cached),
// and their lifecycle; the loop that debounces events (a hold-off and a
// maximum hold-off), rebuilds from the listers, skips tables that did not
// change and publishes; the endpoint churn path (an EndpointSlice change
// recomputes the endpoints of the backends of that Service only, without
// asking the processors); leader election with a coordination.k8s.io
// Lease (the leader writes status and records Events); problem reports
// (logged by every replica, recorded as Events by the leader, each once
// while it lasts); reports of what the informers still wait for and why
// ([RequestObserver]); and [CacheMetrics].
//
// # Processors
//
// A [Processor] registers its informers through a [Watch], whose
// handlers only signal ([Watch.Rebuild], [Watch.StatusChanged]); on
// each rebuild it turns its objects into a [Part] of the table, resolving
// the Services and Secrets they name with the build's
// [resolve.Resolver]; and, on the leader, it writes its objects' status
// with the published addresses. Adding a source is one package that
// implements Processor and one line in cmd/firsthop listing it in
// [Config.Processors].
//
// # How parts are merged
//
// The table is the base (Config.Base and Config.Listeners: the config
// file's settings, certificates, policies and listeners) and then the
// parts, in the order of Config.Processors. The rule:
//
//  1. Every route, listener and scope setting of a part stays in scopes
//     that part owns: a scope belongs to the first part whose routes,
//     listeners or scope settings name it. The Ingress processor's routes
//     are in the default scope "" (served by the config file's
//     listeners); every other processor names its scopes "NAME/..." after
//     its [Processor.Name], so that no cluster object can make two
//     sources share a scope, and Gateway routes never meet Ingress
//     routes.
//  2. Backend, policy and listener names are unique in the table. The
//     Ingress processor's are "namespace/service:port" (or, for a backend
//     with an Ingress's ingress-nginx values, that followed by
//     " {annotation=value ...}") and "Ingress namespace/name" (as they
//     were before there were other sources; the config file's names have
//     no space); every other processor prefixes
//     its names with "NAME:" (backends, policies) or "NAME/" (listeners).
//     At most one part has a default backend.
//  3. A part that takes a scope or a name that the base or an earlier part
//     has is refused whole: it is left out of the table, never merged over
//     the other, and the refusal is logged as an error and counted
//     (Stats.PartsRefused); the other parts are served, and the refused
//     part's problems are still reported. Given rules 1 and 2 only a
//     processor's bug can cause one, which is why it is not an Event on
//     an object.
//  4. Certificates are the base's, then each part's in order: for a
//     server name several claim, the first wins (the config file's, then
//     the oldest Ingress's, ...).
//  5. Listeners are published with the table (through a
//     [ListenerPublisher]) only when the set to serve — Config.Listeners,
//     then the parts' — differs from the one last published, which is
//     Config.Listeners at first: without a processor that contributes
//     listeners, the Publisher only ever gets tables. A listener the
//     Publisher cannot bind leaves the others served; the processors see
//     it in [Watch.ListenerErrors] and it is tried again.
//
// [Assemble] is the same merge as a pure function.
//
// # Dependencies
//
// kube imports the routing model, kube/resolve, client-go and
// OpenTelemetry's metric API. It imports no processor (they import it)
// and no data plane: proxy/upstreamaddr, proxy/clientip and proxy/listen,
// which the model and resolve use, are the only proxy packages in its
// dependencies.
package kube
