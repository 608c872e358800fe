package ingress

import (
	"cmp"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/firsthop/firsthop/model"
)

// Translate builds the routing table that the Ingresses of s describe, and
// lists the problems met on the way. It is a pure function of its
// arguments (apart from o.Resolver) and never modifies s.
//
// The result always passes [model.TableSpec.Validate]: whatever the objects hold, an
// Ingress that cannot be served is left out (or the part of it that cannot
// be served is), and the problem says so. Routes are sorted by host, path
// and type, backends by name, endpoints by address, so equal inputs give
// [reflect.DeepEqual] results.
//
// The semantics are documented in the package comment.
func Translate(s Snapshot, o Options) (model.TableSpec, []Problem) {
	p := newPlan(s, &o, loadTLSSecret)
	bySvc := indexSlices(s.EndpointSlices)
	spec := p.spec(o.Base, func(bp *backendPlan) []model.Endpoint { return bp.endpoints(bySvc[bp.service]) })
	return spec, p.problems
}

// indexSlices groups EndpointSlices by the Service they belong to (their
// kubernetes.io/service-name label). Slices without the label belong to no
// Service and are left out.
func indexSlices(all []*discoveryv1.EndpointSlice) map[types.NamespacedName][]*discoveryv1.EndpointSlice {
	m := make(map[types.NamespacedName][]*discoveryv1.EndpointSlice)
	for _, s := range all {
		name := s.Labels[discoveryv1.LabelServiceName]
		if name == "" {
			continue
		}
		k := types.NamespacedName{Namespace: s.Namespace, Name: name}
		m[k] = append(m[k], s)
	}
	return m
}

// plan is the part of a translation that depends on Ingresses,
// IngressClasses and Services only: the routes, and for each backend where
// its endpoints come from. Endpoint changes reuse it (see [plan.spec]).
// A plan is not modified once built.
type plan struct {
	routes         []model.Route
	defaultBackend string
	backends       []*backendPlan // sorted by name
	// byService holds the backends whose endpoints come from each
	// Service's EndpointSlices.
	byService map[types.NamespacedName][]*backendPlan

	// accepted is the Ingresses served (ours and not skipped), sorted.
	accepted []types.NamespacedName

	// problems are in the order met, Ingresses oldest first, without
	// duplicates.
	problems []Problem

	// policies are those the accepted Ingresses' annotations make (see
	// ingressPolicy), Ingresses oldest first.
	policies []model.Policy

	// certs are the certificates of the accepted Ingresses' spec.tls,
	// Ingresses oldest first.
	certs []model.Certificate

	// refused are the addresses no endpoint may have (see refusedAddrs).
	refused refusedAddrs

	// secretRefs are the Secrets the accepted Ingresses name in spec.tls,
	// found or not: a change to one of them needs a new plan.
	secretRefs map[types.NamespacedName]bool

	// resolvesNames reports whether an ExternalName backend was resolved
	// through DNS, so that the plan goes stale as time passes.
	resolvesNames bool
}

// spec returns the table of p, with the Node, Zone, ClientIP and Headers of
// base, base's policies before the Ingresses', base's certificates before the Ingresses' (so that the first of
// base's is the default), and each backend's endpoints from eps.
func (p *plan) spec(base model.TableSpec, eps func(*backendPlan) []model.Endpoint) model.TableSpec {
	spec := model.TableSpec{
		Node:           base.Node,
		Zone:           base.Zone,
		ClientIP:       base.ClientIP,
		Headers:        base.Headers,
		Routes:         p.routes,
		DefaultBackend: p.defaultBackend,
	}
	if len(base.Certificates)+len(p.certs) > 0 {
		spec.Certificates = append(slices.Clip(base.Certificates), p.certs...)
	}
	// The config file's policies come first: its listeners name them, and
	// no Ingress can lift a listener's (they are checked first).
	spec.Policies = p.policies
	if len(base.Policies) > 0 {
		spec.Policies = append(slices.Clip(base.Policies), p.policies...)
	}
	if len(p.backends) > 0 {
		spec.Backends = make([]model.Backend, len(p.backends))
	}
	for i, bp := range p.backends {
		spec.Backends[i] = model.Backend{
			Name:      bp.name,
			Locality:  bp.locality,
			Endpoints: eps(bp),
			Protocol:  bp.protocol,
			// Pods rarely hold a certificate for their own address:
			// an https backend is encrypted, not verified (as with
			// ingress-nginx's default).
			TLSInsecureSkipVerify: bp.protocol == model.ProtocolHTTPS,
		}
	}
	return spec
}

