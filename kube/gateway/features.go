package gateway

import (
	"slices"

	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
	"sigs.k8s.io/gateway-api/pkg/features"
)

// SupportedFeatures is what the GatewayClass's status.supportedFeatures
// lists: exactly the features this translator implements, each with the
// model field or check that carries it. A feature the data plane must
// also serve is listed only when the model has the field for it.
var SupportedFeatures = []features.FeatureName{
	// Core: Gateways, HTTP/HTTPS listeners, hostnames, allowedRoutes.
	features.SupportGateway,
	// Core: HTTPRoute path (Exact, PathPrefix) and header matches,
	// weights, RequestHeaderModifier, RequestRedirect (host, status).
	features.SupportHTTPRoute,
	// Core: GRPCRoute service/method (Exact) and header matches, weights.
	features.SupportGRPCRoute,
	// Core: cross-namespace backendRefs and certificateRefs.
	features.SupportReferenceGrant,

	// Listeners on port 8080 (any port: Options.Port maps them).
	features.SupportGatewayPort8080,
	// spec.addresses of type IPAddress (Options.Usable decides which).
	features.SupportGatewayStaticAddresses,
	// A request goes to the most specific listener's routes only: a
	// listener hostname with no route of its own answers 404
	// (listenerCatchAll).
	features.SupportGatewayHTTPListenerIsolation,

	// model.Route.Query.
	features.SupportHTTPRouteQueryParamMatching,
	// model.Route.Method.
	features.SupportHTTPRouteMethodMatching,
	// model.Route.ResponseHeaders.
	features.SupportHTTPRouteResponseHeaderModification,
	// model.WeightedBackend.RequestHeaders (backendRef filters).
	features.SupportHTTPRouteBackendRequestHeaderModification,
	// model.Redirect.Port.
	features.SupportHTTPRoutePortRedirect,
	// model.Redirect.Scheme.
	features.SupportHTTPRouteSchemeRedirect,
	// model.Redirect.Path.
	features.SupportHTTPRoutePathRedirect,
	// model.Redirect.Status 303, 307, 308.
	features.SupportHTTPRoute303RedirectStatusCode,
	features.SupportHTTPRoute307RedirectStatusCode,
	features.SupportHTTPRoute308RedirectStatusCode,
	// model.Rewrite.Host.
	features.SupportHTTPRouteHostRewrite,
	// model.Rewrite.Path.
	features.SupportHTTPRoutePathRewrite,
	// model.Route.Mirror, one or several, with Percent.
	features.SupportHTTPRouteRequestMirror,
	features.SupportHTTPRouteRequestMultipleMirrors,
	features.SupportHTTPRouteRequestPercentageMirror,
	// model.Route.CORS (cors.go: Gateway API's wildcard rule, maxAge 5
	// by default).
	features.SupportHTTPRouteCORS,
	// model.Route.Timeout.
	features.SupportHTTPRouteRequestTimeout,
	// model.Route.BackendTimeout.
	features.SupportHTTPRouteBackendTimeout,
	// parentRefs[].port selects listeners by port.
	features.SupportHTTPRouteParentRefPort,
	// appProtocol kubernetes.io/h2c: model.ProtocolH2C (from the Resolver).
	features.SupportHTTPRouteBackendProtocolH2C,
	// appProtocol kubernetes.io/ws: HTTP/1.1 upgrades, which every
	// ProtocolHTTP1 backend is sent.
	features.SupportHTTPRouteBackendProtocolWebSocket,
	// rules[].name is accepted (and changes nothing).
	features.SupportHTTPRouteNamedRouteRule,
	features.SupportGRPCRouteNamedRouteRule,
}

// supportedFeatureStatus returns SupportedFeatures as the GatewayClass
// status lists them, sorted by name as the API requires.
func supportedFeatureStatus() []gatewayv1.SupportedFeature {
	names := make([]string, len(SupportedFeatures))
	for i, f := range SupportedFeatures {
		names[i] = string(f)
	}
	slices.Sort(names)
	out := make([]gatewayv1.SupportedFeature, len(names))
	for i, n := range names {
		out[i] = gatewayv1.SupportedFeature{Name: gatewayv1.FeatureName(n)}
	}
	return out
}
