// Package listen applies a listener's PROXY protocol policy to accepted
// connections and tells the rest of the proxy where each one came from.
package listen

import (
	"fmt"
	"log/slog"
	"net/netip"
	"time"
)

// Mode is a listener's PROXY protocol mode.
type Mode uint8

const (
	// ModeOff parses no PROXY header; one sent is just request bytes.
	ModeOff Mode = iota
	// ModeOptional lets trusted peers send a PROXY header.
	ModeOptional
	// ModeRequired requires a PROXY header from trusted peers and refuses
	// every other peer.
	ModeRequired
)

var modeNames = [...]string{ModeOff: "off", ModeOptional: "optional", ModeRequired: "required"}

// String returns the configuration spelling of m.
func (m Mode) String() string {
	if int(m) < len(modeNames) {
		return modeNames[m]
	}
	return fmt.Sprintf("Mode(%d)", uint8(m))
}

// ParseMode parses "off", "optional" or "required".
func ParseMode(s string) (Mode, error) {
	for m, name := range modeNames {
		if s == name {
			return Mode(m), nil
		}
	}
	return 0, fmt.Errorf("unknown PROXY protocol mode %q (want off, optional or required)", s)
}

// DefaultHeaderTimeout bounds the wait for a PROXY header when
// [Policy.HeaderTimeout] is zero.
const DefaultHeaderTimeout = 5 * time.Second

// Policy is one listener's PROXY protocol policy. The zero value is ModeOff.
// [Wrap] copies what it needs; a Policy may be reused or changed afterwards
// without affecting listeners already wrapped.
type Policy struct {
	// Mode says whether PROXY headers are parsed and whether they are
	// required. A value above ModeRequired is treated as ModeRequired.
	Mode Mode

	// TrustedCIDRs are the only peers that may send a PROXY header.
	// Empty means nobody may: ModeOptional then refuses every header and
	// ModeRequired every connection. Peers are normalised before the
	// test (an IPv4-mapped peer matches an IPv4 prefix, a zone is
	// dropped), and so are IPv4-mapped prefixes (::ffff:10.0.0.0/104 is
	// 10.0.0.0/8). ::/0 does not cover IPv4 peers.
	TrustedCIDRs []netip.Prefix

	// HeaderTimeout bounds the wait for the header, from the connection's
	// first Read, Write or [InfoOf]; a read deadline the caller set that
	// is earlier still applies. Zero (or negative) means
	// DefaultHeaderTimeout; the wait is never unbounded.
	HeaderTimeout time.Duration

	// Observe, when non-nil, is called with the outcome of a
	// connection's PROXY header handling (for metrics), at most once per
	// connection, as soon as the outcome is known: on the accepting
	// goroutine for ModeOff (always OutcomeNone) and for peers refused at
	// accept, otherwise on the goroutine that first used the connection.
	// A connection closed by this process before its outcome was known
	// (server shutdown) reports nothing. Observe must be fast and safe
	// for concurrent use.
	Observe func(Outcome)

	// Log, when non-nil, receives a warning for each connection refused
	// (OutcomeUntrustedSender, OutcomeMissing, OutcomeMalformed,
	// OutcomeTimeout) with the peer, the reason and the cause: at most
	// one line per reason per [RefusalLogInterval] for each listener
	// wrapped, the next line counting those left out ("suppressed").
	// Lines are written off the accept path; refusals not logged cost no
	// allocation. Name the listener with Logger.With. Nil logs nothing.
	Log *slog.Logger
}
