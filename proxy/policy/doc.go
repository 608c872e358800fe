// Package policy is the data plane's side of client-address policies
// ([model.Policy]): the prefix sets allow, deny and exempt lists are
// matched against ([Set]), the per-client limiter state ([Limiter]), and
// the [Registry] that keeps that state across table swaps, keyed by a
// policy's name and limit settings, so that a reload is not a way to reset
// a limit.
//
// Every check takes the address the client-IP resolver settled on,
// normalised (see clientip.Normalize); this package never reads a header.
// Limits are per process (per proxy replica).
package policy
