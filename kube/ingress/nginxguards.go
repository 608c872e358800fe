package ingress

import (
	"errors"
	"fmt"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/firsthop/firsthop/kube/ingress/nginx"
	"github.com/firsthop/firsthop/kube/resolve"
	"github.com/firsthop/firsthop/model"
)

// nginxGuards is what [planner.resolveNginx] read from the cluster for an
// Ingress's ingress-nginx annotations: the routes' guards and the backend
// TLS files, and the Ingress's TLS hosts (for ssl-redirect).
type nginxGuards struct {
	tlsHosts     []string
	basicAuth    *model.BasicAuth
	externalAuth *model.ExternalAuth
	// authBackend is the backend of externalAuth, added once the
	// Ingress is served.
	authBackend         resolve.BackendRef
	authBackendSettings nginxBackend
	// tlsSecret is proxy-ssl-secret, read: its ca.crt, tls.crt and
	// tls.key (the latter two both or neither).
	tlsSecret                               string
	tlsRootCAs, tlsClientCert, tlsClientKey string
}

// closedSuffix ends the message of a problem that makes every route of
// the Ingress answer 403.
const closedSuffix = "; every route of this Ingress answers 403 until then, so that nothing ingress-nginx kept closed is open"

// resolveNginx reads what f names in the cluster for ing, the Ingress it
// comes from (not a canary): the htpasswd Secret of auth-secret, the
// Service of auth-url (whose backend it adds), the Secret of
// proxy-ssl-secret. closed says that authentication cannot be served
// exactly as ingress-nginx would (a Secret missing, not read yet,
// malformed or in another namespace; an auth-url that is not a Service
// of the cluster, or a Service or port not found): the Ingress must fail
// closed. A proxy-ssl-secret that cannot be read leaves the backend
// verified with the system's roots and no client certificate.
func (p *planner) resolveNginx(ing *networkingv1.Ingress, f *nginx.Features) (g nginxGuards, closed bool, problems []resolve.Problem) {
	problem := func(reason, format string, args ...any) {
		problems = append(problems, resolve.Problem{Object: ingressRef(ing), Reason: reason, Message: fmt.Sprintf(format, args...)})
	}
	for _, t := range ing.Spec.TLS {
		for _, h := range t.Hosts {
			if c, err := canonicalHost(h); err == nil && c != "" {
				g.tlsHosts = append(g.tlsHosts, c)
			}
		}
	}
	if a := f.BasicAuth; a != nil {
		data, reason, err := p.secretData(ing, a.Secret)
		if err == nil {
			g.basicAuth, err = a.Route(data)
			reason = resolve.ReasonInvalidSecret
		}
		if err != nil {
			closed = true
			problem(reason, "annotation %sauth-secret: %v%s", nginx.Prefix, err, closedSuffix)
		}
	}
	if e := f.ExternalAuth; e != nil {
		if err := p.externalAuth(ing, e, &g); err != nil {
			closed = true
			problem(ReasonInvalidNginxAnnotation, "annotation %sauth-url: %v%s", nginx.Prefix, err, closedSuffix)
		}
	}
	if f.TLSSecret != "" {
		data, reason, err := p.secretData(ing, f.TLSSecret)
		if err == nil {
			reason = resolve.ReasonInvalidSecret
			err = backendTLSFiles(&g, f.TLSSecret, data)
		}
		if err != nil {
			problem(reason, "annotation %sproxy-ssl-secret: %v; the backend's certificate is verified with the system's roots and no client certificate is presented", nginx.Prefix, err)
		}
	}
	return g, closed, problems
}

