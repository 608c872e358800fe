// Package resolve is the resolution every Kubernetes processor shares
// (see package kube): it turns what routing objects name — a port of a
// Service, a TLS Secret — into the routing model's backends and
// certificates, with the problems met on the way.
//
// A [Resolver] serves one build: [New] takes the cluster's Services,
// TLS Secrets and the API server's EndpointSlices, [Resolver.Backend]
// resolves a [BackendRef] into a [Backend], and [Resolver.Certificate] a
// Secret into a certificate. A Backend knows where its endpoints come
// from; [Backend.Endpoints] computes them from the Service's
// EndpointSlices, so that a changed slice recomputes its Services'
// endpoints without a new build.
//
// # Endpoints
//
// The Service port a backend names is matched against the Service's port
// numbers or names (TCP only), and the Service port's name against the
// EndpointSlice ports, so a targetPort given by name works. Endpoints
// come from all EndpointSlices labelled kubernetes.io/service-name,
// merged, with duplicates removed; FQDN slices are ignored. Ready
// endpoints are used; serving-and-terminating ones only when no ready
// one is left (the picker decides); others never. nodeName, zone and
// hints.forNodes / hints.forZones drive the locality-aware picker.
//
// No endpoint may have an address that is loopback, link-local (cloud
// metadata), multicast or unspecified, or a known metadata address (see
// proxy/upstreamaddr), nor a Service's cluster IP, the API server's
// address (the endpoints of default/kubernetes) or one of
// Options.RefusedAddrs (the proxy's own pod addresses): such endpoints
// are dropped.
//
// An ExternalName Service is refused unless Options.AllowExternalName;
// when allowed, an IP literal is its one endpoint, and a name is resolved
// with Options.DNS (refused addresses dropped, as above).
//
// # Locality and protocol
//
// See [Resolver.Backend]: the Service's and the naming object's
// [AnnotationLocality], spec.trafficDistribution, the default; the naming
// object's [AnnotationBackendProtocol], the port's appProtocol, HTTP/1.1.
// https backends are encrypted but their certificates are not verified:
// pods rarely hold one for their address.
//
// # Certificates
//
// Only Secrets of type kubernetes.io/tls are read, and only their tls.crt
// and tls.key. [CertCache] parses each Secret version once.
//
// # Dependencies
//
// resolve imports the routing model, proxy/upstreamaddr (which addresses
// an endpoint may have) and the Kubernetes API types; it imports no
// client-go runtime (informers, clients), no other kube package, and no
// data plane.
package resolve
