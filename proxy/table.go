package proxy

import (
	"net/http"
	"slices"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/clientip"
	"github.com/firsthop/firsthop/proxy/policy"
)

// Table is a compiled, immutable routing table. It is built whole by
// [NewTable] and published with [Server.Publish]; a request loads the current
// table once and uses only that one.
//
// A Table is never modified once [NewTable] (or [Server.Apply]) has built
// it: everything it holds, the transports of its backends and its
// generation included, is given to it at build time.
type Table struct {
	node, zone string
	clientIP   clientip.Policy
	headers    model.ForwardedHeaders
	// scopeClients are the scopes' own client-IP settings, for the
	// scopes that have any (see [model.ScopeSpec]); nil when none has.
	scopeClients map[string]*clientSettings
	router       *router
	backends     map[string]*backend
	defaultRule  *pathRule   // nil without a default backend
	certs        *tableCerts // nil without certificates
	// policies are the compiled policies of spec, by name; nil when none.
	policies   map[string]*policy.Policy
	spec       model.TableSpec
	generation uint64 // the Server's count of tables it built; 0 for NewTable's
}

// NewTable validates spec (see [model.TableSpec.Validate]) and compiles it.
// It fails when a route or the default backend names a backend that does
// not exist, when two routes have the same host, path and path type, or
// when a value is out of range. The spec's slices are not retained, except
// through [Table.Spec]. The table has endpoint state and transports of its
// own, shared with no other table, and generation 0.
func NewTable(spec model.TableSpec) (*Table, error) {
	return newTable(spec, tableBuild{states: &endpointStates{}, transports: &transportPool{}, policies: &policy.Registry{}})
}

// tableBuild is what a table is built with beyond its spec: what it shares
// with the other tables of one [Server], and its place among them.
type tableBuild struct {
	// states holds the endpoints' live state, by address.
	states *endpointStates
	// transports hands out the backends' http.Transport, by upstreamKey.
	transports *transportPool
	// policies compiles the spec's policies, keeping their limiter state
	// across tables.
	policies *policy.Registry
	// prev is the table built before, whose compiled parts may be reused;
	// nil for none.
	prev *Table
	// generation is the new table's [Table.Generation].
	generation uint64
}

// newTable is NewTable with endpoint state, transports and policy state
// shared with other tables. A backend whose spec is the same as in b.prev
// (see [sameBackend]), in a table for the same node and zone, is taken
// from prev as it was compiled, so that a table that differs from the last
// in a few backends (an endpoint change in a large cluster) costs little
// more than those few. Routes that are the very routes of prev (the same
// slice) were validated there, and prev's router is rebound to the new
// backends, when the policies they name and the scopes' settings are
// unchanged too.
func newTable(spec model.TableSpec, b tableBuild) (*Table, error) {
	prev := b.prev
	routesKept := prev != nil && sameSlice(prev.spec.Routes, spec.Routes) && samePolicies(prev.spec.Policies, spec.Policies) &&
		slices.EqualFunc(prev.spec.Scopes, spec.Scopes, model.ScopeSpec.Equal)
	var err error
	if routesKept {
		err = spec.ValidateKnownRoutes()
	} else {
		err = spec.Validate()
	}
	if err != nil {
		return nil, err
	}
	t := &Table{
		node:       spec.Node,
		zone:       spec.Zone,
		clientIP:   spec.ClientIP,
		headers:    spec.Headers,
		backends:   make(map[string]*backend, len(spec.Backends)),
		spec:       spec,
		generation: b.generation,
	}
	for i := range spec.Backends {
		be := &spec.Backends[i]
		if old := prev.reusable(be, spec.Node, spec.Zone); old != nil {
			t.backends[be.Name] = old
			continue
		}
		t.backends[be.Name] = newBackend(be, spec.Node, spec.Zone, b.states, b.transports)
	}
	if spec.DefaultBackend != "" {
		t.defaultRule = &pathRule{backend: t.backends[spec.DefaultBackend], label: "default"}
	}
	t.certs = newTableCerts(spec.Certificates, spec.Scopes)
	t.scopeClients = newScopeClients(spec.Scopes, &spec.ClientIP, spec.Headers)
	if routesKept {
		t.policies = prev.policies
	} else {
		t.policies = compilePolicies(spec.Policies, b.policies)
	}
	if routesKept && prev.router != nil {
		t.router = prev.router.rebind(t.backends)
	} else {
		t.router = newRouter(spec.Routes, spec.Scopes, t.backends, t.policies)
	}
	return t, nil
}

// Generation returns the table's generation: 1 for the first table a
// [Server] built, one more for each after it; 0 for a table of
// [NewTable].
func (t *Table) Generation() uint64 { return t.generation }

// Spec returns the specification t was built from. The caller must not
// modify it.
func (t *Table) Spec() model.TableSpec { return t.spec }

