// Package config reads firsthop's YAML configuration file: it decodes it
// strictly, applies defaults, validates it, lints its trust settings, and
// builds the [model.TableSpec] the data plane consumes.
//
// Decoding is strict: unknown keys, keys set twice, wrong types, bad
// values, YAML aliases and more than one YAML document are errors. Every
// problem in a file is reported, each with its line and column, as
// [Errors]. A key set to null ("key:" or "key: ~") counts as not set.
//
// The file (REFERENCE.md has the full reference):
//
//	node: node-a                # this proxy's node; NODE_NAME overrides. Default "" (unknown)
//	zone: zone-1                # this proxy's zone. Default "" (unknown)
//	admin:
//	  address: 127.0.0.1:9901   # IP:port, the default; "" is an error
//	listeners:                  # at least one (standalone mode)
//	  - name: public            # required, unique
//	    address: 0.0.0.0:8080   # required, IP:port (IPv6 as [::]:8080); port 0 = any free port
//	    proxyProtocol:
//	      mode: off             # off (default) | optional | required
//	      trustedCIDRs: []      # peers allowed to send a PROXY header; default none
//	      headerTimeout: 5s     # default 5s
//	clientIP:
//	  trustedProxies: []        # CIDRs or addresses whose forwarding headers are believed; default none
//	  sources: [forwarded, x-forwarded-for]   # the default
//	forwardedHeaders:
//	  xForwardedFor: append     # append (default) | replace | off
//	  forwarded: append         # append (default) | replace | off
//	  xRealIP: true             # default true
//	routes:
//	  - host: app.example.com   # exact, "*.example.com", or omitted for any host
//	    paths:
//	      - { path: /api, pathType: Prefix, backend: api }   # pathType Prefix (default) | Exact | RegularExpression
//	      # also: method, headers, query; backends (weighted), redirect or
//	      # respond instead of backend; requestHeaders, responseHeaders,
//	      # rewrite, mirror, timeouts; the guards maxRequestBodySize,
//	      # httpsRedirect, cors, basicAuth, externalAuth (see REFERENCE.md)
//	backends:
//	  - name: api               # required, unique
//	    locality: PreferLocal   # Local | PreferLocal (default) | PreferZone | Cluster
//	    timeouts: { connect: 5s, responseHeader: 60s }        # zero/omitted = proxy defaults
//	    affinity: { cookie: { name: route } }                 # optional: keep a client on its endpoint
//	    endpoints:
//	      - { address: 10.0.1.15:8080, node: node-a, zone: zone-1 }
//	  - name: demo
//	    echo: true              # the built-in echo backend; no endpoints allowed
//	defaultBackend: demo        # for requests no route matches; omitted = 404
//
// CIDRs must not have host bits set ("10.0.0.1/8" is an error: write
// 10.0.0.0/8 or 10.0.0.1/32); a bare address means that one address.
// Addresses are IP literals: hostnames are not resolved.
//
// With [Options.Ingress] (Kubernetes mode) routes, backends and
// defaultBackend come from Ingress resources: setting them in the file is
// an error, and listeners may be empty.
//
// Lint warnings ([Config.Warnings]) flag settings that are valid but unsafe
// or useless: a prefix of length 0 (0.0.0.0/0, ::/0) in trustedProxies or
// trustedCIDRs, a PROXY mode of optional or required with no trustedCIDRs,
// trustedCIDRs with mode off, empty sources with trustedProxies set, a
// backend without endpoints, a backend no route uses, locality Local
// without a node, a route matching on a header any client can forge
// (X-Forwarded-For and the like), a redirect to http:// or back to itself
// from a TLS listener, a listener scope without routes, basic
// authentication a plain listener serves to the network with no https
// redirect nor trusted proxy in front, an htpasswd file without users,
// CORS "*" with credentials, an https redirect only TLS listeners serve,
// a pathTemplate naming a group its path lacks, affinity with locality
// Local, and an affinity cookie SameSite=None without Secure.
package config
