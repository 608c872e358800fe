package ingress

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/firsthop/firsthop/kube"
	"github.com/firsthop/firsthop/kube/resolve"
	"github.com/firsthop/firsthop/model"
)

// Translate builds the routing table that the Ingresses of s describe,
// with base as [kube.Assemble] takes it, and lists the problems met on the
// way. It is what a controller running this processor alone publishes,
// as one pure function of its arguments (apart from ro.DNS); it never
// modifies s.
//
// The result always passes [model.TableSpec.Validate]: whatever the objects hold, an
// Ingress that cannot be served is left out (or the part of it that cannot
// be served is), and the problem says so. Routes are sorted by host, path,
// type and other matches, backends by name, endpoints by address, so equal inputs give
// [reflect.DeepEqual] results.
//
// The semantics are documented in the package comment.
func Translate(s Snapshot, base model.TableSpec, o Options, ro resolve.Options) (model.TableSpec, []resolve.Problem) {
	r := resolve.New(resolve.Cluster{Services: s.Services, Secrets: s.Secrets, EndpointSlices: s.EndpointSlices,
		SecretData: resolve.SecretsOf(s.Secrets)}, ro, nil)
	part, _ := translate(s.Ingresses, s.IngressClasses, &o, r)
	bySvc := resolve.IndexSlices(s.EndpointSlices)
	// One part conflicts with nothing: its names are the base's only
	// when a config file's policy is named "Ingress ...", which the
	// config file refuses (names have no space).
	spec, _ := kube.Assemble(base, nil, []string{Name}, []kube.Part{part},
		func(svc types.NamespacedName) []*discoveryv1.EndpointSlice { return bySvc[svc] })
	return spec, part.Problems
}

// planner holds the state of one translation while Ingresses are added,
// oldest first.
type planner struct {
	part     kube.Part
	accepted []types.NamespacedName // the Ingresses served
	o        *Options
	r        *resolve.Resolver

	sel          classSelector
	routeOwner   map[model.RouteKey]claim
	defaultOwner claim
	backends     map[string]*resolve.Backend
	reported     map[resolve.Problem]bool

	// canaries are the canary Ingresses (ingress-nginx's canary
	// annotation), joined to the routes of the others once all are in.
	canaries []pendingCanary
	// canaryOf is the canary Ingress joined to each route.
	canaryOf map[model.RouteKey]types.NamespacedName
	// twins are the hosts from-to-www-redirect asks to redirect, added
	// when no Ingress serves them.
	twins []twinHost
	// regexHosts are the hosts of Ingresses whose paths are regular
	// expressions (use-regex, rewrite-target), with those Ingresses;
	// aliases the server-alias hosts asked for.
	regexHosts map[string][]types.NamespacedName
	aliases    []aliasHost
}

// claim records which Ingress serves a route, and with which backend
// (for a redirect, a description of it).
type claim struct {
	ingress types.NamespacedName
	backend string
	// index is the route's in part.Routes; nginx is the backend values
	// of its Ingress, for a canary joining it.
	index int
	nginx nginxBackend
}

