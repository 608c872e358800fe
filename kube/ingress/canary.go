package ingress

import (
	"fmt"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/firsthop/firsthop/kube/ingress/nginx"
	"github.com/firsthop/firsthop/kube/resolve"
)

// pendingCanary is a canary Ingress (ingress-nginx's canary: "true"),
// checked, waiting for the other Ingresses' routes to be in.
type pendingCanary struct {
	ing        *networkingv1.Ingress
	canary     *nginx.Canary
	failClosed bool
	cands      []candidate
}

// joinCanaries joins each canary Ingress, oldest first, to the routes
// of the Ingresses that serve its paths (same host, path and pathType),
// as ingress-nginx does: the route is replaced by [nginx.Canary.Routes]
// of it (header and cookie routes, then the route splitting by weight),
// copies of the main route with its filters and policies, the canary's
// own annotations being ignored but for the canary ones (ingress-nginx's
// rule). The canary's backend is its Service port with the main
// Ingress's backend values. A path with no main route, a main route that
// redirects or already has a canary, is reported and not joined; a canary
// whose annotations fail closed is not joined at all (its requests stay
// on the main backend). A canary joined to at least one route is served
// (its status written, its TLS entries used); its default backend is
// never used.
func (p *planner) joinCanaries() {
	for _, pc := range p.canaries {
		ing := pc.ing
		self := types.NamespacedName{Namespace: ing.Namespace, Name: ing.Name}
		notJoined := func(format string, args ...any) {
			p.report(resolve.Problem{
				Object:  ingressRef(ing),
				Reason:  ReasonCanaryNotJoined,
				Message: fmt.Sprintf(format, args...),
			})
		}
		if pc.failClosed {
			notJoined("the canary is not used: an annotation that guards access is not served (see its own Event); its requests go to the main backends")
			continue
		}
		joined := false
		for _, c := range pc.cands {
			if c.isDefault {
				continue
			}
			k := c.route.Key()
			what := describeRoute(c.route)
			prev, ok := p.routeOwner[k]
			if !ok {
				notJoined("no Ingress serves %s; the canary is not used for it", what)
				continue
			}
			if by, taken := p.canaryOf[k]; taken {
				notJoined("%s already has a canary, %s (ingress-nginx serves one per path); this one is not used for it", what, by)
				continue
			}
			main := p.part.Routes[prev.index]
			if main.Backend == "" {
				notJoined("%s of %s does not forward (it redirects); the canary is not used for it", what, prev.ingress)
				continue
			}
			name := prev.nginx.name(backendName(ing.Namespace, c.backend))
			routes := pc.canary.Routes(main, main.Backend, name)
			p.part.Routes[prev.index] = routes[len(routes)-1]
			p.part.Routes = append(p.part.Routes, routes[:len(routes)-1]...)
			p.canaryOf[k] = self
			p.useBackend(ing, name, c.backend, prev.nginx)
			joined = true
		}
		if joined {
			p.accepted = append(p.accepted, self)
			p.addTLS(ing)
		}
	}
}
