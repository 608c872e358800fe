package resolve

import (
	"log/slog"
	"net/netip"
	"slices"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/upstreamaddr"
)

// expand returns base with the addresses of each backend's named
// endpoints added to its Endpoints, from answers (by name; a name without
// an answer adds nothing). Addresses are checked with [refusal]; refused
// ones are logged with the name and left out. An address the backend
// already has (written as an IP, or from an earlier name) is not added
// again. Backends without named endpoints keep their very Endpoints
// slice, so that the table built from the result reuses them. base is not
// modified.
func expand(base model.TableSpec, answers map[string][]netip.Addr, self []netip.AddrPort, log *slog.Logger) model.TableSpec {
	if !slices.ContainsFunc(base.Backends, func(b model.Backend) bool { return len(b.Named) > 0 }) {
		return base
	}
	out := base
	out.Backends = slices.Clone(base.Backends)
	for i := range out.Backends {
		b := &out.Backends[i]
		if len(b.Named) == 0 {
			continue
		}
		eps := slices.Clip(b.Endpoints)
		for _, ne := range b.Named {
			for _, a := range answers[ne.Host] {
				ap := netip.AddrPortFrom(a.Unmap(), ne.Port)
				if why := refusal(ap, b.Resolve, self); why != "" {
					log.Warn("refusing a resolved backend address", "backend", b.Name, "name", ne.Host,
						"address", ap.String(), "reason", why)
					continue
				}
				if slices.ContainsFunc(eps, func(e model.Endpoint) bool { return e.Addr == ap }) {
					continue
				}
				eps = append(eps, model.Endpoint{Addr: ap, Node: ne.Node, Zone: ne.Zone, ResolvedFrom: ne.Host})
			}
		}
		b.Endpoints = eps
	}
	return out
}

// refusal says why ap, an address a name resolved to, may not be an
// endpoint of a backend with policy p, or returns "". The rule is
// [upstreamaddr]'s, the one EndpointSlices get, except that p may allow
// loopback; on top of it no name may lead to one of the proxy's own
// listening addresses (self), which a listener bound to an unspecified
// address has on every loopback address.
func refusal(ap netip.AddrPort, p model.ResolvePolicy, self []netip.AddrPort) string {
	a := ap.Addr().Unmap()
	switch c := upstreamaddr.Classify(a); {
	case c == upstreamaddr.Loopback && !p.AllowLoopback:
		return "loopback (set resolve.allowLoopback to allow it)"
	case c != upstreamaddr.Usable && c != upstreamaddr.Loopback:
		return c.String()
	}
	for _, s := range self {
		if s.Port() == ap.Port() && (s.Addr().Unmap() == a || s.Addr().IsUnspecified() && a.IsLoopback()) {
			return "the proxy's own listening address"
		}
	}
	return ""
}
