package main

import (
	"fmt"

	"k8s.io/apimachinery/pkg/types"
)

// ingressNginxController is ingress-nginx's default --controller-class:
// the spec.controller of the IngressClasses it serves.
const ingressNginxController = "k8s.io/ingress-nginx"

// ingressClassAnnotation is the deprecated way for an Ingress to name its
// class; spec.ingressClassName wins when both are set.
const ingressClassAnnotation = "kubernetes.io/ingress.class"

// migrateSelection says which objects migrate reports on: those the
// ingress-nginx being replaced read.
type migrateSelection struct {
	// class is the IngressClass name ingress-nginx served (its
	// --ingress-class, also the kubernetes.io/ingress.class annotation
	// value it accepted).
	class string
	// withoutClass also selects the Ingresses that name no class
	// (ingress-nginx's --watch-ingress-without-class).
	withoutClass bool
	// namespace selects the Ingresses of one namespace; "" every one.
	namespace string
	// configMap is the ingress-nginx ConfigMap; nil selects every
	// ConfigMap (files given without --configmap).
	configMap *types.NamespacedName
}

// serves reports whether ingress-nginx, run for s.class, served ing, and
// when it did not, why. It decides as ingress-nginx's store does
// (GetIngressClass), given the IngressClasses by name:
//
//   - spec.ingressClassName set: served when it is s.class, or names an
//     IngressClass whose spec.controller is that of the IngressClass
//     s.class (ingress-nginx serves every IngressClass of its controller;
//     [ingressNginxController] when s.class is not among classes);
//   - else the kubernetes.io/ingress.class annotation set: served when it
//     is s.class;
//   - else (no class): served only with s.withoutClass. ingress-nginx does
//     not read ingressclass.kubernetes.io/is-default-class: the API server
//     writes the default class into an Ingress created without one, so an
//     Ingress that still names none was not served.
func (s migrateSelection) serves(ing migrateObject, classes map[string]migrateObject) (why string, ok bool) {
	if name := ing.Spec.IngressClassName; name != nil {
		if *name == s.class {
			return "", true
		}
		controller := ingressNginxController
		if own, found := classes[s.class]; found {
			controller = own.Spec.Controller
		}
		if ic, found := classes[*name]; found && ic.Spec.Controller == controller {
			return "", true
		}
		return fmt.Sprintf("its class %q is not %q nor an IngressClass of controller %s", *name, s.class, controller), false
	}
	if name, set := ing.Metadata.Annotations[ingressClassAnnotation]; set {
		if name == s.class {
			return "", true
		}
		return fmt.Sprintf("its %s annotation %q is not %q", ingressClassAnnotation, name, s.class), false
	}
	if s.withoutClass {
		return "", true
	}
	return "it names no class: ingress-nginx served such Ingresses only when run with --watch-ingress-without-class (give migrate that flag if yours was), whichever class is the default", false
}
