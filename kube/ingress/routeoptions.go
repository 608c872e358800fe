package ingress

import (
	"fmt"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/firsthop/firsthop/kube/resolve"
)

// AnnotationAllowTrace, on an Ingress, set to "true", lets TRACE requests
// through to the backends of every path of that Ingress (see
// model.Route.AllowTrace); without it firsthop answers TRACE with 405.
const AnnotationAllowTrace = "firsthop.io/allow-trace"

// AnnotationKeepEncodedSlashes, on an Ingress, set to "true", sends "%2F"
// in the request path on as it came to the backends of every path of
// that Ingress (see model.Route.KeepEncodedSlashes).
const AnnotationKeepEncodedSlashes = "firsthop.io/keep-encoded-slashes"

// routeOptions returns the route options ing's annotations turn on, and a
// problem for each of those annotations whose value is neither "true" nor
// "false": it is passed over, leaving its option off.
func routeOptions(ing *networkingv1.Ingress) (allowTrace, keepEncodedSlashes bool, problems []resolve.Problem) {
	flag := func(name string) bool {
		v, ok := ing.Annotations[name]
		switch {
		case !ok || v == "false":
			return false
		case v == "true":
			return true
		}
		problems = append(problems, resolve.Problem{
			Object:  ingressRef(ing),
			Reason:  ReasonInvalidRouteOption,
			Message: fmt.Sprintf("annotation %s: %q is neither true nor false; ignored", name, v),
		})
		return false
	}
	return flag(AnnotationAllowTrace), flag(AnnotationKeepEncodedSlashes), problems
}