// translate turns the Ingresses that belong to this controller
// (according to classes) into the processor's part, oldest first
// (creationTimestamp, then namespace, then name), so that the oldest wins
// every conflict whatever order the cache lists them in. r resolves their
// Services and Secrets. accepted is the Ingresses served (ours and not
// skipped), sorted by namespace and name. The part's routes are sorted by
// host, path, type and other matches, its backends by name.
func translate(ingresses []*networkingv1.Ingress, classes []*networkingv1.IngressClass, o *Options, r *resolve.Resolver) (part kube.Part, accepted []types.NamespacedName) {
	p := &planner{
		o:          o,
		r:          r,
		sel:        newClassSelector(classes, o.controllerName(), o.WatchWithoutClass),
		routeOwner: make(map[model.RouteKey]claim),
		backends:   make(map[string]*resolve.Backend),
		reported:   make(map[resolve.Problem]bool),
		canaryOf:   make(map[model.RouteKey]types.NamespacedName),
		regexHosts: make(map[string][]types.NamespacedName),
	}
	var ours []*networkingv1.Ingress
	for _, ing := range ingresses {
		if p.sel.selects(ing) {
			ours = append(ours, ing)
		}
	}
	slices.SortFunc(ours, olderFirst)
	for _, ing := range ours {
		p.addIngress(ing)
	}
	p.addAliases()
	p.joinCanaries()
	p.regexOtherPaths()
	p.addTwins()

	slices.SortFunc(p.part.Routes, func(a, b model.Route) int {
		if c := cmp.Or(cmp.Compare(a.Host, b.Host), cmp.Compare(a.Path, b.Path), cmp.Compare(a.PathType, b.PathType)); c != 0 {
			return c
		}
		// Routes of one path differ in their matches (a canary's).
		return cmp.Compare(a.Key().Matches, b.Key().Matches)
	})
	for _, b := range p.backends {
		p.part.Backends = append(p.part.Backends, b)
	}
	slices.SortFunc(p.part.Backends, func(a, b *resolve.Backend) int { return cmp.Compare(a.Name, b.Name) })
	slices.SortFunc(p.accepted, func(a, b types.NamespacedName) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	return p.part, p.accepted
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
// traffic somewhere its author did not mean. A canary Ingress (read with
// its ingress-nginx annotations) is only checked here and kept for
// joinCanaries.
func (p *planner) addIngress(ing *networkingv1.Ingress) {
	self := types.NamespacedName{Namespace: ing.Namespace, Name: ing.Name}
	var cands []candidate
	var errs []resolve.Problem
	invalid := func(reason, format string, args ...any) {
		errs = append(errs, resolve.Problem{
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
	nf, nginxProblems := readNginx(ing, p.o.IngressNginxAnnotations || p.sel.readsNginx(ing))
	allowTrace, keepEncodedSlashes, optionProblems := routeOptions(ing)
	pol, policyProblems := ingressPolicy(ing)
	var guards nginxGuards
	if nf != nil && nf.Canary == nil && !nf.FailClosed {
		var closed bool
		var more []resolve.Problem
		guards, closed, more = p.resolveNginx(ing, nf)
		nginxProblems = append(nginxProblems, more...)
		nf.FailClosed = closed
	}
	if nf != nil && nf.FailClosed {
		deny := model.DenyAll(PolicyName(ing.Namespace, ing.Name))
		pol = &deny
	}
	var policies []string
	if pol != nil {
		policies = []string{pol.Name}
		// The table's default backend takes no policies: serving this
		// Ingress's would let every request past its allowlist, or past
		// the access annotations it fails closed on. It is refused, and
		// the Ingress's rules are served with the policy.
		cands = slices.DeleteFunc(cands, func(c candidate) bool {
			if !c.isDefault {
				return false
			}
			p.report(resolve.Problem{
				Object: ingressRef(ing),
				Reason: ReasonInvalidBackend,
				Message: fmt.Sprintf("defaultBackend is not served: the Ingress has a client-address policy (%s) and a default backend takes none, "+
					"so it would serve every client; route to it with a rule (host and path) instead", pol.Name),
			})
			return true
		})
	}
	var hosts []string // the rule hosts with paths, each once
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
		if !slices.Contains(hosts, host) {
			hosts = append(hosts, host)
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
	p.report(nginxProblems...)
	if nf != nil && nf.Canary != nil {
		p.canaries = append(p.canaries, pendingCanary{ing: ing, canary: nf.Canary, failClosed: nf.FailClosed, cands: cands})
		return
	}
	p.accepted = append(p.accepted, self)
	p.report(optionProblems...)
	p.report(policyProblems...)
	if pol != nil {
		p.part.Policies = append(p.part.Policies, *pol)
	}
	p.addTLS(ing)
	if guards.externalAuth != nil {
		p.useBackendRef(ing, guards.authBackend, guards.authBackendSettings)
	}
	if nf != nil {
		cands = append(nginxHostRoutes(nf, hosts, policies), cands...)
		if nf.RegexPaths {
			for _, h := range hosts {
				p.regexHosts[h] = append(p.regexHosts[h], self)
			}
		}
		for _, alias := range nf.ServerAliases {
			p.aliases = append(p.aliases, aliasHost{ingress: ing, alias: alias, hosts: hosts})
		}
		if nf.FromToWWW {
			for _, h := range hosts {
				p.twins = append(p.twins, twinHost{ingress: self, host: h, policies: policies})
			}
		}
	}

	settings := nginxBackendOf(ing, nf, &guards)
	for _, c := range cands {
		var name string
		if c.backend != nil {
			name = settings.name(backendName(ing.Namespace, c.backend))
		}
		mine := claim{ingress: self, backend: name, nginx: settings}
		if c.isDefault {
			if prev := p.defaultOwner; prev.backend != "" {
				if prev.backend != name {
					p.report(conflict(ing, prev, "the default backend", name))
				}
				continue
			}
			p.defaultOwner = mine
			p.part.DefaultBackend = name
		} else {
			r := c.route
			if nf != nil && r.Redirect == nil {
				if why := applyNginxRoute(&r, nf, &guards); why != "" {
					p.report(resolve.Problem{Object: ingressRef(ing), Reason: ReasonInvalidNginxAnnotation, Message: why})
				}
			}
			if r.Redirect != nil {
				name, mine.backend = "", describeRedirect(r.Redirect)
			}
			k := r.Key()
			if prev, taken := p.routeOwner[k]; taken {
				if prev.backend != mine.backend {
					p.report(conflict(ing, prev, describeRoute(r), mine.backend))
				}
				continue
			}
			r.Backend = name
			mine.index = len(p.part.Routes)
			p.routeOwner[k] = mine
			p.part.Routes = append(p.part.Routes, r)
			if c.regex {
				p.report(resolve.Problem{
					Object: ingressRef(ing),
					Reason: ReasonRegexPath,
					Message: fmt.Sprintf("path %q looks like a regular expression; ImplementationSpecific paths are literal prefixes in firsthop",
						c.route.Path),
				})
			}
		}
		if name != "" {
			p.useBackend(ing, name, c.backend, settings)
		}
	}
}

// conflict is the problem of ing losing what to the claim prev.
func conflict(ing *networkingv1.Ingress, prev claim, what, backend string) resolve.Problem {
	by := "an older Ingress, " + prev.ingress.String()
	if prev.ingress.Namespace == ing.Namespace && prev.ingress.Name == ing.Name {
		by = "an earlier entry of this Ingress"
	}
	return resolve.Problem{
		Object:  ingressRef(ing),
		Reason:  ReasonRouteConflict,
		Message: fmt.Sprintf("%s is already served by %s, with %s; %s is not used for it", what, by, describeAction(prev.backend), describeAction(backend)),
	}
}

// describeAction names a claim's backend, or the redirect it describes
// (see describeRedirect), for conflict messages.
func describeAction(backend string) string {
	if strings.HasPrefix(backend, redirectPrefix) {
		return backend
	}
	return "backend " + backend
}

func describeRoute(r model.Route) string {
	host := r.Host
	if host == "" {
		host = "any host"
	}
	return fmt.Sprintf("%s path %s (%s)", host, r.Path, r.PathType)
}

// useBackend makes sure the backend name (Service backend sb of ing,
// with the ingress-nginx values settings) exists. The first Ingress to use a backend decides its locality and
// protocol; a later one asking for others gets a problem.
func (p *planner) useBackend(ing *networkingv1.Ingress, name string, sb *networkingv1.IngressServiceBackend, settings nginxBackend) {
	p.useBackendRef(ing, backendRef(ing, name, sb), settings)
}

// useBackendRef is useBackend for a request of any Service (the auth
// service of auth-url, in any namespace).
func (p *planner) useBackendRef(ing *networkingv1.Ingress, ref resolve.BackendRef, settings nginxBackend) {
	name := ref.Name
	b, problems := p.r.Backend(ref)
	settings.resolved(b)
	p.report(problems...)
	prev, ok := p.backends[name]
	if !ok {
		p.backends[name] = b
		return
	}
	if prev.Locality != b.Locality {
		p.report(resolve.Problem{
			Object: ingressRef(ing),
			Reason: ReasonLocalityConflict,
			Message: fmt.Sprintf("backend %s already has locality %s, set for an older Ingress; the %s this Ingress asks for is not used",
				name, prev.Locality, b.Locality),
		})
	}
	if prev.Protocol != b.Protocol {
		p.report(resolve.Problem{
			Object: ingressRef(ing),
			Reason: ReasonProtocolConflict,
			Message: fmt.Sprintf("backend %s already has protocol %s, set for an older Ingress; the %s this Ingress asks for is not used",
				name, prev.Protocol, b.Protocol),
		})
	}
}

// report records problems, each once.
func (p *planner) report(problems ...resolve.Problem) {
	for _, pr := range problems {
		if !p.reported[pr] {
			p.reported[pr] = true
			p.part.Problems = append(p.part.Problems, pr)
		}
	}
}
