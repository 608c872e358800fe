package resolve

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func TestServicePort(t *testing.T) {
	t.Parallel()
	h2c := "kubernetes.io/h2c"
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "web"},
		Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{
			{Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP},
			{Name: "grpc", Port: 9000, AppProtocol: &h2c},
		}},
	}
	r := New(Cluster{Services: []*corev1.Service{svc}}, Options{}, nil)
	web := types.NamespacedName{Namespace: "ns", Name: "web"}
	tests := []struct {
		name string
		svc  types.NamespacedName
		port Port
		want string // the port's name; "" for none
	}{
		{name: "by number", svc: web, port: Port{Number: 9000}, want: "grpc"},
		{name: "by name", svc: web, port: Port{Name: "grpc"}, want: "grpc"},
		{name: "a UDP port is not served", svc: web, port: Port{Number: 53}},
		{name: "no such port", svc: web, port: Port{Number: 80}},
		{name: "no such Service", svc: types.NamespacedName{Namespace: "ns", Name: "nope"}, port: Port{Number: 9000}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sp, ok := r.ServicePort(tc.svc, tc.port)
			if ok != (tc.want != "") || sp.Name != tc.want {
				t.Errorf("ServicePort = %q, %v; want %q", sp.Name, ok, tc.want)
			}
		})
	}
}
