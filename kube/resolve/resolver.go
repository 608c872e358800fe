package resolve

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/firsthop/firsthop/model"
)

// Options say how Services become backends. The zero value refuses
// ExternalName Services and gives backends the locality PreferLocal
// unless their Service or the object naming them says otherwise.
type Options struct {
	// AllowExternalName lets backends be ExternalName Services. It is off
	// by default because whoever can create a Service could then make the
	// proxy connect to any host. Even when allowed, addresses that are
	// loopback, link-local, multicast or unspecified are refused.
	AllowExternalName bool

	// DNS resolves the names of allowed ExternalName Services that are
	// not IP literals. Nil means such names are not resolved: their
	// backends answer 503, with a problem reported.
	DNS DNS

	// RefusedAddrs are addresses no endpoint may have, on any port: the
	// proxy's own pod addresses, so that no Service can point the proxy at
	// its admin listener or at itself. The API server's endpoints (those
	// of default/kubernetes) and every Service's cluster IPs are refused
	// without being listed.
	RefusedAddrs []netip.Addr

	// DefaultLocality is the locality of backends whose Service and
	// referrer set none (see [AnnotationLocality]). The zero value is
	// PreferLocal.
	DefaultLocality model.Locality
}

// DNS resolves a DNS name to addresses. It must return within a bounded
// time: the translation waits for it.
type DNS interface {
	Resolve(host string) ([]netip.Addr, error)
}

// SystemDNS returns a [DNS] using the system resolver, each lookup
// bounded to timeout.
func SystemDNS(timeout time.Duration) DNS { return systemDNS{timeout: timeout} }

type systemDNS struct{ timeout time.Duration }

func (d systemDNS) Resolve(host string) ([]netip.Addr, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d.timeout)
	defer cancel()
	return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
}

// Cluster is what a [Resolver] reads. Objects from informer caches may be
// passed as they are; they are never modified. Order does not matter.
type Cluster struct {
	Services []*corev1.Service
	// Secrets may hold any Secrets; only those of type kubernetes.io/tls
	// are read.
	Secrets []*corev1.Secret
	// EndpointSlices may hold any slices; only those of
	// [APIServerService] are read, for the addresses no backend may have.
	EndpointSlices []*discoveryv1.EndpointSlice
	// SecretData finds the Secrets whose data [Resolver.SecretData]
	// reads (htpasswd files, backend CAs), of any type; nil knows none
	// yet.
	SecretData SecretSource
	// ConfigMapData finds the ConfigMaps [Resolver.ConfigMapData] reads
	// (GatewayClass parameters); nil knows none yet.
	ConfigMapData ConfigMapSource
}

// Resolver resolves the Services and Secrets that processors' objects
// name, during one build: every processor of the build uses the same one.
// It remembers what it was asked ([Resolver.SecretRefs],
// [Resolver.ResolvesNames]) and resolves each ExternalName once. It is
// not safe for concurrent use.
type Resolver struct {
	o        Options
	services map[types.NamespacedName]*corev1.Service
	secrets  map[types.NamespacedName]*corev1.Secret
	load     CertLoader
	refused  refusedAddrs

	external      map[string]externalResult // by externalName and port
	secretRefs    map[types.NamespacedName]bool
	resolvesNames bool

	secretSource   SecretSource
	dataSecretRefs map[types.NamespacedName]bool
	configMaps     ConfigMapSource
	configMapRefs  map[types.NamespacedName]bool
	pending        bool
}

type externalResult struct {
	eps []model.Endpoint
	err error
}

// New returns a resolver over c. load parses TLS Secrets; nil means
// [LoadCertificate].
func New(c Cluster, o Options, load CertLoader) *Resolver {
	if load == nil {
		load = LoadCertificate
	}
	r := &Resolver{
		o:          o,
		services:   make(map[types.NamespacedName]*corev1.Service, len(c.Services)),
		secrets:    make(map[types.NamespacedName]*corev1.Secret, len(c.Secrets)),
		load:       load,
		refused:    newRefusedAddrs(c.Services, c.EndpointSlices, o.RefusedAddrs),
		external:   make(map[string]externalResult),
		secretRefs: make(map[types.NamespacedName]bool),

		secretSource:   c.SecretData,
		dataSecretRefs: make(map[types.NamespacedName]bool),
		configMaps:     c.ConfigMapData,
		configMapRefs:  make(map[types.NamespacedName]bool),
	}
	for _, svc := range c.Services {
		r.services[types.NamespacedName{Namespace: svc.Namespace, Name: svc.Name}] = svc
	}
	for _, sec := range c.Secrets {
		if sec.Type == corev1.SecretTypeTLS {
			r.secrets[types.NamespacedName{Namespace: sec.Namespace, Name: sec.Name}] = sec
		}
	}
	return r
}

