package ingress

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/firsthop/firsthop/kube/resolve"

	"github.com/firsthop/firsthop/kube/ingress/nginx"
	"github.com/firsthop/firsthop/model"
)

// nginxHostRoutes returns the routes ingress-nginx's app-root asks for on
// the rule hosts of an Ingress: "/" exactly, redirected to the app root.
// They come before the Ingress's own routes, so that an exact "/" path of
// its own loses to them (nginx checks app-root first).
func nginxHostRoutes(f *nginx.Features, hosts, policies []string) []candidate {
	if f.AppRoot == nil {
		return nil
	}
	out := make([]candidate, 0, len(hosts))
	for _, h := range hosts {
		out = append(out, candidate{route: model.Route{
			Host: h, Path: "/", PathType: model.PathExact, Redirect: f.AppRoot, Policies: policies,
		}})
	}
	return out
}

// twinHost is a host whose www twin from-to-www-redirect redirects to it.
type twinHost struct {
	ingress  types.NamespacedName
	host     string
	policies []string
}

// wwwTwin returns the twin of host: "www.<host>", or host without
// "www."; false for a wildcard or empty host, or a twin that is no host.
func wwwTwin(host string) (string, bool) {
	if host == "" || strings.HasPrefix(host, "*.") {
		return "", false
	}
	twin, ok := strings.CutPrefix(host, "www.")
	if !ok {
		twin = "www." + host
	}
	c, err := canonicalHost(twin)
	return c, err == nil && c != ""
}

// addTwins adds, for each host of an Ingress with from-to-www-redirect,
// a route redirecting its twin with 308 to it, with the Ingress's
// policies, unless a route serves the twin already (the first Ingress
// asking wins, as ingress-nginx serves a host an Ingress names rather
// than the redirect).
func (p *planner) addTwins() {
	served := make(map[string]bool, len(p.part.Routes))
	for _, r := range p.part.Routes {
		served[r.Host] = true
	}
	for _, t := range p.twins {
		twin, ok := wwwTwin(t.host)
		if !ok || served[twin] {
			continue
		}
		served[twin] = true
		p.part.Routes = append(p.part.Routes, model.Route{
			Host: twin, Path: "/", PathType: model.PathPrefix,
			Redirect: &model.Redirect{Host: t.host, Status: 308},
			Policies: t.policies,
		})
	}
}

// redirectPrefix starts what describeRedirect returns.
const redirectPrefix = "a redirect ("

// describeRedirect names a redirect for conflict messages, as
// "a redirect (301) to https://example.com/path".
func describeRedirect(r *model.Redirect) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s%d) to ", redirectPrefix, cmp.Or(r.Status, 302))
	if r.Scheme != "" {
		b.WriteString(r.Scheme + "://")
	}
	b.WriteString(r.Host)
	if r.Port != 0 {
		fmt.Fprintf(&b, ":%d", r.Port)
	}
	if r.Path != nil {
		b.WriteString(r.Path.Value)
	}
	return b.String()
}

// aliasHost is a server-alias host an Ingress asks for: its routes of
// hosts served for alias too.
type aliasHost struct {
	ingress *networkingv1.Ingress
	alias   string
	hosts   []string // the Ingress's rule hosts
}

// addAliases adds, for each server-alias of an Ingress, copies of the
// Ingress's routes of its rule hosts with the alias as host, unless a
// route serves the alias already (an Ingress naming it as a host wins,
// as in ingress-nginx, and so does an earlier alias), which is
// reported. Canaries are joined afterwards, to the rule hosts' routes
// only.
func (p *planner) addAliases() {
	served := make(map[string]bool, len(p.part.Routes))
	for _, r := range p.part.Routes {
		served[r.Host] = true
	}
	for _, a := range p.aliases {
		self := types.NamespacedName{Namespace: a.ingress.Namespace, Name: a.ingress.Name}
		if served[a.alias] {
			p.report(resolve.Problem{Object: ingressRef(a.ingress), Reason: ReasonRouteConflict,
				Message: fmt.Sprintf("annotation %sserver-alias: host %q is served by another Ingress or alias; the alias is not used", nginx.Prefix, a.alias)})
			continue
		}
		served[a.alias] = true
		n := len(p.part.Routes)
		for i := 0; i < n; i++ {
			r := p.part.Routes[i]
			if !slices.Contains(a.hosts, r.Host) || p.routeOwner[r.Key()].ingress != self {
				continue
			}
			c := p.routeOwner[r.Key()]
			r.Host = a.alias
			k := r.Key()
			if _, taken := p.routeOwner[k]; taken {
				continue // two rule hosts with the same path: the first's
			}
			c.index = len(p.part.Routes)
			p.routeOwner[k] = c
			p.part.Routes = append(p.part.Routes, r)
		}
	}
}

// regexOtherPaths makes the Prefix paths of a host that an Ingress
// serves with regex paths (use-regex, rewrite-target) regexes too, on
// every Ingress, as ingress-nginx does: it reads every location of such a
// host as a regex. A path that is not a valid expression, or whose regex
// route another Ingress has already, stays a Prefix path; each is
// reported on the Ingress whose path it is.
func (p *planner) regexOtherPaths() {
	if len(p.regexHosts) == 0 {
		return
	}
	for i := range p.part.Routes {
		r := &p.part.Routes[i]
		by, ok := p.regexHosts[r.Host]
		if !ok || r.PathType != model.PathPrefix {
			continue
		}
		c, ok := p.routeOwner[r.Key()]
		if !ok || slices.Contains(by, c.ingress) {
			continue // a canary's header route; or the Ingress's own path, decided with it
		}
		owner := c.ingress
		ref := corev1.ObjectReference{Kind: "Ingress", APIVersion: networkingv1.SchemeGroupVersion.String(), Namespace: owner.Namespace, Name: owner.Name}
		if _, err := nginx.CompileRegexPath(r.Path); err != nil {
			p.report(resolve.Problem{Object: ref, Reason: ReasonInvalidNginxAnnotation,
				Message: fmt.Sprintf("path %q of host %s stays a Prefix path, where ingress-nginx reads it as a regular expression (Ingress %s uses regexes on the host): %v", r.Path, r.Host, by[0], err)})
			continue
		}
		re := *r
		re.PathType = model.PathRegex
		if _, taken := p.routeOwner[re.Key()]; taken {
			continue
		}
		r.PathType = model.PathRegex
		p.report(resolve.Problem{Object: ref, Reason: ReasonNginxAnnotationDiffers, Normal: true,
			Message: fmt.Sprintf("path %q of host %s is a case-insensitive regular-expression prefix, as in ingress-nginx: Ingress %s uses regexes on the host (use-regex or rewrite-target)", r.Path, r.Host, by[0])})
	}
}
