package proxy

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/firsthop/firsthop/model"
)

// Tier says how close to this proxy the endpoint that served a request was.
type Tier uint8

const (
	// TierNode: an endpoint on this proxy's node.
	TierNode Tier = iota
	// TierZone: an endpoint in this proxy's zone (on another node, or on
	// this node when the policy groups node and zone together).
	TierZone
	// TierCluster: any other endpoint.
	TierCluster
)

var tierNames = [...]string{TierNode: "node", TierZone: "zone", TierCluster: "cluster"}

// String returns the label spelling of t ("node", "zone", "cluster").
func (t Tier) String() string {
	if int(t) < len(tierNames) {
		return tierNames[t]
	}
	return fmt.Sprintf("Tier(%d)", uint8(t))
}

// rankEndpoints groups eps by preference for a proxy on node and zone under
// policy, and returns the groups to try in order with the tier of each.
//
// Only ready endpoints are ranked when any exists; terminating-but-serving
// ones only when no endpoint is ready in any tier; not-serving ones never.
// An endpoint is on this node when its ForNodes hint names node, or, without
// that hint, when its Node equals node; likewise for zones. Unknown (empty)
// node or zone names never match. Empty groups are left out.
func rankEndpoints(eps []model.Endpoint, policy model.Locality, node, zone string) ([][]model.Endpoint, []Tier) {
	usable := model.EndpointReady
	if !slices.ContainsFunc(eps, func(ep model.Endpoint) bool { return ep.State == model.EndpointReady }) {
		usable = model.EndpointTerminating
	}
	var local, sameZone, rest []model.Endpoint
	for _, ep := range eps {
		if ep.State != usable {
			continue
		}
		switch {
		case onNode(ep, node):
			local = append(local, ep)
		case inZone(ep, zone):
			sameZone = append(sameZone, ep)
		default:
			rest = append(rest, ep)
		}
	}
	var groups [][]model.Endpoint
	var tiers []Tier
	add := func(g []model.Endpoint, t Tier) {
		if len(g) > 0 {
			groups = append(groups, g)
			tiers = append(tiers, t)
		}
	}
	switch policy {
	case model.LocalityLocal:
		add(local, TierNode)
	case model.LocalityPreferZone:
		add(slices.Concat(local, sameZone), TierZone)
		add(rest, TierCluster)
	case model.LocalityCluster:
		add(slices.Concat(local, sameZone, rest), TierCluster)
	default: // LocalityPreferLocal
		add(local, TierNode)
		add(sameZone, TierZone)
		add(rest, TierCluster)
	}
	return groups, tiers
}

// onNode reports whether ep counts as on node.
func onNode(ep model.Endpoint, node string) bool {
	if node == "" {
		return false
	}
	if len(ep.ForNodes) > 0 {
		return slices.Contains(ep.ForNodes, node)
	}
	return ep.Node == node
}

// inZone reports whether ep counts as in zone.
func inZone(ep model.Endpoint, zone string) bool {
	if zone == "" {
		return false
	}
	if len(ep.ForZones) > 0 {
		return slices.Contains(ep.ForZones, zone)
	}
	return ep.Zone == zone
}

// upstream is an endpoint with its live state.
type upstream struct {
	model.Endpoint
	state *endpointState
}

// pick returns the endpoint for the next request and its tier: power of two
// choices on requests in flight inside the most preferred group that has a
// usable endpoint — not ejected by passive health, under the in-flight cap,
// and not among tried — spilling to the next group only when none is
// usable. When no endpoint in any group is usable, it ignores health and the
// cap (never tried) rather than fail the request. ok is false when the
// backend has no endpoint (for Local: none on this node) or every one was
// tried.
func (b *backend) pick(tried []*endpointState) (u *upstream, tier Tier, ok bool) {
	var now int64 // read once, and only when some endpoint has been ejected
	usable := func(u *upstream) bool { return b.usable(u, tried, &now) }
	for i, g := range b.groups {
		if u := twoChoices(g, usable); u != nil {
			return u, b.tiers[i], true
		}
	}
	untried := func(u *upstream) bool { return !slices.Contains(tried, u.state) }
	for i, g := range b.groups {
		if u := twoChoices(g, untried); u != nil {
			return u, b.tiers[i], true
		}
	}
	return nil, 0, false
}

// usable reports whether u can take a request: not ejected by passive
// health, under the in-flight cap, and not among tried. now is the time
// in Unix nanoseconds, read into it on first need when 0.
func (b *backend) usable(u *upstream, tried []*endpointState, now *int64) bool {
	if u.state.ejectedUntil.Load() != 0 {
		if *now == 0 {
			*now = time.Now().UnixNano()
		}
		if u.state.ejected(*now) {
			return false
		}
	}
	return (b.maxInflight <= 0 || u.state.inflight.Load() < b.maxInflight) && !slices.Contains(tried, u.state)
}

// twoChoices picks two random members of g and returns the usable one with
// fewer requests in flight; when neither is usable it returns the first
// usable member from a random start, or nil.
func twoChoices(g []*upstream, usable func(*upstream) bool) *upstream {
	n := len(g)
	if n == 1 {
		if usable(g[0]) {
			return g[0]
		}
		return nil
	}
	i := rand.IntN(n)
	j := rand.IntN(n - 1)
	if j >= i {
		j++
	}
	a, b := g[i], g[j]
	switch ua, ub := usable(a), usable(b); {
	case ua && ub:
		if b.state.inflight.Load() < a.state.inflight.Load() {
			return b
		}
		return a
	case ua:
		return a
	case ub:
		return b
	}
	for k := range n {
		if u := g[(i+k)%n]; usable(u) {
			return u
		}
	}
	return nil
}
