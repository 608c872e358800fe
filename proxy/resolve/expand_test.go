package resolve

import (
	"log/slog"
	"net/netip"
	"reflect"
	"testing"

	"github.com/firsthop/firsthop/model"
)

var quiet = slog.New(slog.DiscardHandler)

func addrs(s ...string) []netip.Addr {
	out := make([]netip.Addr, len(s))
	for i, a := range s {
		out[i] = netip.MustParseAddr(a)
	}
	return out
}

func TestExpand(t *testing.T) {
	t.Parallel()
	admin := netip.MustParseAddrPort("127.0.0.1:9901")
	anyListener := netip.MustParseAddrPort("0.0.0.0:8080")
	self := []netip.AddrPort{admin, anyListener}
	literal := model.Endpoint{Addr: netip.MustParseAddrPort("10.0.0.9:80"), Node: "n0"}
	named := func(host string, port uint16) model.NamedEndpoint {
		return model.NamedEndpoint{Host: host, Port: port, Node: "n1", Zone: "z1"}
	}
	ep := func(ap, host string) model.Endpoint {
		return model.Endpoint{Addr: netip.MustParseAddrPort(ap), Node: "n1", Zone: "z1", ResolvedFrom: host}
	}
	cases := []struct {
		name    string
		backend model.Backend
		answers map[string][]netip.Addr
		want    []model.Endpoint
	}{
		{
			name:    "each address an endpoint with the entry's node and zone",
			backend: model.Backend{Endpoints: []model.Endpoint{literal}, Named: []model.NamedEndpoint{named("api", 80)}},
			answers: map[string][]netip.Addr{"api": addrs("10.0.0.1", "2001:db8::1")},
			want:    []model.Endpoint{literal, ep("10.0.0.1:80", "api"), ep("[2001:db8::1]:80", "api")},
		},
		{
			name:    "a name never resolved adds nothing",
			backend: model.Backend{Endpoints: []model.Endpoint{literal}, Named: []model.NamedEndpoint{named("api", 80)}},
			want:    []model.Endpoint{literal},
		},
		{
			name:    "an address written as an IP is not added again",
			backend: model.Backend{Endpoints: []model.Endpoint{literal}, Named: []model.NamedEndpoint{named("api", 80), named("api2", 80)}},
			answers: map[string][]netip.Addr{"api": addrs("10.0.0.9", "10.0.0.1"), "api2": addrs("10.0.0.1")},
			want:    []model.Endpoint{literal, ep("10.0.0.1:80", "api")},
		},
		{
			name:    "denied addresses are dropped",
			backend: model.Backend{Named: []model.NamedEndpoint{named("evil", 80)}},
			answers: map[string][]netip.Addr{"evil": addrs("127.0.0.1", "::1", "169.254.169.254", "fe80::1", "0.0.0.0", "224.0.0.1",
				"168.63.129.16", "fd00:ec2::254", "::ffff:127.0.0.1", "10.0.0.2")},
			want: []model.Endpoint{ep("10.0.0.2:80", "evil")},
		},
		{
			name:    "allowLoopback lets loopback through, nothing else",
			backend: model.Backend{Named: []model.NamedEndpoint{named("localhost", 9001)}, Resolve: model.ResolvePolicy{AllowLoopback: true}},
			answers: map[string][]netip.Addr{"localhost": addrs("127.0.0.1", "::1", "169.254.169.254", "0.0.0.0")},
			want:    []model.Endpoint{ep("127.0.0.1:9001", "localhost"), ep("[::1]:9001", "localhost")},
		},
		{
			name:    "allowLoopback does not reach the admin address",
			backend: model.Backend{Named: []model.NamedEndpoint{named("localhost", 9901)}, Resolve: model.ResolvePolicy{AllowLoopback: true}},
			answers: map[string][]netip.Addr{"localhost": addrs("127.0.0.1", "127.0.0.2")},
			want:    []model.Endpoint{ep("127.0.0.2:9901", "localhost")},
		},
		{
			name:    "nor a listener bound to every address",
			backend: model.Backend{Named: []model.NamedEndpoint{named("localhost", 8080)}, Resolve: model.ResolvePolicy{AllowLoopback: true}},
			answers: map[string][]netip.Addr{"localhost": addrs("127.0.0.1", "::1", "10.0.0.3")},
			want:    []model.Endpoint{ep("10.0.0.3:8080", "localhost")},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := tc.backend
			b.Name = "b"
			base := model.TableSpec{Backends: []model.Backend{b}}
			got := expand(base, tc.answers, self, quiet)
			if eps := got.Backends[0].Endpoints; !reflect.DeepEqual(eps, tc.want) {
				t.Errorf("endpoints = %+v\nwant        %+v", eps, tc.want)
			}
			if len(base.Backends[0].Endpoints) != len(tc.backend.Endpoints) {
				t.Error("the base spec was modified")
			}
		})
	}
}

// TestExpandKeepsUnnamedBackends: backends without names keep their very
// Endpoints slice (so the table reuses them), and a spec without names is
// returned as it is.
func TestExpandKeepsUnnamedBackends(t *testing.T) {
	t.Parallel()
	plain := model.Backend{Name: "plain", Endpoints: []model.Endpoint{{Addr: netip.MustParseAddrPort("10.0.0.1:80")}}}
	spec := model.TableSpec{Backends: []model.Backend{plain}}
	if got := expand(spec, nil, nil, quiet); &got.Backends[0] != &spec.Backends[0] {
		t.Error("a spec without names was copied")
	}
	spec.Backends = append(spec.Backends, model.Backend{Name: "named", Named: []model.NamedEndpoint{{Host: "api", Port: 80}}})
	got := expand(spec, map[string][]netip.Addr{"api": addrs("10.0.0.2")}, nil, quiet)
	if &got.Backends[0].Endpoints[0] != &plain.Endpoints[0] {
		t.Error("the endpoints of a backend without names were copied")
	}
	if len(got.Backends[1].Endpoints) != 1 || len(spec.Backends[1].Endpoints) != 0 {
		t.Errorf("named backend: got %+v, base %+v", got.Backends[1], spec.Backends[1])
	}
}
