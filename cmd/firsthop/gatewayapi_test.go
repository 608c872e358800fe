package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	fakediscovery "k8s.io/client-go/discovery/fake"
	kubefake "k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

func TestGatewayOptions(t *testing.T) {
	t.Parallel()
	f := ingressFlags{gatewayControllerName: "example.com/gw", gatewayAddresses: "198.51.100.48/28", watchNamespace: "ns"}
	o, on, err := f.gatewayOptions()
	if err != nil || !on || o.ControllerName != "example.com/gw" || o.Pool.String() != "198.51.100.48/28" || o.WatchNamespace != "ns" {
		t.Errorf("gatewayOptions = %+v, %v, %v", o, on, err)
	}
	if _, on, err := (&ingressFlags{}).gatewayOptions(); on || err != nil {
		t.Errorf("no controller name: on %v, %v; want off", on, err)
	}
	bad := ingressFlags{gatewayControllerName: "x", gatewayAddresses: "198.51.100.49/28"}
	if _, _, err := bad.gatewayOptions(); err == nil || !strings.Contains(err.Error(), "--gateway-addresses") {
		t.Errorf("a pool with host bits: %v", err)
	}
}

func TestGatewayAPIServed(t *testing.T) {
	t.Parallel()
	all := []metav1.APIResource{{Name: "gatewayclasses"}, {Name: "gateways"}, {Name: "httproutes"}, {Name: "grpcroutes"}, {Name: "referencegrants"}}
	tests := []struct {
		name      string
		resources []metav1.APIResource
		fails     int // discovery errors before it answers
		want      bool
		log       string
	}{
		{name: "every resource served", resources: all, want: true},
		{name: "no CRDs", log: "not installed"},
		{name: "a resource missing", resources: all[:3], log: "lack resources"},
		{name: "an API server that fails at first", resources: all, fails: 2, want: true},
		{name: "an API server that never answers: assumed served", fails: 1 << 30, want: true, log: "did not say"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cs := kubefake.NewClientset()
			disc := cs.Discovery().(*fakediscovery.FakeDiscovery)
			if tc.resources != nil {
				disc.Resources = []*metav1.APIResourceList{{GroupVersion: "gateway.networking.k8s.io/v1", APIResources: tc.resources}}
			}
			fails := tc.fails
			cs.PrependReactor("get", "resource", func(k8stesting.Action) (bool, runtime.Object, error) {
				if fails > 0 {
					fails--
					return true, nil, errors.New("connection refused")
				}
				return false, nil, nil
			})
			var logs bytes.Buffer
			got := gatewayAPIServed(context.Background(), slog.New(slog.NewTextHandler(&logs, nil)), disc, time.Millisecond, 100*time.Millisecond)
			if got != tc.want {
				t.Errorf("served = %v, want %v", got, tc.want)
			}
			if !strings.Contains(logs.String(), tc.log) {
				t.Errorf("logs %q, want %q", logs.String(), tc.log)
			}
		})
	}
}
