package gateway

import (
	"errors"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/firsthop/firsthop/kube/internal/kubetest"
	"github.com/firsthop/firsthop/kube/resolve"
	"github.com/firsthop/firsthop/model"
)

func TestClusterResolverService(t *testing.T) {
	t.Parallel()
	odd, ws := "example.com/custom", "kubernetes.io/ws"
	svc := kubetest.Service("ns", "web")
	svc.Spec.Ports = append(svc.Spec.Ports,
		corev1.ServicePort{Name: "odd", Port: 81, AppProtocol: &odd},
		corev1.ServicePort{Name: "ws", Port: 82, AppProtocol: &ws})
	r := resolve.New(resolve.Cluster{Services: []*corev1.Service{svc}}, resolve.Options{}, nil)
	tests := []struct {
		name    string
		svc     string
		port    int32
		wantErr error
		proto   model.BackendProtocol
	}{
		{name: "a Service port", svc: "web", port: 80, proto: model.ProtocolHTTP1},
		{name: "WebSocket is HTTP/1.1", svc: "web", port: 82, proto: model.ProtocolHTTP1},
		{name: "no such Service", svc: "nope", port: 80, wantErr: ErrNotFound},
		{name: "no such port", svc: "web", port: 8080, wantErr: ErrNotFound},
		{name: "an appProtocol firsthop does not speak", svc: "web", port: 81, wantErr: ErrUnsupportedProtocol},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cr := newClusterResolver(r)
			b, err := cr.Service("ns", tc.svc, tc.port)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("error %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil || b.Protocol != tc.proto {
				t.Fatalf("Service = %+v, %v; want protocol %s", b, err, tc.proto)
			}
			// The translator may name it for h2c (a GRPCRoute's): the
			// part's backend is the same Service port, spoken as asked.
			h2c := model.Backend{Name: BackendName("ns", tc.svc, tc.port, true), Protocol: model.ProtocolH2C}
			rb, ok := cr.backend(h2c)
			if !ok || rb.Name != h2c.Name || rb.Protocol != model.ProtocolH2C {
				t.Fatalf("backend(%s) = %+v, %v", h2c.Name, rb, ok)
			}
			if svc, fromSlices := rb.Service(); !fromSlices || svc.Name != tc.svc {
				t.Errorf("its endpoints come from %v (%v), want Service %s", svc, fromSlices, tc.svc)
			}
		})
	}
	if _, ok := newClusterResolver(r).backend(model.Backend{Name: "gateway:ns/web:80"}); ok {
		t.Error("a backend never resolved was found")
	}
}
