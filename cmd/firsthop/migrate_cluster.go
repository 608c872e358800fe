package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// migrateListPage is how many objects migrate asks the API server for at
// once, so that a large cluster is read in bounded pages.
const migrateListPage = 500

// migrateClient connects to the cluster of kubeconfig's current context;
// every request is bounded by timeout.
func migrateClient(kubeconfig string, timeout time.Duration) (kubernetes.Interface, error) {
	rc, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, err
	}
	rc.UserAgent = "firsthop-migrate/" + versionString()
	rc.Timeout = timeout
	return kubernetes.NewForConfig(rc)
}

// clusterObjects reads from the cluster what migrate reports on, as the
// files give it: the IngressClasses, the Ingresses of sel.namespace (all
// when empty), each list in the API server's order (namespace, then
// name), then the ConfigMap sel.configMap (absent when not found: the
// report says so). An error says what was being read and, when RBAC
// forbade it, the permissions migrate needs.
func clusterObjects(ctx context.Context, cs kubernetes.Interface, sel migrateSelection) ([]migrateObject, error) {
	var out []migrateObject
	classes, err := listAll(ctx, func(opts metav1.ListOptions) ([]networkingv1.IngressClass, string, error) {
		l, err := cs.NetworkingV1().IngressClasses().List(ctx, opts)
		if err != nil {
			return nil, "", err
		}
		return l.Items, l.Continue, nil
	})
	if err != nil {
		return nil, clusterError(err, "listing IngressClasses", sel)
	}
	for _, ic := range classes {
		o := objectMeta("IngressClass", ic.ObjectMeta)
		o.Spec.Controller = ic.Spec.Controller
		out = append(out, o)
	}
	ings, err := listAll(ctx, func(opts metav1.ListOptions) ([]networkingv1.Ingress, string, error) {
		l, err := cs.NetworkingV1().Ingresses(sel.namespace).List(ctx, opts)
		if err != nil {
			return nil, "", err
		}
		return l.Items, l.Continue, nil
	})
	if err != nil {
		return nil, clusterError(err, "listing Ingresses in "+namespaceWords(sel.namespace), sel)
	}
	slices.SortFunc(ings, func(a, b networkingv1.Ingress) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	for _, ing := range ings {
		o := objectMeta("Ingress", ing.ObjectMeta)
		o.Spec.IngressClassName = ing.Spec.IngressClassName
		out = append(out, o)
	}
	if sel.configMap != nil {
		cm, err := cs.CoreV1().ConfigMaps(sel.configMap.Namespace).Get(ctx, sel.configMap.Name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
		case err != nil:
			return nil, clusterError(err, "getting ConfigMap "+sel.configMap.String(), sel)
		default:
			o := objectMeta("ConfigMap", cm.ObjectMeta)
			o.Data = cm.Data // binaryData is no ingress-nginx setting
			out = append(out, o)
		}
	}
	return out, nil
}

// listAll calls list page after page until the API server has no more.
func listAll[T any](ctx context.Context, list func(metav1.ListOptions) ([]T, string, error)) ([]T, error) {
	var all []T
	opts := metav1.ListOptions{Limit: migrateListPage}
	for {
		items, next, err := list(opts)
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
		if next == "" {
			return all, nil
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		opts.Continue = next
	}
}

// objectMeta is the migrateObject of kind with meta's name, namespace and
// annotations.
func objectMeta(kind string, meta metav1.ObjectMeta) migrateObject {
	var o migrateObject
	o.Kind = kind
	o.Metadata.Name, o.Metadata.Namespace, o.Metadata.Annotations = meta.Name, meta.Namespace, meta.Annotations
	return o
}

// namespaceWords names the namespaces of ns for a message.
func namespaceWords(ns string) string {
	if ns == "" {
		return "all namespaces"
	}
	return "namespace " + ns
}

// clusterError says what failed while doing what: RBAC's refusal with the
// permissions migrate needs, rejected credentials, or an API server that
// could not be reached or did not answer in time.
func clusterError(err error, doing string, sel migrateSelection) error {
	var status apierrors.APIStatus
	switch {
	case apierrors.IsForbidden(err):
		needs := "list on ingresses.networking.k8s.io in " + namespaceWords(sel.namespace) + ", list on ingressclasses.networking.k8s.io (cluster-wide)"
		if sel.configMap != nil {
			needs += ", get on configmaps in namespace " + sel.configMap.Namespace
		}
		return fmt.Errorf("%s: forbidden by RBAC: firsthop migrate needs %s (a ClusterRole with list on ingresses and ingressclasses, and a Role with get on configmaps, bound to the kubeconfig's user): %w", doing, needs, err)
	case apierrors.IsUnauthorized(err):
		return fmt.Errorf("%s: the API server refused the kubeconfig's credentials: %w", doing, err)
	case errors.As(err, &status):
		return fmt.Errorf("%s: %w", doing, err)
	default:
		return fmt.Errorf("%s: cannot reach the API server (or no answer within --timeout): %w", doing, err)
	}
}
