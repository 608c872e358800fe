package main

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
	gatewayclient "sigs.k8s.io/gateway-api/pkg/client/clientset/versioned"

	"github.com/firsthop/firsthop/kube/gateway"
)

// gatewayResources are the Gateway API resources the Gateway processor
// watches, all of version v1 (the standard channel's CRDs serve them).
var gatewayResources = []string{"gatewayclasses", "gateways", "httproutes", "grpcroutes", "referencegrants"}

// gatewayOptions checks the Gateway API flags and returns the processor's
// options without a client; ok is false when --gateway-controller-name is
// empty (Gateway API off).
func (f *ingressFlags) gatewayOptions() (o gateway.ProcessorOptions, ok bool, err error) {
	if f.gatewayControllerName == "" {
		return o, false, nil
	}
	pool, err := gateway.ParseAddressPool(f.gatewayAddresses)
	if err != nil {
		return o, false, fmt.Errorf("--gateway-addresses: %w", err)
	}
	return gateway.ProcessorOptions{
		ControllerName: f.gatewayControllerName,
		Pool:           pool,
		WatchNamespace: f.watchNamespace,
	}, true, nil
}

// gatewayProcessor returns the Gateway API processor for o when the API
// server serves the Gateway API resources, else nil (logged once, the
// Ingress processor runs alone). It asks discovery until the API server
// answers, or ctx is done.
func gatewayProcessor(ctx context.Context, log *slog.Logger, rc *rest.Config, disc discovery.DiscoveryInterface, o gateway.ProcessorOptions) (*gateway.Processor, error) {
	served, err := gatewayAPIServed(ctx, log, disc, time.Second)
	if err != nil || !served {
		return nil, err
	}
	if o.Client, err = gatewayclient.NewForConfig(rc); err != nil {
		return nil, err
	}
	log.Info("serving Gateway API", "controller", o.ControllerName, "address_pool", o.Pool.String())
	return gateway.NewProcessor(o), nil
}

// gatewayAPIServed reports whether the API server serves every resource
// of gatewayResources in gateway.networking.k8s.io/v1 (the CRDs are
// installed). When it does not, that is logged once. Errors other than
// the group not being there are retried every retry, doubling up to 10s,
// until ctx is done.
func gatewayAPIServed(ctx context.Context, log *slog.Logger, disc discovery.DiscoveryInterface, retry time.Duration) (bool, error) {
	gv := gatewayv1.GroupVersion.String()
	for {
		list, err := disc.ServerResourcesForGroupVersion(gv)
		switch {
		case apierrors.IsNotFound(err):
			log.Info("the Gateway API CRDs are not installed: serving Ingresses only (restart firsthop once they are)", "group_version", gv)
			return false, nil
		case err == nil:
			var missing []string
			for _, r := range gatewayResources {
				if !slices.ContainsFunc(list.APIResources, func(a metav1.APIResource) bool { return a.Name == r }) {
					missing = append(missing, r)
				}
			}
			if len(missing) > 0 {
				log.Warn("the Gateway API CRDs installed lack resources firsthop needs: serving Ingresses only (install the standard channel's CRDs and restart)",
					"group_version", gv, "missing", missing)
				return false, nil
			}
			return true, nil
		}
		log.Warn("asking the API server whether it serves Gateway API failed; retrying", "error", err.Error(), "retry_in", retry.String())
		t := time.NewTimer(retry)
		select {
		case <-ctx.Done():
			t.Stop()
			return false, ctx.Err()
		case <-t.C:
		}
		retry = min(2*retry, 10*time.Second)
	}
}
