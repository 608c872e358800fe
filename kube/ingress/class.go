package ingress

import (
	networkingv1 "k8s.io/api/networking/v1"
)

// Well-known IngressClass names and annotations.
const (
	// DefaultControllerName is the IngressClass spec.controller value
	// firsthop answers to unless told otherwise.
	DefaultControllerName = "firsthop.io/ingress-controller"

	// annotationIngressClass is the deprecated way for an Ingress to name
	// its class; spec.ingressClassName wins when both are set.
	annotationIngressClass = "kubernetes.io/ingress.class"

	// annotationDefaultClass marks an IngressClass as the default for
	// Ingresses that name none.
	annotationDefaultClass = networkingv1.AnnotationIsDefaultIngressClass

	// AnnotationIngressNginx, on an IngressClass of ours, set to "true",
	// has the Ingresses of that class read with their ingress-nginx
	// annotations (see the package documentation), as
	// Options.IngressNginxAnnotations does for every class.
	AnnotationIngressNginx = "firsthop.io/ingress-nginx-annotations"
)

// classSelector decides which Ingresses belong to this controller.
type classSelector struct {
	// ours is the names of the IngressClasses whose spec.controller is
	// this controller.
	ours map[string]bool
	// claimUnclassed is whether Ingresses that name no class are ours:
	// one of our classes is the default, or the operator asked for them.
	claimUnclassed bool
	// nginx names our IngressClasses annotated AnnotationIngressNginx
	// "true"; nginxUnclassed is whether one of them is a default class.
	nginx          map[string]bool
	nginxUnclassed bool
}

// newClassSelector returns the selector for the IngressClasses that exist.
func newClassSelector(classes []*networkingv1.IngressClass, controller string, withoutClass bool) classSelector {
	s := classSelector{ours: map[string]bool{}, claimUnclassed: withoutClass, nginx: map[string]bool{}}
	for _, c := range classes {
		if c.Spec.Controller != controller {
			continue
		}
		s.ours[c.Name] = true
		nginx := c.Annotations[AnnotationIngressNginx] == "true"
		s.nginx[c.Name] = nginx
		if c.Annotations[annotationDefaultClass] == "true" {
			s.claimUnclassed = true
			s.nginxUnclassed = s.nginxUnclassed || nginx
		}
	}
	return s
}

// className returns the class ing names: spec.ingressClassName, else the
// kubernetes.io/ingress.class annotation; "" when it names none.
func className(ing *networkingv1.Ingress) string {
	if name := ing.Spec.IngressClassName; name != nil && *name != "" {
		return *name
	}
	return ing.Annotations[annotationIngressClass]
}

// readsNginx reports whether ing, one of ours, is read with its
// ingress-nginx annotations because of its class: the class it names is
// annotated AnnotationIngressNginx "true", or it names none and one of
// our default classes is.
func (s classSelector) readsNginx(ing *networkingv1.Ingress) bool {
	if name := className(ing); name != "" {
		return s.nginx[name]
	}
	return s.nginxUnclassed
}

// selects reports whether ing belongs to this controller:
//   - spec.ingressClassName set (not empty): it names one of our IngressClasses;
//   - else the kubernetes.io/ingress.class annotation set (not empty): it names one of
//     our IngressClasses;
//   - else (no class at all): one of our IngressClasses carries
//     ingressclass.kubernetes.io/is-default-class: "true", or the
//     controller runs with --watch-ingress-without-class.
func (s classSelector) selects(ing *networkingv1.Ingress) bool {
	if name := className(ing); name != "" {
		return s.ours[name]
	}
	return s.claimUnclassed
}
