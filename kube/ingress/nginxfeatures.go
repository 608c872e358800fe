package ingress

import (
	"fmt"
	"slices"
	"strings"
	"time"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/firsthop/firsthop/kube/ingress/nginx"
	"github.com/firsthop/firsthop/kube/resolve"
	"github.com/firsthop/firsthop/model"
)

// This file is the one place where the Features of an Ingress's
// ingress-nginx annotations (package kube/ingress/nginx) are applied to
// the routes and backends the Ingress makes: [applyNginxRoute] for route
// values, [nginxBackend] for backend values. Canary pairing is canary.go's,
// the www twins and app-root are translate.go's, each reading Features.
//
// The Secrets and Services the annotations name (auth-secret, auth-url,
// proxy-ssl-secret) are read by [planner.resolveNginx], the paths of
// other Ingresses on a regex host made regexes by
// [planner.regexOtherPaths], server-alias hosts added by
// [planner.addAliases] (nginxhosts.go).
//
// The one Features field not applied: CustomHeaders (custom-headers, a
// ConfigMap the processor does not watch); nginx.Parse reports it as not
// served yet.

// readNginx returns what ing's ingress-nginx annotations mean, nil when
// they are not read (on is false: neither the flag nor ing's class opts
// in), and the problems to report: each finding of Difference or worse
// when they are read, else one note that they are ignored.
func readNginx(ing *networkingv1.Ingress, on bool) (*nginx.Features, []resolve.Problem) {
	if !on {
		if pr, ok := nginxIgnored(ing); ok {
			return nil, []resolve.Problem{pr}
		}
		return nil, nil
	}
	f, findings := nginx.Parse(ing.Annotations)
	var problems []resolve.Problem
	for _, fd := range findings {
		if fd.Severity < nginx.Difference {
			continue
		}
		reason := ReasonNginxAnnotationDiffers
		switch fd.Severity {
		case nginx.Warning:
			reason = ReasonNginxAnnotationNotServed
		case nginx.Error:
			reason = ReasonInvalidNginxAnnotation
		}
		problems = append(problems, resolve.Problem{
			Object:  ingressRef(ing),
			Reason:  reason,
			Message: "annotation " + nginx.Prefix + fd.Annotation + ": " + fd.Message,
			Normal:  fd.Severity == nginx.Difference,
		})
	}
	return &f, problems
}

// nginxIgnored is the warning on an Ingress that is not read with its
// ingress-nginx annotations but sets one that guards access
// (authentication, snippets): it is served without that guard, as before
// there was an opt-in, and the warning names the ingress-nginx
// annotations ignored and how to opt in. The client-address policy ones
// are read either way (policy.go), and other ignored ones are not
// reported, as before. ok is false when there is nothing to say.
func nginxIgnored(ing *networkingv1.Ingress) (pr resolve.Problem, ok bool) {
	var ignored, guards []string
	for k := range ing.Annotations {
		name, isNginx := strings.CutPrefix(k, nginx.Prefix)
		if !isNginx {
			continue
		}
		a, known := nginx.Lookup(name)
		if known && a.Processor {
			continue
		}
		ignored = append(ignored, name)
		if a.FailClosed {
			guards = append(guards, name)
		}
	}
	if len(guards) == 0 {
		return resolve.Problem{}, false
	}
	slices.Sort(ignored)
	slices.Sort(guards)
	msg := fmt.Sprintf("ingress-nginx annotations not read: %s. Their IngressClass does not opt in: annotate it %s: \"true\", or run firsthop ingress with --ingress-nginx-annotations (the client-address policy ones are read either way)",
		strings.Join(ignored, ", "), AnnotationIngressNginx)
	msg += "; the Ingress is served without the access control of " + strings.Join(guards, ", ")
	return resolve.Problem{Object: ingressRef(ing), Reason: ReasonNginxAnnotationsIgnored, Message: msg}, true
}

