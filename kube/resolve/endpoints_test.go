package resolve

import (
	"net/netip"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/firsthop/firsthop/kube/internal/kubetest"
	"github.com/firsthop/firsthop/model"
)

func TestEndpointState(t *testing.T) {
	t.Parallel()
	yes, no := kubetest.Ptr(true), kubetest.Ptr(false)
	tests := []struct {
		name string
		c    discoveryv1.EndpointConditions
		want model.EndpointState
	}{
		{name: "no conditions at all counts as ready", c: discoveryv1.EndpointConditions{}, want: model.EndpointReady},
		{name: "ready", c: discoveryv1.EndpointConditions{Ready: yes, Serving: yes, Terminating: no}, want: model.EndpointReady},
		{name: "ready and terminating (publishNotReadyAddresses) is ready", c: discoveryv1.EndpointConditions{Ready: yes, Terminating: yes}, want: model.EndpointReady},
		{name: "serving and terminating", c: discoveryv1.EndpointConditions{Ready: no, Serving: yes, Terminating: yes}, want: model.EndpointTerminating},
		{name: "terminating with serving unset counts as serving", c: discoveryv1.EndpointConditions{Ready: no, Terminating: yes}, want: model.EndpointTerminating},
		{name: "terminating and not serving", c: discoveryv1.EndpointConditions{Ready: no, Serving: no, Terminating: yes}, want: model.EndpointNotServing},
		{name: "not ready, not terminating", c: discoveryv1.EndpointConditions{Ready: no, Serving: yes, Terminating: no}, want: model.EndpointNotServing},
		{name: "not ready, nothing else", c: discoveryv1.EndpointConditions{Ready: no}, want: model.EndpointNotServing},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := endpointState(tc.c); got != tc.want {
				t.Errorf("endpointState = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestSliceEndpoints(t *testing.T) {
	t.Parallel()
	slice := func(name string, typ discoveryv1.AddressType, ports []discoveryv1.EndpointPort, eps ...discoveryv1.Endpoint) *discoveryv1.EndpointSlice {
		return &discoveryv1.EndpointSlice{ObjectMeta: metav1.ObjectMeta{Name: name}, AddressType: typ, Ports: ports, Endpoints: eps}
	}
	port := func(name string, n int32) discoveryv1.EndpointPort {
		return discoveryv1.EndpointPort{Name: kubetest.Ptr(name), Port: kubetest.Ptr(n), Protocol: kubetest.Ptr(corev1.ProtocolTCP)}
	}
	addr := func(a ...string) discoveryv1.Endpoint { return discoveryv1.Endpoint{Addresses: a} }
	http := []discoveryv1.EndpointPort{port("http", 8080)}

	tests := []struct {
		name     string
		slices   []*discoveryv1.EndpointSlice
		portName string
		want     []model.Endpoint
	}{
		{name: "no slices", portName: "http"},
		{
			name:     "port matched by name",
			slices:   []*discoveryv1.EndpointSlice{slice("a", discoveryv1.AddressTypeIPv4, []discoveryv1.EndpointPort{port("metrics", 9090), port("http", 8080)}, addr("10.0.0.1"))},
			portName: "http",
			want:     []model.Endpoint{kubetest.Endpoint("10.0.0.1:8080", "", "")},
		},
		{
			name:     "unnamed Service port matches the unnamed slice port",
			slices:   []*discoveryv1.EndpointSlice{slice("a", discoveryv1.AddressTypeIPv4, []discoveryv1.EndpointPort{{Port: kubetest.Ptr(int32(8080))}}, addr("10.0.0.1"))},
			portName: "",
			want:     []model.Endpoint{kubetest.Endpoint("10.0.0.1:8080", "", "")},
		},
		{
			name:     "UDP port of the same name is not used",
			slices:   []*discoveryv1.EndpointSlice{slice("a", discoveryv1.AddressTypeIPv4, []discoveryv1.EndpointPort{{Name: kubetest.Ptr("http"), Port: kubetest.Ptr(int32(53)), Protocol: kubetest.Ptr(corev1.ProtocolUDP)}}, addr("10.0.0.1"))},
			portName: "http",
		},
		{
			name:     "port without a number is not used",
			slices:   []*discoveryv1.EndpointSlice{slice("a", discoveryv1.AddressTypeIPv4, []discoveryv1.EndpointPort{{Name: kubetest.Ptr("http")}}, addr("10.0.0.1"))},
			portName: "http",
		},
		{
			name:     "only the first address of an endpoint is used",
			slices:   []*discoveryv1.EndpointSlice{slice("a", discoveryv1.AddressTypeIPv4, http, addr("10.0.0.1", "10.0.0.2"), addr())},
			portName: "http",
			want:     []model.Endpoint{kubetest.Endpoint("10.0.0.1:8080", "", "")},
		},
		{
			name: "addresses of the wrong family, loopback, link-local and garbage are skipped",
			slices: []*discoveryv1.EndpointSlice{
				slice("a", discoveryv1.AddressTypeIPv4, http, addr("fd00::1"), addr("127.0.0.1"), addr("169.254.169.254"), addr("0.0.0.0"), addr("10.0.0.300"), addr("10.0.0.1")),
				slice("b", discoveryv1.AddressTypeIPv6, http, addr("10.0.0.2"), addr("::ffff:10.0.0.3"), addr("fe80::1"), addr("::1"), addr("fd00::2")),
				slice("c", discoveryv1.AddressTypeFQDN, http, addr("example.com")),
			},
			portName: "http",
			want:     []model.Endpoint{kubetest.Endpoint("10.0.0.1:8080", "", ""), kubetest.Endpoint("[fd00::2]:8080", "", "")},
		},
		{
			name: "a duplicate keeps its best state whatever the slice order",
			slices: []*discoveryv1.EndpointSlice{
				slice("z", discoveryv1.AddressTypeIPv4, http, discoveryv1.Endpoint{Addresses: []string{"10.0.0.1"}, Conditions: discoveryv1.EndpointConditions{Ready: kubetest.Ptr(true)}, NodeName: kubetest.Ptr("new")}),
				slice("a", discoveryv1.AddressTypeIPv4, http, discoveryv1.Endpoint{Addresses: []string{"10.0.0.1"}, Conditions: discoveryv1.EndpointConditions{Ready: kubetest.Ptr(false), Terminating: kubetest.Ptr(true)}, NodeName: kubetest.Ptr("old")}),
			},
			portName: "http",
			want:     []model.Endpoint{kubetest.Endpoint("10.0.0.1:8080", "new", "")},
		},
		{
			name: "the same address on different ports is two endpoints",
			slices: []*discoveryv1.EndpointSlice{
				slice("a", discoveryv1.AddressTypeIPv4, http, addr("10.0.0.1")),
				slice("b", discoveryv1.AddressTypeIPv4, []discoveryv1.EndpointPort{port("http", 8081)}, addr("10.0.0.1")),
			},
			portName: "http",
			want:     []model.Endpoint{kubetest.Endpoint("10.0.0.1:8080", "", ""), kubetest.Endpoint("10.0.0.1:8081", "", "")},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := sliceEndpoints(tc.slices, tc.portName, nil)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestRefusedAddrsAllowsUsableOnly(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr string
		want bool
	}{
		{"10.0.0.1", true},
		{"192.0.2.1", true},
		{"2001:db8::1", true},
		{"::ffff:10.0.0.1", true},
		{"127.0.0.1", false},
		{"::ffff:127.0.0.1", false},
		{"::1", false},
		{"0.0.0.0", false},
		{"::", false},
		{"169.254.169.254", false},
		{"fe80::1", false},
		{"fe80::1%eth0", false},
		{"224.0.0.1", false},
		{"ff02::1", false},
	}
	for _, tc := range tests {
		t.Run(tc.addr, func(t *testing.T) {
			t.Parallel()
			if got := (refusedAddrs{}).allows(netip.MustParseAddr(tc.addr)); got != tc.want {
				t.Errorf("allows(%s) = %v, want %v", tc.addr, got, tc.want)
			}
		})
	}
}
