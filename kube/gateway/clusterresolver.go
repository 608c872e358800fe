package gateway

import (
	"errors"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/firsthop/firsthop/kube/resolve"
	"github.com/firsthop/firsthop/model"
)

// clusterResolver is the [Resolver] of a build: the runtime's shared
// resolution ([resolve.Resolver]) seen as the translator asks. It keeps
// the [resolve.Backend] of every Service port it resolved, so that the
// backends the translation keeps become the part's, endpoints left to the
// runtime.
type clusterResolver struct {
	r *resolve.Resolver
	// backends by the names the translator may give them (see
	// [BackendName]: with and without "+h2c").
	backends map[string]*resolve.Backend
	// problems are those about the Services themselves (a bad
	// annotation), reported as Events; those about a reference go to the
	// route's status.
	problems []resolve.Problem
}

func newClusterResolver(r *resolve.Resolver) *clusterResolver {
	return &clusterResolver{r: r, backends: make(map[string]*resolve.Backend)}
}

// knownAppProtocols are the Service port appProtocols a Gateway API
// backend may have: those [resolve.Resolver.Backend] speaks (h2c, https),
// plain HTTP and WebSocket (HTTP/1.1 upgrades, which every HTTP/1.1
// backend is sent). Any other is UnsupportedProtocol.
var knownAppProtocols = []string{"http", "kubernetes.io/ws", "kubernetes.io/h2c", "h2c", "grpc", "https", "grpcs"}

// Service implements [Resolver].
func (c *clusterResolver) Service(namespace, name string, port int32) (model.Backend, error) {
	svc := types.NamespacedName{Namespace: namespace, Name: name}
	p := resolve.Port{Number: port}
	sp, ok := c.r.ServicePort(svc, p)
	if !ok {
		return model.Backend{}, fmt.Errorf("Service %s/%s or its TCP port %d: %w", namespace, name, port, ErrNotFound)
	}
	if ap := sp.AppProtocol; ap != nil && !slices.Contains(knownAppProtocols, *ap) {
		return model.Backend{}, fmt.Errorf("appProtocol %q: %w", *ap, ErrUnsupportedProtocol)
	}
	name0 := BackendName(namespace, name, port, false)
	b, problems := c.r.Backend(resolve.BackendRef{Name: name0, Service: svc, Port: p})
	for _, pr := range problems {
		switch pr.Reason {
		case resolve.ReasonServiceNotFound, resolve.ReasonPortNotFound:
			return model.Backend{}, fmt.Errorf("%s: %w", pr.Message, ErrNotFound)
		case resolve.ReasonExternalNameRefused, resolve.ReasonExternalNameUnresolved:
			return model.Backend{}, errors.New(pr.Message)
		}
		if !slices.Contains(c.problems, pr) {
			c.problems = append(c.problems, pr)
		}
	}
	c.backends[name0] = b
	c.backends[BackendName(namespace, name, port, true)] = b
	return model.Backend{Name: name0, Locality: b.Locality, Protocol: b.Protocol}, nil
}

// ConfigMap implements [Resolver].
func (c *clusterResolver) ConfigMap(namespace, name string) (*corev1.ConfigMap, error) {
	cm, err := c.r.ConfigMapData(types.NamespacedName{Namespace: namespace, Name: name})
	if errors.Is(err, resolve.ErrNoConfigMap) {
		return nil, fmt.Errorf("%v: %w", err, ErrNotFound)
	}
	return cm, err
}

// Certificate implements [Resolver].
func (c *clusterResolver) Certificate(namespace, name string) (model.Certificate, error) {
	cert, err := c.r.Certificate(types.NamespacedName{Namespace: namespace, Name: name})
	if errors.Is(err, resolve.ErrSecretNotFound) {
		return model.Certificate{}, fmt.Errorf("%v: %w", err, ErrNotFound)
	}
	if err != nil {
		return model.Certificate{}, err
	}
	return model.Certificate{Cert: cert}, nil
}

// backend returns the part's backend for b, a backend of the translation:
// the resolution of its Service port, under b's name and with b's
// protocol (a GRPCRoute's backend is spoken h2c).
func (c *clusterResolver) backend(b model.Backend) (*resolve.Backend, bool) {
	rb, ok := c.backends[b.Name]
	if !ok {
		return nil, false
	}
	out := *rb
	out.Name, out.Protocol = b.Name, b.Protocol
	return &out, true
}
