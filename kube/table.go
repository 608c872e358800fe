package kube

import (
	"cmp"
	"fmt"
	"slices"

	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/firsthop/firsthop/kube/resolve"
	"github.com/firsthop/firsthop/model"
)

// merged is the processors' parts of one full build put together (see
// the package documentation for the rule): the routes, and for each
// backend where its endpoints come from. Endpoint changes reuse it (see
// [merged.spec]). It is not modified once built.
type merged struct {
	routes         []model.Route
	defaultBackend string
	backends       []*resolve.Backend // sorted by name
	// byService holds the backends whose endpoints come from each
	// Service's EndpointSlices.
	byService map[types.NamespacedName][]*resolve.Backend
	certs     []model.Certificate
	policies  []model.Policy
	scopes    []model.ScopeSpec
	listeners []model.ListenerSpec // the parts', not the base's
	problems  []resolve.Problem
}

// Refusal is a processor's part left out of a table because it takes a
// name or a scope that the base or an earlier part has (see the package
// documentation).
type Refusal struct {
	// Processor is the name of the processor whose part was left out.
	Processor string
	// Reason says what it takes, and from whom.
	Reason string
}

func (r Refusal) String() string {
	return fmt.Sprintf("the %s processor's part is left out: %s", r.Processor, r.Reason)
}

// Assemble is the pure form of a build: the table made of base and the
// parts of the processors named names (in order), each backend's
// endpoints from the EndpointSlices slicesOf returns for its Service
// (see [resolve.Backend.Endpoints]). baseListeners are the listeners the
// data plane serves besides the parts': their names are taken. It
// returns the parts it refused.
//
// From base the table takes Node, Zone, ClientIP and Headers, and its
// Certificates, Policies and Scopes come before the parts'; its Routes,
// Backends and DefaultBackend are ignored.
func Assemble(base model.TableSpec, baseListeners []model.ListenerSpec, names []string, parts []Part,
	slicesOf func(types.NamespacedName) []*discoveryv1.EndpointSlice) (model.TableSpec, []Refusal) {
	m, refused := merge(base, baseListeners, names, parts)
	return m.spec(base, func(b *resolve.Backend) []model.Endpoint {
		svc, ok := b.Service()
		if !ok {
			return b.Endpoints(nil)
		}
		return b.Endpoints(slicesOf(svc))
	}), refused
}

// merge puts parts together, in order, refusing each part that takes a
// name or a scope that base, baseListeners or an earlier part has.
// names[i] is the name of the processor of parts[i].
func merge(base model.TableSpec, baseListeners []model.ListenerSpec, names []string, parts []Part) (*merged, []Refusal) {
	m := &merged{byService: make(map[types.NamespacedName][]*resolve.Backend)}
	backends := map[string]string{}  // backend name -> processor
	policies := map[string]string{}  // policy name -> processor or "the config file"
	listeners := map[string]string{} // listener name -> the same
	scopes := map[string]string{}    // scope -> processor
	defaultBy := ""
	const configFile = "the config file"
	for _, p := range base.Policies {
		policies[p.Name] = configFile
	}
	for _, l := range baseListeners {
		listeners[l.Name] = configFile
	}
	var refused []Refusal
	for i, part := range parts {
		name := names[i]
		m.problems = append(m.problems, part.Problems...)
		if why := conflict(part, backends, policies, listeners, scopes, defaultBy); why != "" {
			refused = append(refused, Refusal{Processor: name, Reason: why})
			continue
		}
		for _, b := range part.Backends {
			backends[b.Name] = name
		}
		for _, p := range part.Policies {
			policies[p.Name] = name
		}
		for _, l := range part.Listeners {
			listeners[l.Name] = name
		}
		for s := range partScopes(part) {
			scopes[s] = name
		}
		if part.DefaultBackend != "" {
			defaultBy = name
			m.defaultBackend = part.DefaultBackend
		}
		m.routes = append(m.routes, part.Routes...)
		m.backends = append(m.backends, part.Backends...)
		m.certs = append(m.certs, part.Certificates...)
		m.policies = append(m.policies, part.Policies...)
		m.scopes = append(m.scopes, part.Scopes...)
		m.listeners = append(m.listeners, part.Listeners...)
	}
	slices.SortFunc(m.backends, func(a, b *resolve.Backend) int { return cmp.Compare(a.Name, b.Name) })
	for _, b := range m.backends {
		if svc, ok := b.Service(); ok {
			m.byService[svc] = append(m.byService[svc], b)
		}
	}
	return m, refused
}

// conflict returns what part takes that is taken already, or "".
func conflict(part Part, backends, policies, listeners, scopes map[string]string, defaultBy string) string {
	for _, b := range part.Backends {
		if by, ok := backends[b.Name]; ok {
			return fmt.Sprintf("backend %q is %s's", b.Name, by)
		}
	}
	for _, p := range part.Policies {
		if by, ok := policies[p.Name]; ok {
			return fmt.Sprintf("policy %q is %s's", p.Name, by)
		}
	}
	for _, l := range part.Listeners {
		if by, ok := listeners[l.Name]; ok {
			return fmt.Sprintf("listener %q is %s's", l.Name, by)
		}
	}
	for s := range partScopes(part) {
		if by, ok := scopes[s]; ok {
			return fmt.Sprintf("scope %q is %s's", s, by)
		}
	}
	if part.DefaultBackend != "" && defaultBy != "" {
		return fmt.Sprintf("the default backend is %s's", defaultBy)
	}
	return ""
}

// partScopes returns the scopes part's routes, listeners and scope
// settings name.
func partScopes(part Part) map[string]bool {
	s := make(map[string]bool)
	for _, r := range part.Routes {
		s[r.Scope] = true
	}
	for _, l := range part.Listeners {
		s[l.Scope] = true
	}
	for _, sc := range part.Scopes {
		s[sc.Name] = true
	}
	return s
}

// spec returns the table of m, with the Node, Zone, ClientIP and Headers
// of base; base's certificates, policies and scopes before the parts'
// (so that the first of base's certificates is the default, and the
// config file's policies, which its listeners name, are checked first);
// and each backend's endpoints from eps.
func (m *merged) spec(base model.TableSpec, eps func(*resolve.Backend) []model.Endpoint) model.TableSpec {
	spec := model.TableSpec{
		Node:           base.Node,
		Zone:           base.Zone,
		ClientIP:       base.ClientIP,
		Headers:        base.Headers,
		Routes:         m.routes,
		DefaultBackend: m.defaultBackend,
	}
	if len(base.Certificates)+len(m.certs) > 0 {
		spec.Certificates = append(slices.Clip(base.Certificates), m.certs...)
	}
	// The config file's policies come first: its listeners name them, and
	// no Ingress can lift a listener's (they are checked first).
	spec.Policies = m.policies
	if len(base.Policies) > 0 {
		spec.Policies = append(slices.Clip(base.Policies), m.policies...)
	}
	if len(base.Scopes)+len(m.scopes) > 0 {
		spec.Scopes = append(slices.Clip(base.Scopes), m.scopes...)
	}
	if len(m.backends) > 0 {
		spec.Backends = make([]model.Backend, len(m.backends))
	}
	for i, b := range m.backends {
		spec.Backends[i] = b.Model(eps(b))
	}
	return spec
}

// listenersFor returns the listeners to serve: base's, then the parts'.
func (m *merged) listenersFor(base []model.ListenerSpec) []model.ListenerSpec {
	return append(slices.Clip(base), m.listeners...)
}
