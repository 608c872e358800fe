package config

import (
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/clientip"
	"github.com/firsthop/firsthop/proxy/listen"
)

// mustParse parses a file that must have no errors.
func mustParse(t *testing.T, name string, data []byte, opts Options) *Config {
	t.Helper()
	cfg, err := Parse(name, data, opts)
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return cfg
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := readFileErr(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

var readFileErr = os.ReadFile

func prefixes(s ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(s))
	for i, p := range s {
		out[i] = netip.MustParsePrefix(p)
	}
	return out
}

// TestDefaults checks every default on the smallest useful file.
func TestDefaults(t *testing.T) {
	t.Parallel()
	const file = `listeners: [{name: web, address: 127.0.0.1:8080}]
routes: [{paths: [{path: /, backend: b}]}]
backends: [{name: b, endpoints: [{address: 127.0.0.1:9000}]}]
`
	got := mustParse(t, "defaults.yaml", []byte(file), Options{})
	want := &Config{
		Admin: Admin{Address: "127.0.0.1:9901"},
		Listeners: []Listener{{
			Name:          "web",
			Address:       "127.0.0.1:8080",
			ProxyProtocol: listen.Policy{Mode: listen.ModeOff, HeaderTimeout: 5 * time.Second},
		}},
		Table: model.TableSpec{
			// X-Forwarded-For only: Forwarded is read only when listed.
			ClientIP: clientip.Policy{Headers: []clientip.Header{clientip.HeaderXForwardedFor}},
			Headers:  model.ForwardedHeaders{XForwardedFor: model.HeaderAppend, Forwarded: model.HeaderAppend, XRealIP: true},
			Routes:   []model.Route{{Path: "/", PathType: model.PathPrefix, Backend: "b"}},
			Backends: []model.Backend{{
				Name:      "b",
				Locality:  model.LocalityPreferLocal,
				Endpoints: []model.Endpoint{{Addr: netip.MustParseAddrPort("127.0.0.1:9000")}},
			}},
		},
		Files: []string{"defaults.yaml"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Parse =\n%+v\nwant\n%+v", got, want)
	}
}

// TestFullFile checks every key set to a value other than its default, and
// the normalisation of hosts, prefixes and addresses.
func TestFullFile(t *testing.T) {
	t.Parallel()
	got := mustParse(t, "full.yaml", readFile(t, "testdata/full.yaml"), Options{})
	want := &Config{
		Node:  "node-a",
		Zone:  "zone-1",
		Admin: Admin{Address: "[::1]:9000"},
		Listeners: []Listener{
			{
				Name:       "public",
				Address:    "0.0.0.0:8080",
				PublicPort: 80,
				ProxyProtocol: listen.Policy{
					Mode:          listen.ModeRequired,
					TrustedCIDRs:  prefixes("10.0.0.0/8", "2001:db8::/32", "192.168.1.7/32"),
					HeaderTimeout: 250 * time.Millisecond,
				},
				AccessLog: true,
			},
			{Name: "internal", Address: "[::1]:8081", ProxyProtocol: listen.Policy{HeaderTimeout: 5 * time.Second}},
		},
		Table: model.TableSpec{
			Node: "node-a",
			Zone: "zone-1",
			ClientIP: clientip.Policy{
				TrustedProxies: prefixes("10.0.0.0/8", "172.16.0.0/12"),
				Headers:        []clientip.Header{clientip.HeaderXForwardedFor},
			},
			Headers: model.ForwardedHeaders{XForwardedFor: model.HeaderReplace, Forwarded: model.HeaderOff, XRealIP: false},
			Routes: []model.Route{
				{Host: "app.example.com", Path: "/api", PathType: model.PathExact, Backend: "api"},
				{Host: "app.example.com", Path: "/", PathType: model.PathPrefix, Backend: "web"},
				{Host: "*.example.com", Path: "/static/", PathType: model.PathPrefix, Backend: "web"},
			},
			Backends: []model.Backend{
				{
					Name:     "api",
					Locality: model.LocalityLocal,
					Endpoints: []model.Endpoint{
						{Addr: netip.MustParseAddrPort("10.0.1.15:8080"), Node: "node-a", Zone: "zone-1"},
						{Addr: netip.MustParseAddrPort("[2001:db8::15]:8080"), Node: "node-b"},
					},
					ConnectTimeout:        2 * time.Second,
					ResponseHeaderTimeout: 90 * time.Second,
				},
				{Name: "web", Locality: model.LocalityCluster, Endpoints: []model.Endpoint{{Addr: netip.MustParseAddrPort("10.0.2.1:80")}}},
				{Name: "fallback", Locality: model.LocalityPreferLocal, Echo: true},
			},
			DefaultBackend: "fallback",
		},
		Files: []string{"full.yaml"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Parse =\n%+v\nwant\n%+v", got, want)
	}
}

// TestDesignExample parses the config file example of DESIGN.md, kept
// verbatim in testdata/design.yaml: it must parse with no warnings.
func TestDesignExample(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, "design.yaml", readFile(t, "testdata/design.yaml"), Options{})
	if len(cfg.Warnings) > 0 {
		t.Errorf("warnings: %v", cfg.Warnings)
	}
	l := cfg.Listeners[0]
	if l.Name != "public" || l.Address != "0.0.0.0:8080" || l.ProxyProtocol.Mode != listen.ModeOptional ||
		!reflect.DeepEqual(l.ProxyProtocol.TrustedCIDRs, prefixes("10.0.0.0/8")) || l.ProxyProtocol.HeaderTimeout != 5*time.Second {
		t.Errorf("listener = %+v", l)
	}
	if cfg.Table.Node != "node-a" || cfg.Table.Zone != "zone-1" {
		t.Errorf("table node/zone = %q/%q, want node-a/zone-1", cfg.Table.Node, cfg.Table.Zone)
	}
	wantRoutes := []model.Route{{Host: "app.example.com", Path: "/api", PathType: model.PathPrefix, Backend: "api"}}
	if !reflect.DeepEqual(cfg.Table.Routes, wantRoutes) {
		t.Errorf("routes = %+v, want %+v", cfg.Table.Routes, wantRoutes)
	}
	if b := cfg.Table.Backends; len(b) != 1 || len(b[0].Endpoints) != 2 || b[0].Endpoints[1].Node != "node-b" {
		t.Errorf("backends = %+v", b)
	}
}

// TestDesignExampleIsVerbatim checks that testdata/design.yaml is still the
// example in DESIGN.md, when DESIGN.md is where the project keeps it.
func TestDesignExampleIsVerbatim(t *testing.T) {
	t.Parallel()
	var doc []byte
	for _, p := range []string{"../DESIGN.md", "../../shared/DESIGN.md"} {
		if b, err := os.ReadFile(p); err == nil {
			doc = b
			break
		}
	}
	if doc == nil {
		t.Skip("DESIGN.md not found next to the module")
	}
	_, after, ok := strings.Cut(string(doc), "## Config file")
	if !ok {
		t.Fatal(`DESIGN.md has no "## Config file" section`)
	}
	_, block, ok := strings.Cut(after, "```yaml\n")
	if !ok {
		t.Fatal("no yaml block in the Config file section")
	}
	block, _, _ = strings.Cut(block, "```")
	if got := string(readFile(t, "testdata/design.yaml")); got != block {
		t.Errorf("testdata/design.yaml differs from DESIGN.md:\n%s\nwant\n%s", got, block)
	}
}

// TestStandaloneExample parses examples/standalone.yaml, the file new users
// read first: no errors, no warnings, one listener, the echo backend.
func TestStandaloneExample(t *testing.T) {
	t.Parallel()
	path := filepath.Join("..", "examples", "standalone.yaml")
	cfg := mustParse(t, path, readFile(t, path), Options{})
	if len(cfg.Warnings) > 0 {
		t.Errorf("warnings: %v", cfg.Warnings)
	}
	wantListeners := []Listener{{Name: "public", Address: "127.0.0.1:8080", ProxyProtocol: listen.Policy{HeaderTimeout: 5 * time.Second}}}
	if !reflect.DeepEqual(cfg.Listeners, wantListeners) {
		t.Errorf("listeners = %+v, want %+v", cfg.Listeners, wantListeners)
	}
	if cfg.Admin.Address != "127.0.0.1:9901" {
		t.Errorf("admin address %q", cfg.Admin.Address)
	}
	if len(cfg.Table.ClientIP.TrustedProxies) != 0 {
		t.Errorf("trusted proxies %v, want none", cfg.Table.ClientIP.TrustedProxies)
	}
	wantTable := model.TableSpec{
		Node:     "demo", // so that /healthz/local answers 200
		ClientIP: clientip.Policy{TrustedProxies: nil, Headers: []clientip.Header{clientip.HeaderXForwardedFor}},
		Headers:  model.ForwardedHeaders{XForwardedFor: model.HeaderAppend, Forwarded: model.HeaderAppend, XRealIP: true},
		Routes:   []model.Route{{Path: "/", PathType: model.PathPrefix, Backend: "echo"}},
		Backends: []model.Backend{{Name: "echo", Locality: model.LocalityPreferLocal, Echo: true}},
	}
	if !reflect.DeepEqual(cfg.Table, wantTable) {
		t.Errorf("table =\n%+v\nwant\n%+v", cfg.Table, wantTable)
	}
}

// TestIngressMode checks that Kubernetes mode accepts a file without
// listeners, routes or backends, and keeps the rest.
func TestIngressMode(t *testing.T) {
	t.Parallel()
	const file = "clientIP: {trustedProxies: [10.0.0.0/8]}\nroutes:\n"
	cfg := mustParse(t, "ingress.yaml", []byte(file), Options{Ingress: true})
	if len(cfg.Listeners) != 0 || len(cfg.Table.Routes) != 0 {
		t.Errorf("config = %+v", cfg)
	}
	if !reflect.DeepEqual(cfg.Table.ClientIP.TrustedProxies, prefixes("10.0.0.0/8")) {
		t.Errorf("trusted proxies = %v", cfg.Table.ClientIP.TrustedProxies)
	}
}

// TestLineEndings checks that CRLF line endings and a byte order mark
// parse, and that positions are still right.
func TestLineEndings(t *testing.T) {
	t.Parallel()
	good := "\ufeffnode: a\r\nlisteners:\r\n  - {name: a, address: 127.0.0.1:80}\r\n"
	if cfg := mustParse(t, "crlf.yaml", []byte(good), Options{}); cfg.Node != "a" || len(cfg.Listeners) != 1 {
		t.Errorf("config = %+v", cfg)
	}
	_, err := Parse("crlf.yaml", []byte(good+"zone: [z]\r\n"), Options{})
	if err == nil || err.Error() != "crlf.yaml:4:7: zone: want a name, got a list" {
		t.Errorf("error = %v, want crlf.yaml:4:7: zone: want a name, got a list", err)
	}
}

// TestLargeFile checks that a file with many routes parses whole.
func TestLargeFile(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, "large.yaml", []byte(largeFile(50, 500)), Options{})
	if len(cfg.Listeners) != 50 || len(cfg.Table.Routes) != 500 || len(cfg.Table.Backends) != 500 || len(cfg.Warnings) != 0 {
		t.Errorf("%d listeners, %d routes, %d backends, warnings %v", len(cfg.Listeners), len(cfg.Table.Routes), len(cfg.Table.Backends), cfg.Warnings)
	}
}

// TestNullIsUnset checks that a key set to null keeps its default.
func TestNullIsUnset(t *testing.T) {
	t.Parallel()
	const file = "listeners: [{name: a, address: 127.0.0.1:80, proxyProtocol: ~}]\nadmin: {address: }\nclientIP: {sources: null}\nnode:\n"
	cfg := mustParse(t, "null.yaml", []byte(file), Options{})
	if cfg.Admin.Address != DefaultAdminAddress || !slices.Equal(cfg.Table.ClientIP.Headers, defaultSources()) || cfg.Node != "" {
		t.Errorf("config = %+v", cfg)
	}
}