// planner holds the state of one translation while Ingresses are added,
// oldest first.
type planner struct {
	plan
	o        *Options
	services map[types.NamespacedName]*corev1.Service
	secrets  map[types.NamespacedName]*corev1.Secret
	loadCert CertLoader

	routeOwner   map[model.RouteKey]claim
	defaultOwner claim
	backends     map[string]*backendPlan
	external     map[string]externalResult // by externalName and port
	reported     map[Problem]bool
}

// claim records which Ingress serves a route, and with which backend.
type claim struct {
	ingress types.NamespacedName
	backend string
}

type externalResult struct {
	eps []model.Endpoint
	err error
}

// newPlan translates the Ingresses of s that belong to this controller,
// oldest first (creationTimestamp, then namespace, then name), so that the
// oldest wins every conflict whatever order the cache lists them in. The
// EndpointSlices of s are not read. load parses TLS Secrets.
func newPlan(s Snapshot, o *Options, load CertLoader) *plan {
	p := &planner{
		o:          o,
		services:   make(map[types.NamespacedName]*corev1.Service, len(s.Services)),
		secrets:    make(map[types.NamespacedName]*corev1.Secret, len(s.Secrets)),
		loadCert:   load,
		routeOwner: make(map[model.RouteKey]claim),
		backends:   make(map[string]*backendPlan),
		external:   make(map[string]externalResult),
		reported:   make(map[Problem]bool),
	}
	p.secretRefs = make(map[types.NamespacedName]bool)
	for _, svc := range s.Services {
		p.services[types.NamespacedName{Namespace: svc.Namespace, Name: svc.Name}] = svc
	}
	p.refused = newRefusedAddrs(s, o.RefusedAddrs)
	for _, sec := range s.Secrets {
		if sec.Type == corev1.SecretTypeTLS {
			p.secrets[types.NamespacedName{Namespace: sec.Namespace, Name: sec.Name}] = sec
		}
	}
	sel := newClassSelector(s.IngressClasses, o.controllerName(), o.WatchWithoutClass)
	var ours []*networkingv1.Ingress
	for _, ing := range s.Ingresses {
		if sel.selects(ing) {
			ours = append(ours, ing)
		}
	}
	slices.SortFunc(ours, olderFirst)
	for _, ing := range ours {
		p.addIngress(ing)
	}

	slices.SortFunc(p.routes, func(a, b model.Route) int {
		return cmp.Or(cmp.Compare(a.Host, b.Host), cmp.Compare(a.Path, b.Path), cmp.Compare(a.PathType, b.PathType))
	})
	for _, bp := range p.backends {
		p.plan.backends = append(p.plan.backends, bp)
	}
	slices.SortFunc(p.plan.backends, func(a, b *backendPlan) int { return cmp.Compare(a.name, b.name) })
	p.byService = make(map[types.NamespacedName][]*backendPlan)
	for _, bp := range p.plan.backends {
		if bp.fromSlices {
			p.byService[bp.service] = append(p.byService[bp.service], bp)
		}
	}
	slices.SortFunc(p.accepted, func(a, b types.NamespacedName) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	return &p.plan
}

// olderFirst orders Ingresses by creationTimestamp, then namespace, then
// name.
func olderFirst(a, b *networkingv1.Ingress) int {
	return cmp.Or(
		a.CreationTimestamp.Time.Compare(b.CreationTimestamp.Time),
		cmp.Compare(a.Namespace, b.Namespace),
		cmp.Compare(a.Name, b.Name),
	)
}

// candidate is one route (or the default backend) of an Ingress that
// passed the shape checks.
type candidate struct {
	route     model.Route // Backend not set yet
	isDefault bool
	backend   *networkingv1.IngressServiceBackend
	regex     bool
}

// addIngress adds the routes of ing. An Ingress with any invalid host,
// path or backend is skipped whole: serving part of it could send its
// traffic somewhere its author did not mean.
func (p *planner) addIngress(ing *networkingv1.Ingress) {
	self := types.NamespacedName{Namespace: ing.Namespace, Name: ing.Name}
	var cands []candidate
	var errs []Problem
	invalid := func(reason, format string, args ...any) {
		errs = append(errs, Problem{
			Object:  ingressRef(ing),
			Reason:  reason,
			Message: fmt.Sprintf(format, args...) + "; the Ingress is not served",
			Skipped: true,
		})
	}
	if db := ing.Spec.DefaultBackend; db != nil {
		if err := checkBackend(db); err != nil {
			invalid(ReasonInvalidBackend, "defaultBackend: %v", err)
		} else {
			cands = append(cands, candidate{isDefault: true, backend: db.Service})
		}
	}
	allowTrace, keepEncodedSlashes, optionProblems := routeOptions(ing)
	pol, policyProblems := ingressPolicy(ing)
	var policies []string
	if pol != nil {
		policies = []string{pol.Name}
	}
	for i := range ing.Spec.Rules {
		rule := &ing.Spec.Rules[i]
		host, err := canonicalHost(rule.Host)
		if err != nil {
			invalid(ReasonInvalidHost, "rules[%d]: %v", i, err)
			continue
		}
		if rule.HTTP == nil {
			continue
		}
		for j := range rule.HTTP.Paths {
			hp := &rule.HTTP.Paths[j]
			path, typ, regex, err := routePath(hp.Path, hp.PathType)
			if err != nil {
				invalid(ReasonInvalidPath, "rules[%d].http.paths[%d]: %v", i, j, err)
				continue
			}
			if err := checkBackend(&hp.Backend); err != nil {
				invalid(ReasonInvalidBackend, "rules[%d].http.paths[%d]: %v", i, j, err)
				continue
			}
			cands = append(cands, candidate{
				route: model.Route{Host: host, Path: path, PathType: typ,
					AllowTrace: allowTrace, KeepEncodedSlashes: keepEncodedSlashes, Policies: policies},
				backend: hp.Backend.Service,
				regex:   regex,
			})
		}
	}
	if len(errs) > 0 {
		p.report(errs...)
		return
	}
	p.accepted = append(p.accepted, self)
	p.report(optionProblems...)
	p.report(policyProblems...)
	if pol != nil {
		p.policies = append(p.policies, *pol)
	}
	p.addTLS(ing)

	for _, c := range cands {
		name := backendName(ing.Namespace, c.backend)
		mine := claim{ingress: self, backend: name}
		if c.isDefault {
			if prev := p.defaultOwner; prev.backend != "" {
				if prev.backend != name {
					p.report(conflict(ing, prev, "the default backend", name))
				}
				continue
			}
			p.defaultOwner = mine
			p.defaultBackend = name
		} else {
			k := c.route.Key()
			if prev, taken := p.routeOwner[k]; taken {
				if prev.backend != name {
					p.report(conflict(ing, prev, describeRoute(c.route), name))
				}
				continue
			}
			p.routeOwner[k] = mine
			r := c.route
			r.Backend = name
			p.routes = append(p.routes, r)
			if c.regex {
				p.report(Problem{
					Object: ingressRef(ing),
					Reason: ReasonRegexPath,
					Message: fmt.Sprintf("path %q looks like a regular expression; ImplementationSpecific paths are literal prefixes in firsthop",
						c.route.Path),
				})
			}
		}
		p.useBackend(ing, name, c.backend)
	}
}

// conflict is the problem of ing losing what to the claim prev.
func conflict(ing *networkingv1.Ingress, prev claim, what, backend string) Problem {
	by := "an older Ingress, " + prev.ingress.String()
	if prev.ingress.Namespace == ing.Namespace && prev.ingress.Name == ing.Name {
		by = "an earlier entry of this Ingress"
	}
	return Problem{
		Object:  ingressRef(ing),
		Reason:  ReasonRouteConflict,
		Message: fmt.Sprintf("%s is already served by %s, with backend %s; backend %s is not used for it", what, by, prev.backend, backend),
	}
}

func describeRoute(r model.Route) string {
	host := r.Host
	if host == "" {
		host = "any host"
	}
	return fmt.Sprintf("%s path %s (%s)", host, r.Path, r.PathType)
}

// useBackend makes sure the backend name (Service backend sb of ing)
// exists. The first Ingress to use a backend decides its locality; a later
// one asking for another gets a problem.
func (p *planner) useBackend(ing *networkingv1.Ingress, name string, sb *networkingv1.IngressServiceBackend) {
	bp, problems := p.resolve(ing, name, sb)
	p.report(problems...)
	prev, ok := p.backends[name]
	if !ok {
		p.backends[name] = bp
		return
	}
	if prev.locality != bp.locality {
		p.report(Problem{
			Object: ingressRef(ing),
			Reason: ReasonLocalityConflict,
			Message: fmt.Sprintf("backend %s already has locality %s, set for an older Ingress; the %s this Ingress asks for is not used",
				name, prev.locality, bp.locality),
		})
	}
	if prev.protocol != bp.protocol {
		p.report(Problem{
			Object: ingressRef(ing),
			Reason: ReasonProtocolConflict,
			Message: fmt.Sprintf("backend %s already has protocol %s, set for an older Ingress; the %s this Ingress asks for is not used",
				name, prev.protocol, bp.protocol),
		})
	}
}

// resolve finds where the endpoints of backend name (Service backend sb of
// ing) come from, and its locality.
func (p *planner) resolve(ing *networkingv1.Ingress, name string, sb *networkingv1.IngressServiceBackend) (*backendPlan, []Problem) {
	key := types.NamespacedName{Namespace: ing.Namespace, Name: sb.Name}
	svc := p.services[key]
	bp := &backendPlan{name: name, refused: p.refused}
	var problems []Problem
	bp.locality, problems = serviceLocality(svc, ing, p.o.DefaultLocality)
	var protoProblems []Problem
	bp.protocol, protoProblems = backendProtocol(svc, sb.Port, ing)
	problems = append(problems, protoProblems...)
	problem := func(reason, format string, args ...any) {
		problems = append(problems, Problem{
			Object:  ingressRef(ing),
			Reason:  reason,
			Message: fmt.Sprintf(format, args...) + "; backend " + name + " answers 503",
		})
	}
	switch {
	case svc == nil:
		problem(ReasonServiceNotFound, "service %q not found", sb.Name)
	case svc.Spec.Type == corev1.ServiceTypeExternalName:
		if !p.o.AllowExternalName {
			problem(ReasonExternalNameRefused, "service %q is of type ExternalName, which this controller does not allow", sb.Name)
			break
		}
		port := sb.Port.Number
		if sb.Port.Name != "" {
			sp, ok := servicePort(svc, sb.Port)
			if !ok {
				problem(ReasonPortNotFound, "service %q has no TCP %s", sb.Name, portString(sb.Port))
				break
			}
			port = sp.Port
		}
		if port < 1 || port > 65535 {
			problem(ReasonPortNotFound, "service %q: port %d is out of range", sb.Name, port)
			break
		}
		r := p.resolveExternal(svc.Spec.ExternalName, uint16(port))
		if r.err != nil {
			problem(ReasonExternalNameUnresolved, "service %q: %v", sb.Name, r.err)
			break
		}
		bp.fixed = r.eps
	default:
		sp, ok := servicePort(svc, sb.Port)
		if !ok {
			problem(ReasonPortNotFound, "service %q has no TCP %s", sb.Name, portString(sb.Port))
			break
		}
		bp.fromSlices, bp.service, bp.portName = true, key, sp.Name
	}
	return bp, problems
}

// resolveExternal resolves an ExternalName once per translation.
func (p *planner) resolveExternal(name string, port uint16) externalResult {
	k := fmt.Sprintf("%s:%d", name, port)
	if r, ok := p.external[k]; ok {
		return r
	}
	eps, err := resolveExternal(name, port, p.o.Resolver, p.refused)
	r := externalResult{eps: eps, err: err}
	p.external[k] = r
	if _, literal := parseIP(name); !literal && p.o.Resolver != nil {
		p.resolvesNames = true
	}
	return r
}

// report records problems, each once.
func (p *planner) report(problems ...Problem) {
	for _, pr := range problems {
		if !p.reported[pr] {
			p.reported[pr] = true
			p.problems = append(p.problems, pr)
		}
	}
}