// Backend resolves ref: where its endpoints come from, its locality and
// its protocol, and the problems met, reported on ref.From. A backend
// with a problem is still returned: without endpoints, its routes answer
// 503 (a missing Service, a missing port, a refused or unresolvable
// ExternalName), so that traffic does not fall through to a less specific
// route.
//
// The Service port is ref.Port, by number or by name; its name is then
// looked for in the EndpointSlices' ports, so a targetPort given by name
// works. The locality is, first found: the Service's
// [AnnotationLocality], ref.From's, the Service's
// spec.trafficDistribution (PreferSameNode: PreferLocal; PreferSameZone
// or PreferClose: PreferZone), Options.DefaultLocality. The protocol is
// ref.From's [AnnotationBackendProtocol], else the Service port's
// appProtocol (kubernetes.io/h2c, h2c or grpc: h2c; https or grpcs:
// https), else HTTP/1.1. A bad annotation value is a problem and is
// passed over.
func (r *Resolver) Backend(ref BackendRef) (*Backend, []Problem) {
	svc := r.services[ref.Service]
	b := &Backend{Name: ref.Name, refused: r.refused}
	var problems []Problem
	b.Locality, problems = serviceLocality(svc, ref.From, r.o.DefaultLocality)
	var protoProblems []Problem
	b.Protocol, protoProblems = backendProtocol(svc, ref.Port, ref.From)
	problems = append(problems, protoProblems...)
	problem := func(reason, format string, args ...any) {
		problems = append(problems, Problem{
			Object:  ref.From.Object,
			Reason:  reason,
			Message: fmt.Sprintf(format, args...) + "; backend " + ref.Name + " answers 503",
		})
	}
	name := ref.Service.Name
	switch {
	case svc == nil:
		problem(ReasonServiceNotFound, "service %q not found", name)
	case svc.Spec.Type == corev1.ServiceTypeExternalName:
		if !r.o.AllowExternalName {
			problem(ReasonExternalNameRefused, "service %q is of type ExternalName, which this controller does not allow", name)
			break
		}
		port := ref.Port.Number
		if ref.Port.Name != "" {
			sp, ok := servicePort(svc, ref.Port)
			if !ok {
				problem(ReasonPortNotFound, "service %q has no TCP %s", name, ref.Port)
				break
			}
			port = sp.Port
		}
		if port < 1 || port > 65535 {
			problem(ReasonPortNotFound, "service %q: port %d is out of range", name, port)
			break
		}
		res := r.resolveExternal(svc.Spec.ExternalName, uint16(port))
		if res.err != nil {
			problem(ReasonExternalNameUnresolved, "service %q: %v", name, res.err)
			break
		}
		b.fixed = res.eps
	default:
		sp, ok := servicePort(svc, ref.Port)
		if !ok {
			problem(ReasonPortNotFound, "service %q has no TCP %s", name, ref.Port)
			break
		}
		b.fromSlices, b.service, b.portName = true, ref.Service, sp.Name
	}
	return b, problems
}

// ServicePort returns the TCP port of Service svc that port names (by
// number, or by name when Name is set), and false when there is no such
// Service or port. Processors read it for what [Resolver.Backend] does
// not decide, such as an appProtocol they refuse.
func (r *Resolver) ServicePort(svc types.NamespacedName, port Port) (corev1.ServicePort, bool) {
	s := r.services[svc]
	if s == nil {
		return corev1.ServicePort{}, false
	}
	return servicePort(s, port)
}

// resolveExternal resolves an ExternalName once per resolver.
func (r *Resolver) resolveExternal(name string, port uint16) externalResult {
	k := fmt.Sprintf("%s:%d", name, port)
	if res, ok := r.external[k]; ok {
		return res
	}
	eps, err := resolveExternal(name, port, r.o.DNS, r.refused)
	res := externalResult{eps: eps, err: err}
	r.external[k] = res
	if _, literal := parseIP(name); !literal && r.o.DNS != nil {
		r.resolvesNames = true
	}
	return res
}

// ErrSecretNotFound is the error of [Resolver.Certificate] for a Secret
// that does not exist or is not of type kubernetes.io/tls.
var ErrSecretNotFound = errors.New("secret not found (or not of type " + string(corev1.SecretTypeTLS) + ")")

// Certificate returns the certificate and key of the TLS Secret named
// secret: [ErrSecretNotFound] when there is no such Secret of type
// kubernetes.io/tls, or why its tls.crt and tls.key are unusable. Found
// or not, the Secret is remembered as referenced (see
// [Resolver.SecretRefs]).
func (r *Resolver) Certificate(secret types.NamespacedName) (*tls.Certificate, error) {
	r.secretRefs[secret] = true
	sec := r.secrets[secret]
	if sec == nil {
		return nil, ErrSecretNotFound
	}
	return r.load(sec)
}

// SecretRefs returns the Secrets [Resolver.Certificate] was asked for,
// found or not: a change to one of them needs a new build. The map must
// not be modified.
func (r *Resolver) SecretRefs() map[types.NamespacedName]bool { return r.secretRefs }

// ResolvesNames reports whether an ExternalName backend was resolved
// through DNS, so that what the resolver returned goes stale as time
// passes.
func (r *Resolver) ResolvesNames() bool { return r.resolvesNames }
