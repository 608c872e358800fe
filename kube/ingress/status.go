package ingress

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/firsthop/firsthop/kube"
)

// WriteStatus sets status.loadBalancer.ingress of every Ingress the last
// Build served to addresses, where it differs (ports aside). With no
// addresses it writes nothing: a status is never cleared.
func (p *Processor) WriteStatus(ctx context.Context, addresses []kube.Address) (int, error) {
	acc := p.accepted.Load()
	if acc == nil || len(addresses) == 0 {
		return 0, nil
	}
	want := make([]networkingv1.IngressLoadBalancerIngress, len(addresses))
	for i, a := range addresses {
		want[i] = networkingv1.IngressLoadBalancerIngress{IP: a.IP, Hostname: a.Hostname}
	}
	patch, err := json.Marshal(map[string]any{
		"status": map[string]any{"loadBalancer": map[string]any{"ingress": want}},
	})
	if err != nil {
		return 0, err
	}
	written := 0
	var errs []error
	for _, key := range *acc {
		ing, err := p.ingresses.Ingresses(key.Namespace).Get(key.Name)
		if err != nil {
			continue // deleted since
		}
		if sameAddresses(ing.Status.LoadBalancer.Ingress, want) {
			continue
		}
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_, err = p.w.Client().NetworkingV1().Ingresses(key.Namespace).Patch(pctx, key.Name, types.MergePatchType, patch, metav1.PatchOptions{}, "status")
		cancel()
		switch {
		case apierrors.IsNotFound(err):
		case err != nil:
			errs = append(errs, fmt.Errorf("Ingress %s: %w", key, err))
		default:
			written++
			p.w.Logger().Info("Ingress status updated", "namespace", key.Namespace, "name", key.Name, "addresses", kube.DescribeAddresses(addresses))
		}
	}
	return written, errors.Join(errs...)
}

// sameAddresses reports whether an Ingress's status lists exactly the
// addresses want, in any order, ignoring ports.
func sameAddresses(have, want []networkingv1.IngressLoadBalancerIngress) bool {
	if len(have) != len(want) {
		return false
	}
	return slices.EqualFunc(addressesOnly(have), addressesOnly(want), func(x, y networkingv1.IngressLoadBalancerIngress) bool {
		return x.IP == y.IP && x.Hostname == y.Hostname
	})
}

// addressesOnly returns a sorted copy of a without ports, duplicates
// dropped.
func addressesOnly(a []networkingv1.IngressLoadBalancerIngress) []networkingv1.IngressLoadBalancerIngress {
	out := make([]networkingv1.IngressLoadBalancerIngress, len(a))
	for i, x := range a {
		out[i] = networkingv1.IngressLoadBalancerIngress{IP: x.IP, Hostname: x.Hostname}
	}
	slices.SortFunc(out, func(x, y networkingv1.IngressLoadBalancerIngress) int {
		return cmp.Or(cmp.Compare(x.IP, y.IP), cmp.Compare(x.Hostname, y.Hostname))
	})
	return slices.CompactFunc(out, func(x, y networkingv1.IngressLoadBalancerIngress) bool {
		return x.IP == y.IP && x.Hostname == y.Hostname
	})
}
