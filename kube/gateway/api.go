package gateway

import (
	"errors"
	"net/netip"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/firsthop/firsthop/config"
	"github.com/firsthop/firsthop/model"
)

// DefaultControllerName is the GatewayClass spec.controllerName firsthop
// serves when [Options.ControllerName] is empty.
const DefaultControllerName = "firsthop.io/gateway-controller"

// Snapshot is every object a translation reads. Slices may be in any order
// and hold objects of other controllers; nothing in them is modified.
type Snapshot struct {
	GatewayClasses  []*gatewayv1.GatewayClass
	Gateways        []*gatewayv1.Gateway
	HTTPRoutes      []*gatewayv1.HTTPRoute
	GRPCRoutes      []*gatewayv1.GRPCRoute
	ReferenceGrants []*gatewayv1.ReferenceGrant
	// Namespaces are read for their labels, by listeners whose
	// allowedRoutes select namespaces; a namespace missing here is selected
	// by no selector.
	Namespaces []*corev1.Namespace
}

// Resolver turns references into what the model serves. The runtime's
// shared resolution implements it (Services, EndpointSlices, Secrets);
// tests use a fake. The translator checks kinds, groups and ReferenceGrants
// before it asks, so a Resolver sees only Services and Secrets the
// referrer may use.
type Resolver interface {
	// Service returns the backend of port (a Service port number) of the
	// Service namespace/name: its endpoints, locality and timeouts, and
	// its Protocol from the port's appProtocol (kubernetes.io/h2c is
	// ProtocolH2C; kubernetes.io/ws and none are ProtocolHTTP1). The
	// Name is ignored: the translator names backends (see [BackendName]).
	// The error wraps [ErrNotFound] when the Service or the port does not
	// exist and [ErrUnsupportedProtocol] for an appProtocol firsthop
	// cannot speak; any other error is reported as BackendNotFound.
	Service(namespace, name string, port int32) (model.Backend, error)

	// ConfigMap returns the ConfigMap namespace/name, which a
	// GatewayClass's parametersRef names. The error wraps [ErrNotFound]
	// when there is none; any other error is reported as
	// InvalidParameters, with its text.
	ConfigMap(namespace, name string) (*corev1.ConfigMap, error)

	// Certificate returns the certificate of the kubernetes.io/tls Secret
	// namespace/name. Names is ignored: the translator sets it from the
	// listener's hostname. Any error is reported as InvalidCertificateRef,
	// with its text.
	Certificate(namespace, name string) (model.Certificate, error)
}

// Errors a [Resolver] wraps to say which reason applies.
var (
	// ErrNotFound: the object, or the Service port, does not exist.
	ErrNotFound = errors.New("not found")
	// ErrUnsupportedProtocol: the Service port's appProtocol is one
	// firsthop does not speak.
	ErrUnsupportedProtocol = errors.New("unsupported appProtocol")
)

// Options are the settings of a translation. The zero value serves
// [DefaultControllerName], finds no address for a Gateway without
// spec.addresses, and binds each listener's own port.
type Options struct {
	// ControllerName is the GatewayClass controllerName served; empty
	// means DefaultControllerName.
	ControllerName string

	// Address returns the address the runtime assigned to a Gateway that
	// gives no spec.addresses (a LoadBalancer Service's, the node's).
	// ok false, or a nil Address, leaves such a Gateway unprogrammed
	// (AddressNotAssigned).
	Address func(gateway types.NamespacedName) (addr netip.Addr, ok bool)

	// Usable reports whether an address a Gateway names in spec.addresses
	// can be served here (bound on this node). Nil means every address
	// can. A Gateway naming one that cannot is not programmed
	// (AddressNotUsable).
	Usable func(netip.Addr) bool

	// Port maps a listener port to the port firsthop binds (as when the
	// pod cannot bind ports below 1024 and a Service maps 80 to 8080).
	// ok false makes listeners on that port PortUnavailable. Nil binds
	// the listener's own port. A mapped port differs from the listener's
	// only on the socket: [model.ListenerSpec.PublicPort] keeps the
	// listener's.
	Port func(listenerPort int32) (bind uint16, ok bool)

	// KeptParameters are the parameters each GatewayClass was last
	// accepted with, by class name ([Result.Parameters] of the last
	// translation). A class whose parametersRef now cannot be used (a
	// ConfigMap edited into an error, deleted) is reported
	// InvalidParameters, and its Gateways keep being served with these,
	// so that a bad edit takes no traffic down. Nil keeps none.
	KeptParameters map[string]*config.GatewayParameters
}

// Result is what a translation gives: the model parts to serve and the
// status of every object of ours. Its slices are sorted (scopes by name,
// backends by name), so equal snapshots give equal results.
type Result struct {
	// Scopes are the programmed ports of accepted Gateways, by name.
	Scopes []Scope
	// Backends are every backend the scopes' routes name, by name.
	Backends []model.Backend
	// Status is the status to write.
	Status Status
	// Parameters are the client-IP parameters the GatewayClasses of ours
	// are served with, by class name: those of classes whose
	// parametersRef was read, and those kept (see
	// [Options.KeptParameters]). Classes without a parametersRef are
	// absent.
	Parameters map[string]*config.GatewayParameters
}

// Scope is one port of one Gateway: a route scope of the model with the
// listeners serving it and its routes.
type Scope struct {
	// Gateway and Port are where the scope comes from.
	Gateway types.NamespacedName
	Port    int32

	// Spec is the scope's model settings; Spec.Name is
	// "gateway/<namespace>/<name>:<port>" and every listener and route
	// below carries it.
	Spec model.ScopeSpec

	// Listeners are one per Gateway address.
	Listeners []model.ListenerSpec

	// Routes are in [model.Route.Order] order.
	Routes []model.Route

	// Certificates are those of the scope's programmed HTTPS listeners,
	// in listener order, each with Scope set to Spec.Name and Names to its
	// listener's hostname, or "*" for a listener without one (see
	// [model.Certificate]): a handshake gets the certificate of the
	// listener its server name selects, and two Gateways serving one
	// name each serve their own. The runtime appends them to
	// TableSpec.Certificates.
	Certificates []model.Certificate
}

// Status is the status of every object a translation decided on. Objects
// of other controllers are absent. Conditions carry ObservedGeneration and
// no LastTransitionTime: the writer keeps the time of a condition whose
// status did not change (apimachinery's meta.SetStatusCondition does).
type Status struct {
	GatewayClasses map[string]gatewayv1.GatewayClassStatus
	Gateways       map[types.NamespacedName]gatewayv1.GatewayStatus
	// HTTPRoutes and GRPCRoutes hold, per route, the parents of ours only:
	// the writer replaces the entries whose ControllerName is ours and
	// keeps the others'.
	HTTPRoutes map[types.NamespacedName][]gatewayv1.RouteParentStatus
	GRPCRoutes map[types.NamespacedName][]gatewayv1.RouteParentStatus
}
