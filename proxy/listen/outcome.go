package listen

import (
	"fmt"
	"net/netip"
)

// Outcome is what became of a connection's PROXY header.
type Outcome uint8

const (
	// OutcomeAccepted: a valid header from a trusted peer was accepted.
	// For PROXY TCP4/TCP6 its source is believed; a v2 LOCAL or v1
	// UNKNOWN header is accepted too but carries nothing to believe.
	OutcomeAccepted Outcome = iota
	// OutcomeNone: no header, and none was required (ModeOff, or
	// ModeOptional when the connection did not start with a PROXY
	// signature before its first bytes ended, failed or timed out).
	OutcomeNone
	// OutcomeUntrustedSender: a header from an untrusted peer, or any
	// connection from an untrusted peer under ModeRequired. Closed.
	OutcomeUntrustedSender
	// OutcomeMissing: a header was required but absent. Closed.
	OutcomeMissing
	// OutcomeMalformed: the header could not be parsed, was cut short by
	// the peer, or is for a transport other than TCP (v2 UDP or Unix).
	// Closed.
	OutcomeMalformed
	// OutcomeTimeout: the header did not arrive in time: under
	// ModeRequired nothing or part of it came, under ModeOptional a
	// signature came but not the rest. Closed.
	OutcomeTimeout
)

var outcomeNames = [...]string{
	OutcomeAccepted:        "accepted",
	OutcomeNone:            "none",
	OutcomeUntrustedSender: "untrusted-sender",
	OutcomeMissing:         "missing",
	OutcomeMalformed:       "malformed",
	OutcomeTimeout:         "timeout",
}

// String returns the metric label spelling of o.
func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return fmt.Sprintf("Outcome(%d)", uint8(o))
}

// HeaderError is the error Read, Write and [InfoOf] return for a connection
// whose PROXY header handling refused it. The connection's socket has
// already been closed when it is returned.
type HeaderError struct {
	// Outcome is why: never OutcomeAccepted or OutcomeNone.
	Outcome Outcome
	// Peer is the socket peer, normalised.
	Peer netip.AddrPort
	// Err is the underlying cause (a parse or read error); may be nil.
	Err error
}

// Error describes the refusal.
func (e *HeaderError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("listen: connection from %v refused (%v)", e.Peer, e.Outcome)
	}
	return fmt.Sprintf("listen: connection from %v refused (%v): %v", e.Peer, e.Outcome, e.Err)
}

// Unwrap returns the underlying cause.
func (e *HeaderError) Unwrap() error { return e.Err }
