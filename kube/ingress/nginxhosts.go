package ingress

import (
	"cmp"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/types"

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