// Lookup returns the name of the backend that serves a request of the
// default scope for host and path, with no header and no query, and
// whether there is one. host may carry a port and any case; path must be
// a clean absolute path (see [model.CleanPath]). A route that forwards to
// no single backend (a split, a redirect, a direct answer) counts as
// none.
func (t *Table) Lookup(host, path string) (string, bool) {
	r := t.route(&routeRequest{host: model.CanonicalHost(host), path: path})
	if r == nil || r.backend == nil {
		return "", false
	}
	return r.backend.name, true
}

// route returns the rule for q: the first matching route's of q's scope
// (see [router]), else, in the default scope, one for the default backend
// (label "default"), else nil. It is the one place a request is matched
// to a route, for net/http's requests and the fast loop's alike.
func (t *Table) route(q *routeRequest) *pathRule {
	if r := t.router.match(q); r != nil {
		return r
	}
	if q.scope == "" {
		return t.defaultRule
	}
	return nil
}

// reusable returns t's compiled backend for b when it was compiled from
// the same spec for the same node and zone, else nil. t may be nil.
func (t *Table) reusable(b *model.Backend, node, zone string) *backend {
	if t == nil || t.node != node || t.zone != zone || b.Echo {
		return nil
	}
	old := t.backends[b.Name]
	if old == nil || !sameBackend(&old.from, b) {
		return nil
	}
	return old
}

// sameBackend reports whether a and b compile to the same backend. An
// Endpoints slice that is the very same (same array, same length) is equal
// without a look at its elements.
func sameBackend(a, b *model.Backend) bool {
	return a.Name == b.Name && a.Locality == b.Locality && a.Echo == b.Echo &&
		a.ConnectTimeout == b.ConnectTimeout && a.ResponseHeaderTimeout == b.ResponseHeaderTimeout &&
		a.Protocol == b.Protocol && a.TLSServerName == b.TLSServerName &&
		a.TLSInsecureSkipVerify == b.TLSInsecureSkipVerify &&
		a.MaxInflightPerEndpoint == b.MaxInflightPerEndpoint && a.PassiveHealth == b.PassiveHealth &&
		sameEndpoints(a.Endpoints, b.Endpoints) && sameBackendExtras(a, b)
}

// sameSlice reports whether a and b are the same slice: the same array
// and length.
func sameSlice[T any](a, b []T) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

func sameEndpoints(a, b []model.Endpoint) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) == 0 || &a[0] == &b[0] {
		return true
	}
	for i := range a {
		x, y := &a[i], &b[i]
		if x.Addr != y.Addr || x.Node != y.Node || x.Zone != y.Zone || x.State != y.State || x.ResolvedFrom != y.ResolvedFrom ||
			!slices.Equal(x.ForNodes, y.ForNodes) || !slices.Equal(x.ForZones, y.ForZones) {
			return false
		}
	}
	return true
}

// backend is a compiled [model.Backend]: its endpoints grouped by preference and
// the transport that reaches them.
type backend struct {
	from   model.Backend // the spec it was compiled from
	name   string
	policy model.Locality
	// groups are the endpoint sets to try, most preferred first; tiers say
	// what each group is (see [backend.pick]).
	groups      [][]*upstream
	tiers       []Tier
	maxInflight int64
	health      model.PassiveHealth

	upstream  upstreamKey
	scheme    string            // "http" or "https"
	transport http.RoundTripper // the transports' one for upstream
	// transports is where transport came from, for views of the backend
	// with another response-header timeout (see withHeaderTimeout), and
	// tls the TLS material it was made with.
	transports *transportPool
	tls        *backendTLS
	// lean is set for HTTP/1.1 backends; read it through
	// [backend.leanFor], the one rule for which upstream path a request
	// takes.
	lean bool
	// affinity is the backend's cookie affinity; nil for none.
	affinity *affinity
}

func newBackend(b *model.Backend, node, zone string, states *endpointStates, transports *transportPool) *backend {
	nb := &backend{
		from:   *b,
		name:   b.Name,
		policy: b.Locality,
		upstream: upstreamKey{
			connect: b.ConnectTimeout, responseHeader: b.ResponseHeaderTimeout,
			protocol: b.Protocol, serverName: b.TLSServerName, insecure: b.TLSInsecureSkipVerify,
		}.withDefaults(),
		scheme:     "http",
		lean:       b.Protocol == model.ProtocolHTTP1,
		transports: transports,
	}
	if b.Protocol == model.ProtocolHTTPS {
		nb.scheme = "https"
		nb.tls, nb.upstream.tlsID = newBackendTLS(b)
	}
	nb.transport = transports.get(nb.upstream, nb.tls)
	var groups [][]model.Endpoint
	groups, nb.tiers = rankEndpoints(b.Endpoints, b.Locality, node, zone)
	nb.maxInflight = int64(b.MaxInflightPerEndpoint)
	nb.health = b.PassiveHealth.WithDefaults()
	for _, g := range groups {
		ups := make([]*upstream, len(g))
		for i, ep := range g {
			ups[i] = &upstream{Endpoint: ep, state: states.get(ep.Addr)}
		}
		nb.groups = append(nb.groups, ups)
	}
	nb.affinity = newAffinity(b.Affinity, b.Name, nb.groups, nb.tiers)
	return nb
}
