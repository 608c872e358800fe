package kube_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"testing"
	"time"

	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/firsthop/firsthop/kube"
	"github.com/firsthop/firsthop/kube/internal/kubetest"
	"github.com/firsthop/firsthop/proxy"
)

// scaleObjects returns a cluster of n Ingresses, each routing its own host
// to its own Service, whose one EndpointSlice holds per endpoints spread
// over 50 nodes in 3 zones: n*per endpoints in all.
func scaleObjects(n, per int) []runtime.Object {
	objs := []runtime.Object{kubetest.Class(kubetest.ClassName, false)}
	for i := range n {
		ns, name := fmt.Sprintf("ns-%d", i%100), fmt.Sprintf("app-%d", i)
		objs = append(objs, kubetest.Service(ns, name), kubetest.Ingress(ns, name, name+".example.com", "/", name))
		objs = append(objs, scaleSlice(ns, name, i, per, 0))
	}
	return objs
}

// scaleSlice is the EndpointSlice of Service ns/name (the i-th): per
// endpoints at addresses that differ with generation gen.
func scaleSlice(ns, name string, i, per, gen int) *discoveryv1.EndpointSlice {
	s := kubetest.Slice(ns, name+"-1", name, discoveryv1.AddressTypeIPv4)
	for j := range per {
		a := netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), byte(j + gen*per%200)})
		node, zone := fmt.Sprintf("node-%d", (i+j)%50), fmt.Sprintf("zone-%d", (i+j)%3)
		s.Endpoints = append(s.Endpoints, discoveryv1.Endpoint{
			Addresses:  []string{a.String()},
			Conditions: discoveryv1.EndpointConditions{Ready: kubetest.Ptr(true)},
			NodeName:   &node, Zone: &zone,
		})
	}
	return s
}

// BenchmarkEndpointSliceUpdate measures what the controller does when one
// EndpointSlice of a large cluster changes (5,000 Ingresses and Services,
// 50,000 endpoints): recompute that Service's endpoints, make the table
// spec, compare it with the last one and publish it to a proxy.Server.
// The informer is bypassed (the slice is replaced in its cache) so that
// only the controller's and the data plane's work is timed. It also
// reports the time of the first full build.
func BenchmarkEndpointSliceUpdate(b *testing.B) {
	const n, per = 5000, 10
	client := fake.NewClientset(scaleObjects(n, per)...)
	srv := proxy.NewServer(proxy.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	c, err := kube.NewController(kube.Config{Client: client, Publisher: srv, Processors: ingressOnly(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stop, err := c.StartCaches(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		cancel() // the informers stop on this; stop waits for them
		stop()
	}()
	start := time.Now()
	c.Build()
	first := time.Since(start)
	if got := len(c.LastTable().Backends); got != n {
		b.Fatalf("%d backends in the first table, want %d", got, n)
	}

	b.ResetTimer()
	for i := range b.N {
		if err := c.ReplaceSlice(scaleSlice("ns-7", "app-7", 7, per, i+1)); err != nil {
			b.Fatal(err)
		}
		before := c.Stats().Publishes
		c.BuildMarked()
		if c.Stats().Publishes != before+1 {
			b.Fatal("the update was not published")
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(first.Milliseconds()), "first-build-ms")
}
