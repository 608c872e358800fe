package model

import "crypto/tls"

// Certificate is a TLS certificate with the server names it is chosen for.
//
// Selection: a TLS listener chooses among the certificates of its own
// [ListenerSpec.Scope] only; those of other scopes do not exist for it. A
// handshake's server name (SNI, compared as [CanonicalHost] writes it)
// takes, within that scope:
//
//  1. the certificate naming it exactly;
//  2. else the one whose wildcard name covers it, by the scope's
//     [WildcardRule] ([ScopeSpec.Wildcards]): "*.example.com" covers one
//     extra label in a scope of [WildcardOneLabel] (the default), one or
//     more in a scope of [WildcardSuffix], the longest suffix winning;
//  3. else the scope's default: the first certificate naming "*", else
//     the scope's first certificate. A handshake without SNI gets it too.
//
// Of two certificates of a scope naming the same name, the first wins it.
// A TLS listener whose scope has no certificate fails every handshake; the
// config package refuses such a file.
//
// Gateway API listeners sharing a port are one scope: each HTTPS listener's
// certificates name its hostname (exact or wildcard), and a listener
// without a hostname names "*", so that it is chosen, like that listener,
// for every name no other listener has, and not for the names its
// certificate happens to hold.
type Certificate struct {
	// Cert is the certificate chain and key; Cert.Leaf must be set.
	Cert *tls.Certificate

	// Names are the SNI names the certificate serves: exact names,
	// wildcards ("*.example.com"), or "*" (every name, as the scope's
	// default). Empty means the DNS names in Cert.Leaf.
	Names []string

	// Scope is the route scope whose TLS listeners serve the certificate
	// (see [ScopeSpec]); "" is the default scope.
	Scope string
}
