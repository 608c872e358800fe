package kubetest

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/firsthop/firsthop/model"
)

// Endpoint returns a ready endpoint at addr ("10.0.0.1:80") on node and
// zone.
func Endpoint(addr, node, zone string) model.Endpoint {
	return model.Endpoint{Addr: netip.MustParseAddrPort(addr), Node: node, Zone: zone}
}

// Terminating returns e with State EndpointTerminating.
func Terminating(e model.Endpoint) model.Endpoint {
	e.State = model.EndpointTerminating
	return e
}

// DNS resolves names from a map; other names fail. It is a resolve.DNS.
type DNS map[string][]netip.Addr

// Resolve returns the addresses of host, or an error when it has none.
func (m DNS) Resolve(host string) ([]netip.Addr, error) {
	if a, ok := m[host]; ok {
		return a, nil
	}
	return nil, fmt.Errorf("no such host %q", host)
}

// Render prints spec one route, backend or endpoint per line, for failure
// messages that can be read.
func Render(spec model.TableSpec) string {
	var b strings.Builder
	fmt.Fprintf(&b, "node=%q zone=%q default=%q\n", spec.Node, spec.Zone, spec.DefaultBackend)
	for _, r := range spec.Routes {
		fmt.Fprintf(&b, "route %q %q %s -> %s\n", r.Host, r.Path, r.PathType, r.Backend)
	}
	for _, be := range spec.Backends {
		fmt.Fprintf(&b, "backend %s %s (%d endpoints, nil=%v)\n", be.Name, be.Locality, len(be.Endpoints), be.Endpoints == nil)
		for _, e := range be.Endpoints {
			fmt.Fprintf(&b, "  %s node=%q zone=%q forNodes=%q forZones=%q %s\n", e.Addr, e.Node, e.Zone, e.ForNodes, e.ForZones, e.State)
		}
	}
	return b.String()
}
