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

// gatewayProcessor returns the Gateway API processor for o, unless the
// API server says it does not serve the Gateway API resources (then nil,
// logged once: the Ingress processor runs alone). See [gatewayAPIServed].
func gatewayProcessor(ctx context.Context, log *slog.Logger, rc *rest.Config, disc discovery.ServerResourcesInterfaceWithContext, o gateway.ProcessorOptions) (*gateway.Processor, error) {
	if !gatewayAPIServed(ctx, log, disc, time.Second, gatewayDiscoveryWait) {
		return nil, nil
	}
	var err error
	if o.Client, err = gatewayclient.NewForConfig(rc); err != nil {
		return nil, err
	}
	log.Info("serving Gateway API", "controller", o.ControllerName, "address_pool", o.Pool.String())
	return gateway.NewProcessor(o), nil
}

// gatewayDiscoveryWait bounds how long startup waits for the API server
// to say whether it serves Gateway API.
const gatewayDiscoveryWait = 5 * time.Second

// gatewayAPIServed reports whether the API server serves every resource
// of gatewayResources in gateway.networking.k8s.io/v1 (the CRDs are
// installed); when it does not, that is logged once. Other errors are
// retried every retry (doubling) for up to within; when the API server
// has not answered by then, Gateway API is assumed served, so that a slow
// start does not turn it off: should the CRDs be missing, the informers'
// errors then say so while the caches wait.
func gatewayAPIServed(ctx context.Context, log *slog.Logger, disc discovery.ServerResourcesInterfaceWithContext, retry, within time.Duration) bool {
	gv := gatewayv1.GroupVersion.String()
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	for {
		list, err := disc.ServerResourcesForGroupVersionWithContext(ctx, gv)
		switch {
		case apierrors.IsNotFound(err):
			log.Info("the Gateway API CRDs are not installed: serving Ingresses only (restart firsthop once they are)", "group_version", gv)
			return false
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
				return false
			}
			return true
		}
		t := time.NewTimer(retry)
		select {
		case <-ctx.Done():
			t.Stop()
			log.Warn("the API server did not say whether it serves Gateway API; serving it", "group_version", gv, "error", err.Error())
			return true
		case <-t.C:
		}
		retry *= 2
	}
}
