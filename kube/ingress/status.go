package ingress

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"
)

// signalStatus wakes the status loop without blocking.
func (c *Controller) signalStatus() {
	select {
	case c.statusCh <- struct{}{}:
	default:
	}
}

// statusLoop writes the Ingresses' status while this replica leads, each
// time something it depends on changes, retrying failures with backoff.
func (c *Controller) statusLoop(ctx context.Context) {
	const maxBackoff = 30 * time.Second
	backoff := time.Second
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	defer retry.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.statusCh:
		case <-retry.C:
		}
		if !c.leader.Load() {
			continue
		}
		if err := c.syncStatus(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			c.log.Warn("writing Ingress status failed; retrying", "error", err.Error(), "retry_in", backoff.String())
			retry.Reset(backoff)
			backoff = min(2*backoff, maxBackoff)
			continue
		}
		backoff = time.Second
	}
}

// syncStatus sets status.loadBalancer.ingress of every Ingress served to
// the published addresses, where it differs. With no addresses known (yet)
// nothing is written: a status is never cleared.
func (c *Controller) syncStatus(ctx context.Context) error {
	want := c.statusAddresses()
	if len(want) == 0 {
		return nil
	}
	acc := c.accepted.Load()
	if acc == nil {
		return nil
	}
	patch, err := json.Marshal(map[string]any{
		"status": map[string]any{"loadBalancer": map[string]any{"ingress": want}},
	})
	if err != nil {
		return err
	}
	var errs []error
	for _, key := range *acc {
		ing, err := c.lis.ingresses.Ingresses(key.Namespace).Get(key.Name)
		if err != nil {
			continue // deleted since
		}
		if sameAddresses(ing.Status.LoadBalancer.Ingress, want) {
			continue
		}
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_, err = c.client.NetworkingV1().Ingresses(key.Namespace).Patch(pctx, key.Name, types.MergePatchType, patch, metav1.PatchOptions{}, "status")
		cancel()
		switch {
		case apierrors.IsNotFound(err):
		case err != nil:
			errs = append(errs, fmt.Errorf("Ingress %s: %w", key, err))
		default:
			c.statusUpdates.Add(1)
			c.log.Info("Ingress status updated", "namespace", key.Namespace, "name", key.Name, "addresses", describeAddresses(want))
		}
	}
	return errors.Join(errs...)
}

// statusAddresses returns the addresses to publish, sorted: the
// --publish-address values, else the publish Service's (see
// [serviceAddresses]), else none.
func (c *Controller) statusAddresses() []networkingv1.IngressLoadBalancerIngress {
	if len(c.lbStatic) > 0 {
		return c.lbStatic
	}
	pub := c.cfg.PublishService
	if pub.Name == "" || c.lis.publish == nil {
		return nil
	}
	svc, err := c.lis.publish.Services(pub.Namespace).Get(pub.Name)
	if err != nil {
		return nil
	}
	return serviceAddresses(svc)
}

// serviceAddresses returns the addresses clients reach svc at, sorted:
// its status.loadBalancer.ingress (IPs and host names); else its
// spec.externalIPs; else, for a Service of type ClusterIP only, its
// cluster IPs. A LoadBalancer Service still waiting for its load balancer
// has none: its cluster IP is not where clients connect.
func serviceAddresses(svc *corev1.Service) []networkingv1.IngressLoadBalancerIngress {
	var out []networkingv1.IngressLoadBalancerIngress
	for _, lb := range svc.Status.LoadBalancer.Ingress {
		if lb.IP != "" || lb.Hostname != "" {
			out = append(out, networkingv1.IngressLoadBalancerIngress{IP: lb.IP, Hostname: lb.Hostname})
		}
	}
	if len(out) == 0 {
		for _, ip := range svc.Spec.ExternalIPs {
			out = append(out, networkingv1.IngressLoadBalancerIngress{IP: ip})
		}
	}
	if len(out) == 0 && (svc.Spec.Type == corev1.ServiceTypeClusterIP || svc.Spec.Type == "") {
		ips := svc.Spec.ClusterIPs
		if len(ips) == 0 && svc.Spec.ClusterIP != "" {
			ips = []string{svc.Spec.ClusterIP}
		}
		for _, ip := range ips {
			if ip != corev1.ClusterIPNone {
				out = append(out, networkingv1.IngressLoadBalancerIngress{IP: ip})
			}
		}
	}
	return sortAddresses(out)
}

// parsePublishAddresses turns --publish-address values into status
// entries: an IP literal is an IP, anything else must be a DNS name.
func parsePublishAddresses(values []string) ([]networkingv1.IngressLoadBalancerIngress, error) {
	var out []networkingv1.IngressLoadBalancerIngress
	for _, v := range values {
		v = strings.TrimSpace(v)
		if a, err := netip.ParseAddr(v); err == nil {
			if a.Zone() != "" {
				return nil, fmt.Errorf("ingress: publish address %q: a zoned address is not reachable from elsewhere", v)
			}
			out = append(out, networkingv1.IngressLoadBalancerIngress{IP: a.Unmap().String()})
			continue
		}
		if errs := validation.IsDNS1123Subdomain(v); len(errs) > 0 {
			return nil, fmt.Errorf("ingress: publish address %q is neither an IP address nor a DNS name: %s", v, errs[0])
		}
		out = append(out, networkingv1.IngressLoadBalancerIngress{Hostname: v})
	}
	return sortAddresses(out), nil
}

// sortAddresses sorts status entries and drops duplicates.
func sortAddresses(a []networkingv1.IngressLoadBalancerIngress) []networkingv1.IngressLoadBalancerIngress {
	slices.SortFunc(a, func(x, y networkingv1.IngressLoadBalancerIngress) int {
		return cmp.Or(cmp.Compare(x.IP, y.IP), cmp.Compare(x.Hostname, y.Hostname))
	})
	return slices.CompactFunc(a, func(x, y networkingv1.IngressLoadBalancerIngress) bool {
		return x.IP == y.IP && x.Hostname == y.Hostname
	})
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

// addressesOnly returns a sorted copy of a without ports.
func addressesOnly(a []networkingv1.IngressLoadBalancerIngress) []networkingv1.IngressLoadBalancerIngress {
	out := make([]networkingv1.IngressLoadBalancerIngress, len(a))
	for i, x := range a {
		out[i] = networkingv1.IngressLoadBalancerIngress{IP: x.IP, Hostname: x.Hostname}
	}
	return sortAddresses(out)
}

func describeAddresses(a []networkingv1.IngressLoadBalancerIngress) string {
	s := make([]string, len(a))
	for i, x := range a {
		s[i] = cmp.Or(x.IP, x.Hostname)
	}
	return strings.Join(s, ",")
}

// isForbidden reports whether err is the API server refusing access.
func isForbidden(err error) bool { return apierrors.IsForbidden(err) }
