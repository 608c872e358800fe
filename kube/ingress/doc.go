// Package ingress is the Ingress processor of firsthop's Kubernetes
// controller (see package kube): it watches Ingresses and IngressClasses,
// turns the Ingresses that are its own into routes, backends, policies and
// certificates (a [kube.Part]), and writes their status.loadBalancer. The
// controller runtime — informers of Services and EndpointSlices, the build
// loop, leader election, Events — is package kube's; resolving Services
// and Secrets is package kube/resolve's, shared with other processors.
//
// [Processor] is the processor; [Translate] is the whole translation of a
// controller running it alone, as one pure function.
//
// # Which Ingresses
//
// An Ingress is ours when its spec.ingressClassName names an IngressClass
// whose spec.controller is the controller name (default
// "firsthop.io/ingress-controller"); else, when it has the deprecated
// kubernetes.io/ingress.class annotation, when that names such a class;
// else (no class at all) when one of our classes is annotated
// ingressclass.kubernetes.io/is-default-class: "true", or with
// Options.WatchWithoutClass.
//
// # Routes
//
// Each rule's host is exact ("app.example.com") or a wildcard of exactly
// one leading label ("*.example.com" matches "a.example.com", not
// "example.com" nor "a.b.example.com"); hosts are compared lower case
// without a trailing dot; an empty host matches any host. The most
// specific host wins (exact, then wildcard, then any), and only that
// host's paths are considered. Paths: Exact matches the path exactly;
// Prefix matches whole path elements ("/foo" matches "/foo" and "/foo/bar",
// not "/foobar"); ImplementationSpecific is treated as Prefix (it is never
// a regular expression; one that looks like one is reported). The longest
// matching path wins. Paths are percent-decoded and must be clean.
// spec.defaultBackend serves requests that no route of any Ingress matches.
//
// # Conflicts and errors
//
// Ingresses are taken oldest first (creationTimestamp, then namespace,
// then name). When two Ingresses route the same host, path and pathType
// (or both set a default backend) to different backends, the older one
// wins and the newer gets a RouteConflict problem; the rest of the newer
// one is still served. The order does not depend on cache order, so every
// replica decides the same.
//
// An Ingress with an invalid host, path, pathType or backend (a resource
// backend, a Service backend without a usable port) is skipped whole and
// reported; it never affects the others. A backend whose Service is
// missing, has no such TCP port, or is an ExternalName Service (refused
// unless resolve.Options.AllowExternalName) keeps its routes but answers
// 503, and is reported, so that traffic does not fall through to a less
// specific route.
//
// # Backends and endpoints
//
// A backend is named "namespace/service:port", the port as the Ingress
// wrote it (a name or a number), and is a port of a Service in the
// Ingress's own namespace. Its endpoints are resolved as package
// kube/resolve says: the Ingress port is matched against the Service's
// port numbers or names, and the Service port's name against the
// EndpointSlice ports, so a targetPort given by name works. Endpoints come
// from all EndpointSlices labelled kubernetes.io/service-name, merged, with
// duplicates removed; FQDN slices are ignored. Ready endpoints are used;
// serving-and-terminating ones only when no ready one is left; others
// never. nodeName, zone and hints.forNodes / hints.forZones drive the
// locality-aware picker.
//
// A backend's locality is, first found: the Service's firsthop.io/locality
// annotation; the Ingress's firsthop.io/locality annotation; the Service's
// spec.trafficDistribution (PreferSameNode: PreferLocal; PreferSameZone or
// PreferClose: PreferZone); resolve.Options.DefaultLocality (PreferLocal
// unless set). A bad annotation value is reported and passed over. When two
// Ingresses ask for different localities for one backend, the older wins.
//
// A backend's protocol is the Ingress's firsthop.io/backend-protocol
// annotation (http, h2c, grpc, https, grpcs), else the Service port's
// appProtocol (kubernetes.io/h2c, h2c or grpc: h2c; https or grpcs:
// https), else HTTP/1.1. https backends are encrypted but their
// certificates are not verified: pods rarely hold one for their address.
//
// The Ingress's firsthop.io/allow-trace and firsthop.io/keep-encoded-slashes
// annotations, set "true", turn on model.Route.AllowTrace and
// KeepEncodedSlashes for each of its routes; another value than "true" or
// "false" is reported and passed over.
//
// The Ingress's policy annotations (firsthop.io/allow-source-range and the
// others of policy.go, and ingress-nginx's names with ingress-nginx's
// meaning) make one model.Policy, named "Ingress NAMESPACE/NAME", that
// each of its routes names. A malformed one fails closed: the policy
// refuses every client (model.DenyAll), and the problem is reported. The
// table's policies are the config file's (which its listeners name and
// which are checked first) and then these.
//
// # ingress-nginx annotations
//
// An Ingress is read with its ingress-nginx annotations
// (nginx.ingress.kubernetes.io/*, with ingress-nginx's meaning; package
// kube/ingress/nginx reads them into Features) when
// Options.IngressNginxAnnotations is set, or when its class — the one it
// names, or with none the default class — is annotated
// firsthop.io/ingress-nginx-annotations: "true" ([AnnotationIngressNginx]).
// Without that, an Ingress written for firsthop never changes meaning:
// only the policy annotations above are read, and an Ingress setting one
// that guards access (auth-url, a snippet), which is then not applied,
// gets a warning (ReasonNginxAnnotationsIgnored).
//
// Read with them, each route of the Ingress redirects (permanent-redirect,
// temporal-redirect) or has its request rewritten (rewrite-target without
// captures: the whole path; upstream-vhost: the Host; x-forwarded-prefix)
// and its timeouts set (proxy-read-timeout, proxy-next-upstream-timeout);
// app-root adds an exact "/" route per rule host, redirecting, that wins
// over the Ingress's own; from-to-www-redirect adds, per exact rule host,
// a route for its www twin redirecting to it with 308, unless a route of
// any Ingress serves the twin. Backend values (proxy-connect-timeout,
// backend-protocol, proxy-ssl-name, proxy-ssl-verify) give the Ingress its
// own backend, named "namespace/service:port {annotation=value ...}" and
// shared with the Ingresses that have the same values, so that a Service
// other Ingresses use is not changed for them; firsthop.io/backend-protocol
// wins over backend-protocol. An https backend-protocol verifies the
// endpoints' certificates unless proxy-ssl-verify is "off".
//
// A canary Ingress (canary: "true") makes no route of its own: once the
// others are in, each of its paths joins the route of the same host, path
// and pathType, as nginx.Canary.Routes says (header and cookie routes,
// then a weighted split), with the main Ingress's filters, policies and
// backend values; a path no route serves, a route that redirects or has a
// canary already, and a canary that fails closed are reported
// (CanaryNotJoined) and not joined.
//
// An annotation that guards access and is malformed, refused (snippets)
// or not served yet (authentication) makes the Ingress fail closed: its
// policy becomes model.DenyAll, every route answering 403. Each finding of
// nginx.Parse that is not "served as documented" is a problem on the
// Ingress: Normal for a difference, a warning for one refused, not served
// or malformed. nginxfeatures.go is the one place Features are applied,
// and lists those not applied yet.
//
// # TLS
//
// Each spec.tls entry of an Ingress served loads the Secret it names from
// the Ingress's own namespace; only Secrets of type kubernetes.io/tls are
// watched, and only their tls.crt and tls.key are kept in memory. The
// entry's hosts are the SNI names the certificate is chosen for (none:
// the certificate's own DNS names). Certificates are ordered as their
// Ingresses, oldest first, so the oldest wins a name two Ingresses claim;
// certificates from the config file come before all of them, and the
// first certificate is the default for clients that send no known name.
// A missing or unparsable Secret is reported and its hosts get the
// default certificate; the routes are served either way.
//
// # Dependencies
//
// ingress imports kube (the Processor interface), kube/resolve, the
// routing model, and client-go's informers and listers of Ingresses and
// IngressClasses; no data plane, and no other processor.
package ingress
