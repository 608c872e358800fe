package proxy

import (
	"fmt"
	"slices"
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
func rankEndpoints(eps []Endpoint, policy Locality, node, zone string) ([][]Endpoint, []Tier) {
	usable := EndpointReady
	if !slices.ContainsFunc(eps, func(ep Endpoint) bool { return ep.State == EndpointReady }) {
		usable = EndpointTerminating
	}
	var local, sameZone, rest []Endpoint
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
	var groups [][]Endpoint
	var tiers []Tier
	add := func(g []Endpoint, t Tier) {
		if len(g) > 0 {
			groups = append(groups, g)
			tiers = append(tiers, t)
		}
	}
	switch policy {
	case LocalityLocal:
		add(local, TierNode)
	case LocalityPreferZone:
		add(slices.Concat(local, sameZone), TierZone)
		add(rest, TierCluster)
	case LocalityCluster:
		add(slices.Concat(local, sameZone, rest), TierCluster)
	default: // LocalityPreferLocal
		add(local, TierNode)
		add(sameZone, TierZone)
		add(rest, TierCluster)
	}
	return groups, tiers
}

// onNode reports whether ep counts as on node.
func onNode(ep Endpoint, node string) bool {
	if node == "" {
		return false
	}
	if len(ep.ForNodes) > 0 {
		return slices.Contains(ep.ForNodes, node)
	}
	return ep.Node == node
}

// inZone reports whether ep counts as in zone.
func inZone(ep Endpoint, zone string) bool {
	if zone == "" {
		return false
	}
	if len(ep.ForZones) > 0 {
		return slices.Contains(ep.ForZones, zone)
	}
	return ep.Zone == zone
}

// pick returns the endpoint for the next request, round robin inside the
// most preferred non-empty group, and its tier. ok is false when the backend
// has no usable endpoint.
func (b *backend) pick() (ep Endpoint, tier Tier, ok bool) {
	if len(b.groups) == 0 {
		return Endpoint{}, 0, false
	}
	g := b.groups[0]
	n := b.rr.Add(1) - 1
	return g[n%uint64(len(g))], b.tiers[0], true
}
