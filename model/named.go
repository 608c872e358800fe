package model

import "time"

// NamedEndpoint is a backend endpoint given by DNS name. The name is looked
// up again and again while the proxy runs (see package proxy/resolve); every
// address it resolves to (and the denylist lets through) becomes an
// [Endpoint] on Port, with Node and Zone, and ResolvedFrom set to Host.
type NamedEndpoint struct {
	// Host is the DNS name: lower case, without a trailing dot, never an
	// IP address.
	Host string
	Port uint16
	Node string
	Zone string
}

// ResolvePolicy says how a backend's [NamedEndpoint]s are looked up. The
// zero value looks each name up every [DefaultResolveInterval], waits
// [DefaultResolveTimeout] for an answer, and refuses loopback addresses.
type ResolvePolicy struct {
	// Interval is how often a name is looked up again, jittered by up to a
	// tenth either way. Zero means DefaultResolveInterval.
	Interval time.Duration

	// Timeout bounds one lookup. Zero means DefaultResolveTimeout, or the
	// interval when that is shorter.
	Timeout time.Duration

	// AllowLoopback lets a name resolve to a loopback address (127.0.0.0/8,
	// ::1), as "localhost" does. Link-local, metadata, multicast and
	// unspecified addresses, and the proxy's own listening addresses, stay
	// refused.
	AllowLoopback bool
}

// Defaults for the zero values of [ResolvePolicy].
const (
	DefaultResolveInterval = 30 * time.Second
	DefaultResolveTimeout  = 5 * time.Second
)

// WithDefaults returns p with zero durations replaced by the defaults.
func (p ResolvePolicy) WithDefaults() ResolvePolicy {
	if p.Interval <= 0 {
		p.Interval = DefaultResolveInterval
	}
	if p.Timeout <= 0 {
		p.Timeout = min(DefaultResolveTimeout, p.Interval)
	}
	return p
}