// applyNginxRoute applies the route values of f, and of g (what
// resolveNginx read for them), to r, a route of the Ingress whose Backend
// is not set yet: with f.Redirect, r redirects (and is given no backend);
// else its request is rewritten, its timeouts and guards set (body limit,
// https redirect when its host has TLS on the Ingress or always, CORS,
// basic and external authentication). Values are shared, not copied: a
// table is never modified.
//
// With f.RegexPaths (use-regex, or any rewrite-target) the route's path is
// a regular expression (model.PathRegex: case-insensitive prefix, RE2), as
// ingress-nginx reads it, unless the route is Exact; a path that is not a
// valid expression keeps its own type and loses a rewrite with captures,
// and why is returned for the Ingress's problems ("" when nothing was
// refused).
func applyNginxRoute(r *model.Route, f *nginx.Features, g *nginxGuards) (refused string) {
	if f.Redirect != nil {
		r.Redirect = f.Redirect
		return ""
	}
	rewrite := f.Rewrite
	if f.RegexPaths && r.PathType != model.PathExact {
		if _, err := nginx.CompileRegexPath(r.Path); err != nil {
			refused = fmt.Sprintf("path %q is served as a %s path, not a regular expression: %v", r.Path, r.PathType, err)
		} else {
			r.PathType = model.PathRegex
		}
	}
	if rewrite != nil && rewrite.Path != nil && rewrite.Path.Type == model.RewriteRegex && r.PathType != model.PathRegex {
		if refused == "" {
			refused = fmt.Sprintf("rewrite-target with captures is not applied to the %s path %q: captures need a regular-expression path", r.PathType, r.Path)
		}
		rewrite = nil
	}
	r.Rewrite = rewrite
	r.RequestHeaders = f.RequestHeaders
	r.BackendTimeout = f.BackendTimeout
	r.Timeout = f.Timeout
	if f.MaxRequestBodyBytes != nil {
		r.MaxRequestBodyBytes = *f.MaxRequestBodyBytes
	}
	r.HTTPSRedirect = f.HTTPSRedirect.Route(r.Host != "" && hostCovered(g.tlsHosts, r.Host))
	r.CORS = f.CORS
	r.BasicAuth = g.basicAuth
	r.ExternalAuth = g.externalAuth
	return refused
}

// hostCovered reports whether host is one of hosts, or matched by one of
// them that is a "*." wildcard (of one label).
func hostCovered(hosts []string, host string) bool {
	for _, h := range hosts {
		if h == host {
			return true
		}
		if suffix, ok := strings.CutPrefix(h, "*"); ok {
			if rest, ok := strings.CutSuffix(host, suffix); ok && rest != "" && !strings.Contains(rest, ".") {
				return true
			}
		}
	}
	return false
}

// nginxBackend is the backend values of an Ingress's ingress-nginx
// annotations. Backends are named "namespace/service:port" and shared by
// every Ingress forwarding to that Service port; an Ingress with values
// of its own gets its own backend, named after them (see [nginxBackend.name]),
// shared with the Ingresses that have the same values. The zero value is
// none: the shared backend. It is comparable.
type nginxBackend struct {
	connectTimeout time.Duration
	// protocol is backend-protocol, when hasProtocol; the Ingress's
	// firsthop.io/backend-protocol wins over it (resolve reads that one).
	hasProtocol           bool
	protocol              model.BackendProtocol
	tlsServerName         string
	tlsInsecureSkipVerify bool
	// tlsSecret is proxy-ssl-secret ("namespace/name"), and the PEM
	// resolveNginx read from it (see nginxGuards).
	tlsSecret                               string
	tlsRootCAs, tlsClientCert, tlsClientKey string
	// affinity is affinity cookie, when hasAffinity.
	hasAffinity bool
	affinity    model.Affinity
}

