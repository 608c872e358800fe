package kube

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/validation"
)

// signalStatus wakes the status loop without blocking.
func (c *Controller) signalStatus() {
	select {
	case c.statusCh <- struct{}{}:
	default:
	}
}

// statusLoop has the processors write status while this replica leads, each
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
			c.log.Warn("writing status failed; retrying", "error", err.Error(), "retry_in", backoff.String())
			retry.Reset(backoff)
			backoff = min(2*backoff, maxBackoff)
			continue
		}
		backoff = time.Second
	}
}

// syncStatus has every processor write the status of the objects it
// serves, with the published addresses, which may be none (yet).
func (c *Controller) syncStatus(ctx context.Context) error {
	want := c.statusAddresses()
	var errs []error
	for _, p := range c.procs {
		n, err := p.WriteStatus(ctx, want)
		c.statusUpdates.Add(uint64(n))
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Address is one address clients reach the proxy at, as status gives it:
// an IP address or a DNS name (a load balancer's status may give both).
type Address struct {
	IP       string
	Hostname string
}

// DescribeAddresses returns a, comma-separated, for logs.
func DescribeAddresses(a []Address) string {
	s := make([]string, len(a))
	for i, x := range a {
		s[i] = cmp.Or(x.IP, x.Hostname)
	}
	return strings.Join(s, ",")
}

// statusAddresses returns the addresses to publish, sorted: the
// --publish-address values, else the publish Service's (see
// [serviceAddresses]), else none.
func (c *Controller) statusAddresses() []Address {
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
func serviceAddresses(svc *corev1.Service) []Address {
	var out []Address
	for _, lb := range svc.Status.LoadBalancer.Ingress {
		if lb.IP != "" || lb.Hostname != "" {
			out = append(out, Address{IP: lb.IP, Hostname: lb.Hostname})
		}
	}
	if len(out) == 0 {
		for _, ip := range svc.Spec.ExternalIPs {
			out = append(out, Address{IP: ip})
		}
	}
	if len(out) == 0 && (svc.Spec.Type == corev1.ServiceTypeClusterIP || svc.Spec.Type == "") {
		ips := svc.Spec.ClusterIPs
		if len(ips) == 0 && svc.Spec.ClusterIP != "" {
			ips = []string{svc.Spec.ClusterIP}
		}
		for _, ip := range ips {
			if ip != corev1.ClusterIPNone {
				out = append(out, Address{IP: ip})
			}
		}
	}
	return sortAddresses(out)
}

// parsePublishAddresses turns --publish-address values into status
// entries: an IP literal is an IP, anything else must be a DNS name.
func parsePublishAddresses(values []string) ([]Address, error) {
	var out []Address
	for _, v := range values {
		v = strings.TrimSpace(v)
		if a, err := netip.ParseAddr(v); err == nil {
			if a.Zone() != "" {
				return nil, fmt.Errorf("kube: publish address %q: a zoned address is not reachable from elsewhere", v)
			}
			out = append(out, Address{IP: a.Unmap().String()})
			continue
		}
		if errs := validation.IsDNS1123Subdomain(v); len(errs) > 0 {
			return nil, fmt.Errorf("kube: publish address %q is neither an IP address nor a DNS name: %s", v, errs[0])
		}
		out = append(out, Address{Hostname: v})
	}
	return sortAddresses(out), nil
}

// sortAddresses sorts addresses and drops duplicates.
func sortAddresses(a []Address) []Address {
	slices.SortFunc(a, func(x, y Address) int {
		return cmp.Or(cmp.Compare(x.IP, y.IP), cmp.Compare(x.Hostname, y.Hostname))
	})
	return slices.Compact(a)
}

// isForbidden reports whether err is the API server refusing access.
func isForbidden(err error) bool { return apierrors.IsForbidden(err) }
