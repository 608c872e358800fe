package kube

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestParsePublishAddresses(t *testing.T) {
	t.Parallel()
	got, err := parsePublishAddresses([]string{"lb.example.com", " 192.0.2.1", "::ffff:192.0.2.2", "2001:db8::1", "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	want := sortAddresses([]Address{{Hostname: "lb.example.com"}, {IP: "192.0.2.1"}, {IP: "192.0.2.2"}, {IP: "2001:db8::1"}})
	if !slices.Equal(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	for _, bad := range []string{"", "fe80::1%eth0", "http://lb", "a_b.example.com"} {
		if _, err := parsePublishAddresses([]string{bad}); err == nil {
			t.Errorf("parsePublishAddresses(%q) accepted", bad)
		}
	}
}

func TestServiceAddresses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		svc  corev1.Service
		want []Address
	}{
		{
			name: "load balancer status, IPs and host names",
			svc: corev1.Service{Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer, ClusterIP: "10.96.0.1", ExternalIPs: []string{"198.51.100.1"}},
				Status: corev1.ServiceStatus{LoadBalancer: corev1.LoadBalancerStatus{Ingress: []corev1.LoadBalancerIngress{{Hostname: "abc.elb.example.com"}, {IP: "203.0.113.1"}}}}},
			want: []Address{{Hostname: "abc.elb.example.com"}, {IP: "203.0.113.1"}},
		},
		{
			name: "external IPs when no load balancer",
			svc:  corev1.Service{Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer, ClusterIP: "10.96.0.1", ExternalIPs: []string{"198.51.100.1"}}},
			want: []Address{{IP: "198.51.100.1"}},
		},
		{
			name: "a pending LoadBalancer Service has no address",
			svc:  corev1.Service{Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer, ClusterIP: "10.96.0.1"}},
		},
		{
			name: "a ClusterIP Service publishes its cluster IPs",
			svc:  corev1.Service{Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeClusterIP, ClusterIP: "10.96.0.1", ClusterIPs: []string{"10.96.0.1", "fd00::1"}}},
			want: []Address{{IP: "10.96.0.1"}, {IP: "fd00::1"}},
		},
		{
			name: "a headless Service has no address",
			svc:  corev1.Service{Spec: corev1.ServiceSpec{ClusterIP: corev1.ClusterIPNone}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := serviceAddresses(&tc.svc)
			if !slices.Equal(got, sortAddresses(slices.Clone(tc.want))) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}