// nginxBackendOf returns the backend values of f for ing, with the
// Secret data of g; f may be nil.
func nginxBackendOf(ing *networkingv1.Ingress, f *nginx.Features, g *nginxGuards) nginxBackend {
	if f == nil {
		return nginxBackend{}
	}
	b := nginxBackend{
		connectTimeout:        f.ConnectTimeout,
		tlsServerName:         f.TLSServerName,
		tlsInsecureSkipVerify: f.TLSInsecureSkipVerify,
		tlsSecret:             g.tlsSecret,
		tlsRootCAs:            g.tlsRootCAs,
		tlsClientCert:         g.tlsClientCert,
		tlsClientKey:          g.tlsClientKey,
	}
	if f.Affinity != nil {
		b.hasAffinity, b.affinity = true, *f.Affinity
	}
	if _, ours := ing.Annotations[resolve.AnnotationBackendProtocol]; f.Protocol != nil && !ours {
		b.hasProtocol, b.protocol = true, *f.Protocol
	}
	return b
}

// name returns the table name of the backend base ("namespace/service:port")
// with the values b: base itself when b is zero, else base followed by
// the values in ingress-nginx's annotation names, such as
// "shop/web:80 {proxy-connect-timeout=3s}". The space keeps it apart from
// every name of the config file, as the policy names of Ingresses.
func (b nginxBackend) name(base string) string {
	if b == (nginxBackend{}) {
		return base
	}
	var parts []string
	if b.connectTimeout != 0 {
		parts = append(parts, "proxy-connect-timeout="+b.connectTimeout.String())
	}
	if b.hasProtocol {
		parts = append(parts, "backend-protocol="+b.protocol.String())
	}
	if b.tlsServerName != "" {
		parts = append(parts, "proxy-ssl-name="+b.tlsServerName)
	}
	if b.tlsInsecureSkipVerify {
		parts = append(parts, "proxy-ssl-verify=off")
	}
	if b.tlsSecret != "" {
		parts = append(parts, "proxy-ssl-secret="+b.tlsSecret)
	}
	if b.hasAffinity {
		parts = append(parts, affinityName(b.affinity)...)
	}
	return base + " {" + strings.Join(parts, " ") + "}"
}

// resolved sets b's values on rb, the backend resolution made for its
// name: the protocol now, the rest when the table's backend is built.
func (b nginxBackend) resolved(rb *resolve.Backend) {
	if b == (nginxBackend{}) {
		return
	}
	if b.hasProtocol {
		rb.Protocol = b.protocol
	}
	rb.Tune = b.tune
}

// tune sets b's values on the table's backend m. A backend-protocol of
// https verifies the endpoints' certificates unless proxy-ssl-verify is
// "off" (ingress-nginx never did; nginx.Parse says so), where without
// ingress-nginx's annotation firsthop's https backends are not verified.
//
// The CA of proxy-ssl-secret verifies the endpoints' certificates (unless
// proxy-ssl-verify is "off"), its certificate and key are presented.
func (b nginxBackend) tune(m *model.Backend) {
	m.ConnectTimeout = b.connectTimeout
	m.TLSServerName = b.tlsServerName
	if b.hasProtocol || b.tlsRootCAs != "" {
		m.TLSInsecureSkipVerify = b.tlsInsecureSkipVerify
	} else {
		m.TLSInsecureSkipVerify = m.TLSInsecureSkipVerify || b.tlsInsecureSkipVerify
	}
	if b.tlsRootCAs != "" {
		m.TLSRootCAs = []byte(b.tlsRootCAs)
	}
	if b.tlsClientCert != "" {
		m.TLSClientCert, m.TLSClientKey = []byte(b.tlsClientCert), []byte(b.tlsClientKey)
	}
	if b.hasAffinity {
		a := b.affinity
		m.Affinity = &a
	}
}

// affinityName is the part of a backend's name for the affinity a, in
// ingress-nginx's annotation names.
func affinityName(a model.Affinity) []string {
	parts := []string{"affinity=cookie", "session-cookie-name=" + a.CookieName}
	add := func(name, v string) {
		if v != "" {
			parts = append(parts, name+"="+v)
		}
	}
	add("session-cookie-path", a.Path)
	add("session-cookie-domain", a.Domain)
	add("session-cookie-samesite", a.SameSite)
	if a.MaxAge != 0 {
		add("session-cookie-max-age", a.MaxAge.String())
	}
	if a.Expires != 0 {
		add("session-cookie-expires", a.Expires.String())
	}
	if a.Secure {
		add("session-cookie-secure", "true")
	}
	return parts
}
