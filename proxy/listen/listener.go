package listen

import (
	"net"
	"net/netip"
	"time"
)

// policy is a Policy compiled for the accept path: normalised prefixes,
// the timeout defaulted. It is immutable and shared by a listener's
// connections.
type policy struct {
	mode    Mode
	trusted trustSet
	timeout time.Duration
	observe func(Outcome)
	// refusals logs refused connections; nil when Policy.Log is nil.
	refusals *refusalLog
}

func compile(p Policy) *policy {
	c := &policy{
		mode:     p.Mode,
		trusted:  newTrustSet(p.TrustedCIDRs),
		timeout:  p.HeaderTimeout,
		observe:  p.Observe,
		refusals: newRefusalLog(p.Log, RefusalLogInterval, time.Now),
	}
	if c.timeout <= 0 {
		c.timeout = DefaultHeaderTimeout
	}
	if c.mode > ModeRequired {
		// An unknown mode is treated as the strictest one.
		c.mode = ModeRequired
	}
	return c
}

func (p *policy) report(o Outcome) {
	if p.observe != nil {
		p.observe(o)
	}
}

// reportRefusal reports the refusal of a connection from peer for o, err
// being the cause, and logs it (rate-limited).
func (p *policy) reportRefusal(o Outcome, peer netip.AddrPort, err error) {
	p.report(o)
	p.refusals.refused(o, peer, err)
}

// Wrap returns l wrapped to apply p to every accepted connection. The
// connections it returns carry [Info] (see [InfoOf]); with ModeOff that is
// the peer alone and no PROXY header is ever parsed.
//
// Accept never reads from a connection, so a slow or silent peer cannot
// stall it: the header is read on the connection's first Read, Write or
// InfoOf, bounded by p.HeaderTimeout. Under ModeRequired, Accept closes a
// connection from a peer outside p.TrustedCIDRs at once and goes on to the
// next; it returns an error only when l.Accept does.
//
// Wrap copies p.TrustedCIDRs; later changes to the slice have no effect.
// p.Observe is called from the accepting goroutine or the connection's
// reading goroutine and must be safe for concurrent use. Refusals are
// logged to p.Log, when set, as [Policy.Log] says. A Mode above
// ModeRequired is treated as ModeRequired.
func Wrap(l net.Listener, p Policy) net.Listener {
	return &listener{Listener: l, pol: compile(p)}
}

type listener struct {
	net.Listener
	pol *policy
}

// Accept returns the next connection allowed to proceed to the header
// phase.
func (l *listener) Accept() (net.Conn, error) {
	for {
		raw, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		peer := addrPortOf(raw.RemoteAddr())
		trusted := l.pol.trusted.contains(peer.Addr())
		switch {
		case l.pol.mode == ModeOff:
			l.pol.report(OutcomeNone)
			return newConn(raw, l.pol, peer, trusted, true), nil
		case l.pol.mode == ModeRequired && !trusted:
			_ = raw.Close()
			l.pol.reportRefusal(OutcomeUntrustedSender, peer, errUntrustedPeer)
			continue
		default:
			return newConn(raw, l.pol, peer, trusted, false), nil
		}
	}
}
