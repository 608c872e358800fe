package ingress

import (
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/firsthop/firsthop/kube/resolve"
	"github.com/firsthop/firsthop/model"
)

// addTLS adds the certificates of ing's spec.tls entries. An entry's
// hosts are the SNI names its certificate is chosen for; an entry without
// hosts serves the DNS names of its certificate. An entry without a
// secretName, a missing Secret or one that does not hold a certificate and
// key leaves its hosts to the default certificate and is reported; the
// routes of the Ingress are served either way.
func (p *planner) addTLS(ing *networkingv1.Ingress) {
	for i, t := range ing.Spec.TLS {
		var names []string
		bad := false
		for j, h := range t.Hosts {
			c, err := canonicalHost(h)
			if err == nil && c == "" {
				err = errors.New("an empty host names no server")
			}
			if err != nil {
				p.report(resolve.Problem{
					Object:  ingressRef(ing),
					Reason:  ReasonInvalidTLS,
					Message: fmt.Sprintf("tls[%d].hosts[%d]: %v; this TLS entry is not used", i, j, err),
				})
				bad = true
				break
			}
			names = append(names, c)
		}
		if bad || t.SecretName == "" {
			continue
		}
		cert, err := p.r.Certificate(types.NamespacedName{Namespace: ing.Namespace, Name: t.SecretName})
		switch {
		case errors.Is(err, resolve.ErrSecretNotFound):
			p.report(resolve.Problem{
				Object:  ingressRef(ing),
				Reason:  resolve.ReasonSecretNotFound,
				Message: fmt.Sprintf("tls[%d]: secret %q not found (or not of type %s); its hosts get the default certificate", i, t.SecretName, corev1.SecretTypeTLS),
			})
			continue
		case err != nil:
			p.report(resolve.Problem{
				Object:  ingressRef(ing),
				Reason:  resolve.ReasonInvalidSecret,
				Message: fmt.Sprintf("tls[%d]: secret %q: %v; its hosts get the default certificate", i, t.SecretName, err),
			})
			continue
		}
		p.part.Certificates = append(p.part.Certificates, model.Certificate{Cert: cert, Names: names})
	}
}
