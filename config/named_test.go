package config

import (
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/firsthop/firsthop/model"
)

// TestParseNamedEndpoints: endpoints given by name are kept apart from
// those given by IP, with their node and zone, and the resolve settings
// are read; a backend with names only draws no "no endpoints" warning.
func TestParseNamedEndpoints(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, "named.yaml", []byte(`
listeners: [{name: public, address: 127.0.0.1:8080}]
routes: [{paths: [{path: /, backend: api}, {path: /local, backend: local}]}]
backends:
  - name: api
    resolve: {interval: 10s, timeout: 2s}
    endpoints:
      - {address: 10.0.0.1:9001, node: node-a, zone: zone-1}
      - {address: Api.Internal.:9001, node: node-b, zone: zone-2}
      - {address: "[2001:db8::1]:9001"}
      - {address: api.internal:9002}
  - name: local
    resolve: {allowLoopback: true, interval: 1s}
    endpoints: [{address: localhost:9003}]
`), Options{})
	api, local := cfg.Table.Backends[0], cfg.Table.Backends[1]
	wantEPs := []model.Endpoint{
		{Addr: netip.MustParseAddrPort("10.0.0.1:9001"), Node: "node-a", Zone: "zone-1"},
		{Addr: netip.MustParseAddrPort("[2001:db8::1]:9001")},
	}
	if !reflect.DeepEqual(api.Endpoints, wantEPs) {
		t.Errorf("api endpoints = %+v, want %+v", api.Endpoints, wantEPs)
	}
	wantNamed := []model.NamedEndpoint{
		{Host: "api.internal", Port: 9001, Node: "node-b", Zone: "zone-2"},
		{Host: "api.internal", Port: 9002},
	}
	if !reflect.DeepEqual(api.Named, wantNamed) {
		t.Errorf("api named = %+v, want %+v", api.Named, wantNamed)
	}
	if want := (model.ResolvePolicy{Interval: 10 * time.Second, Timeout: 2 * time.Second}); api.Resolve != want {
		t.Errorf("api resolve = %+v, want %+v", api.Resolve, want)
	}
	if want := (model.ResolvePolicy{AllowLoopback: true, Interval: time.Second}); local.Resolve != want || len(local.Named) != 1 || len(local.Endpoints) != 0 {
		t.Errorf("local = %+v", local)
	}
	if len(cfg.Warnings) != 0 {
		t.Errorf("warnings: %v", cfg.Warnings)
	}
}

// TestHTTPSServerNameFromTheEndpointsName: an https backend whose
// endpoints all come from one DNS name verifies their certificates against
// that name (a certificate seldom lists its IP addresses); tls.serverName
// wins, and a backend with IP endpoints or several names keeps verifying
// against each endpoint's address.
func TestHTTPSServerNameFromTheEndpointsName(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, "tls-names.yaml", []byte(`
listeners: [{name: public, address: 127.0.0.1:8080}]
routes: [{paths: [{path: /a, backend: one}, {path: /b, backend: set}, {path: /c, backend: mixed}, {path: /d, backend: two}, {path: /e, backend: plain}]}]
backends:
  - {name: one, protocol: https, endpoints: [{address: api.internal:443}, {address: api.internal:8443}]}
  - {name: set, protocol: https, tls: {serverName: api.example.com}, endpoints: [{address: api.internal:443}]}
  - {name: mixed, protocol: https, endpoints: [{address: api.internal:443}, {address: 10.0.0.1:443}]}
  - {name: two, protocol: https, endpoints: [{address: a.internal:443}, {address: b.internal:443}]}
  - {name: plain, endpoints: [{address: api.internal:80}]}
`), Options{})
	want := map[string]string{"one": "api.internal", "set": "api.example.com", "mixed": "", "two": "", "plain": ""}
	for _, b := range cfg.Table.Backends {
		if b.TLSServerName != want[b.Name] {
			t.Errorf("backend %s: TLSServerName %q, want %q", b.Name, b.TLSServerName, want[b.Name])
		}
	}
}