// secretData reads the Secret ref ("name" or "namespace/name") of ing:
// in ing's namespace only, as no Ingress may make firsthop use another
// namespace's credentials. reason is the problem reason of err.
func (p *planner) secretData(ing *networkingv1.Ingress, ref string) (data map[string][]byte, reason string, err error) {
	ns, name, found := strings.Cut(ref, "/")
	if !found {
		ns, name = ing.Namespace, ref
	}
	if ns != ing.Namespace {
		return nil, ReasonInvalidNginxAnnotation, fmt.Errorf("secret %s is in another namespace than the Ingress; firsthop reads Secrets of the Ingress's own namespace only", ref)
	}
	data, err = p.r.SecretData(types.NamespacedName{Namespace: ns, Name: name})
	switch {
	case errors.Is(err, resolve.ErrNoSecret):
		return nil, resolve.ReasonSecretNotFound, fmt.Errorf("secret %q not found", ref)
	case err != nil:
		return nil, resolve.ReasonSecretNotFound, fmt.Errorf("secret %q: %v", ref, err)
	}
	return data, "", nil
}

// backendTLSFiles sets g's backend TLS files from data, the Secret ref's:
// ca.crt, tls.crt and tls.key, each checked as the model checks them.
func backendTLSFiles(g *nginxGuards, ref string, data map[string][]byte) error {
	ca, crt, key := data["ca.crt"], data["tls.crt"], data["tls.key"]
	if len(ca) == 0 && len(crt) == 0 {
		return fmt.Errorf("secret %q has neither ca.crt nor tls.crt", ref)
	}
	if len(ca) > 0 {
		if _, err := model.ParseRootCAs(ca); err != nil {
			return fmt.Errorf("secret %q, ca.crt: %v", ref, err)
		}
	}
	if len(crt) > 0 || len(key) > 0 {
		if _, err := model.ParseClientCert(crt, key); err != nil {
			return fmt.Errorf("secret %q, tls.crt and tls.key: %v", ref, err)
		}
	}
	g.tlsSecret, g.tlsRootCAs = ref, string(ca)
	if len(crt) > 0 {
		g.tlsClientCert, g.tlsClientKey = string(crt), string(key)
	}
	return nil
}

// externalAuth resolves e's URL to a Service port of the cluster
// ("service.namespace", "service.namespace.svc" or
// "service.namespace.svc.<cluster domain>"), adds its backend (https:
// TLS, the certificate verified for the URL's host) and sets the route's
// model.ExternalAuth and its backend in g.
func (p *planner) externalAuth(ing *networkingv1.Ingress, e *nginx.ExternalAuth, g *nginxGuards) error {
	if e.URL == "" {
		return errors.New("no usable URL")
	}
	t, err := e.Target()
	if err != nil {
		return err
	}
	labels := strings.Split(t.Host, ".")
	if len(labels) < 2 || len(labels) > 2 && labels[2] != "svc" {
		return fmt.Errorf("host %q is not a Service (service.namespace, or service.namespace.svc.<cluster domain>): firsthop sends auth requests to Services of the cluster only", t.Host)
	}
	svc := types.NamespacedName{Namespace: labels[1], Name: labels[0]}
	port := resolve.Port{Number: int32(t.Port)}
	if _, ok := p.r.ServicePort(svc, port); !ok {
		return fmt.Errorf("service %s has no TCP %s (or does not exist)", svc, port)
	}
	var settings nginxBackend
	if t.HTTPS {
		settings = nginxBackend{hasProtocol: true, protocol: model.ProtocolHTTPS, tlsServerName: t.Host}
	}
	name := settings.name(fmt.Sprintf("%s/%s:%d", svc.Namespace, svc.Name, t.Port))
	ea, err := e.Route(name, 0)
	if err != nil {
		return err
	}
	// The response headers again, as the model checks them.
	spec := model.TableSpec{Backends: []model.Backend{{Name: name}}, Routes: []model.Route{{Path: "/", Backend: name, ExternalAuth: ea}}}
	if err := spec.Validate(); err != nil {
		return err
	}
	g.externalAuth, g.authBackendSettings = ea, settings
	g.authBackend = resolve.BackendRef{Name: name, Service: svc, Port: port, From: resolve.Referrer{Object: ingressRef(ing)}}
	return nil
}
