package config_test

import (
	"fmt"
	"net/http"
	"net/netip"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/firsthop/firsthop/config"
	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy"
	"github.com/firsthop/firsthop/proxy/clientip"
	"github.com/firsthop/firsthop/proxy/listen"
)

// examplesDir holds the example configuration files, relative to this
// package.
const examplesDir = "../examples"

// loadExample loads an example as `firsthop validate` does: config.Load,
// then proxy.NewTable. It fails t on an error or a lint warning.
func loadExample(t *testing.T, path string) *config.Config {
	t.Helper()
	cfg, err := config.Load(path, config.Options{})
	if err != nil {
		t.Fatalf("config.Load(%s): %v", path, err)
	}
	for _, w := range cfg.Warnings {
		t.Errorf("lint warning: %s", w)
	}
	if _, err := proxy.NewTable(cfg.Table); err != nil {
		t.Fatalf("proxy.NewTable(%s): %v", path, err)
	}
	return cfg
}

// TestExampleFiles loads every examples/*.yaml: each must give no error
// and no lint warning, and a table the proxy accepts. A new example is
// covered by being in the directory.
func TestExampleFiles(t *testing.T) {
	t.Parallel()
	paths, err := filepath.Glob(filepath.Join(examplesDir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// The glob must at least find these, so that a moved directory cannot
	// make the test pass on nothing.
	for _, want := range []string{"standalone.yaml", "standalone-nlb.yaml", "standalone-cdn.yaml", "standalone-direct.yaml", "routing.yaml", "edge.yaml"} {
		if !slices.Contains(paths, filepath.Join(examplesDir, want)) {
			t.Errorf("%s not found in %s (found %v)", want, examplesDir, paths)
		}
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			cfg := loadExample(t, path)
			if len(cfg.Listeners) == 0 || len(cfg.Table.Routes) == 0 {
				t.Errorf("%d listeners, %d routes: an example should serve something", len(cfg.Listeners), len(cfg.Table.Routes))
			}
		})
	}
}

// request is a connection and the forwarding headers it carries, as the
// client-IP resolver sees them.
type request struct {
	name string
	// start is the peer, or the PROXY header's source when viaProxy.
	start    string
	viaProxy bool
	header   http.Header
	want     string
}

// TestStandaloneExamplesTrust checks that each standalone-*.yaml example
// does what its comments promise: who may send a PROXY header, whose
// forwarding headers are believed, and the client IP the backend gets for
// honest and forged requests.
func TestStandaloneExamplesTrust(t *testing.T) {
	t.Parallel()
	forged := http.Header{"X-Forwarded-For": {"6.6.6.6"}, "Forwarded": {"for=6.6.6.6"}}
	cases := []struct {
		name string
		file string
		// mode is the PROXY protocol mode of every listener.
		mode listen.Mode
		// proxyFrom are addresses that may send a PROXY header; notProxyFrom
		// may not.
		proxyFrom, notProxyFrom []string
		// trusted and untrusted are tested against clientIP.trustedProxies.
		trusted, untrusted []string
		headers            []clientip.Header
		xff, forwarded     model.HeaderMode
		requests           []request
	}{
		{
			name:         "behind an NLB: PROXY v2 required from its subnet, nothing else trusted",
			file:         "standalone-nlb.yaml",
			mode:         listen.ModeRequired,
			proxyFrom:    []string{"10.0.0.5", "10.0.255.254"},
			notProxyFrom: []string{"10.1.0.5", "203.0.113.7", "::1"},
			untrusted:    []string{"10.0.0.5", "203.0.113.7"},
			headers:      []clientip.Header{clientip.HeaderXForwardedFor},
			xff:          model.HeaderAppend,
			forwarded:    model.HeaderAppend,
			requests: []request{
				{name: "client from the PROXY header", start: "203.0.113.7", viaProxy: true, want: "203.0.113.7"},
				{name: "client's forged headers ignored", start: "203.0.113.7", viaProxy: true, header: forged, want: "203.0.113.7"},
			},
		},
		{
			name:         "behind a CDN: its ranges trusted, X-Forwarded-For only",
			file:         "standalone-cdn.yaml",
			mode:         listen.ModeOff,
			notProxyFrom: []string{"198.51.100.20", "10.0.0.5"},
			trusted:      []string{"198.51.100.20", "203.0.113.200", "2001:db8:cd12::1"},
			untrusted:    []string{"192.0.2.7", "10.0.0.5", "2001:db8:ce00::1"},
			headers:      []clientip.Header{clientip.HeaderXForwardedFor},
			xff:          model.HeaderAppend,
			forwarded:    model.HeaderAppend,
			requests: []request{
				{name: "client from the CDN's entry", start: "198.51.100.20",
					header: http.Header{"X-Forwarded-For": {"6.6.6.6, 192.0.2.7"}}, want: "192.0.2.7"},
				{name: "two CDN hops skipped", start: "198.51.100.20",
					header: http.Header{"X-Forwarded-For": {"192.0.2.7, 203.0.113.200"}}, want: "192.0.2.7"},
				{name: "Forwarded passed on by the CDN not read", start: "198.51.100.20",
					header: http.Header{"Forwarded": {"for=6.6.6.6"}}, want: "198.51.100.20"},
				{name: "client bypassing the CDN not believed", start: "192.0.2.7", header: forged, want: "192.0.2.7"},
			},
		},
		{
			name:         "internet-facing: nothing trusted, replace mode",
			file:         "standalone-direct.yaml",
			mode:         listen.ModeOff,
			notProxyFrom: []string{"192.0.2.7", "127.0.0.1"},
			untrusted:    []string{"192.0.2.7", "10.0.0.5", "127.0.0.1", "::1"},
			headers:      []clientip.Header{},
			xff:          model.HeaderReplace,
			forwarded:    model.HeaderReplace,
			requests: []request{
				{name: "client is the peer", start: "192.0.2.7", want: "192.0.2.7"},
				{name: "forged headers ignored", start: "192.0.2.7", header: forged, want: "192.0.2.7"},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := loadExample(t, filepath.Join(examplesDir, tc.file))
			for _, l := range cfg.Listeners {
				pp := l.ProxyProtocol
				if pp.Mode != tc.mode {
					t.Errorf("listener %s: proxyProtocol.mode %v, want %v", l.Name, pp.Mode, tc.mode)
				}
				for _, a := range tc.proxyFrom {
					if !inAny(pp.TrustedCIDRs, a) {
						t.Errorf("listener %s: %s may not send a PROXY header (trustedCIDRs %v)", l.Name, a, pp.TrustedCIDRs)
					}
				}
				for _, a := range tc.notProxyFrom {
					if pp.Mode != listen.ModeOff && inAny(pp.TrustedCIDRs, a) {
						t.Errorf("listener %s: %s may send a PROXY header (trustedCIDRs %v)", l.Name, a, pp.TrustedCIDRs)
					}
				}
			}
			policy := &cfg.Table.ClientIP
			for _, a := range tc.trusted {
				if !policy.Trusted(netip.MustParseAddr(a)) {
					t.Errorf("%s not in trustedProxies %v", a, policy.TrustedProxies)
				}
			}
			for _, a := range tc.untrusted {
				if policy.Trusted(netip.MustParseAddr(a)) {
					t.Errorf("%s in trustedProxies %v", a, policy.TrustedProxies)
				}
			}
			if !slices.Equal(policy.Headers, tc.headers) {
				t.Errorf("clientIP.sources %v, want %v", policy.Headers, tc.headers)
			}
			h := cfg.Table.Headers
			if h.XForwardedFor != tc.xff || h.Forwarded != tc.forwarded || !h.XRealIP {
				t.Errorf("forwardedHeaders %+v, want xForwardedFor %v, forwarded %v, xRealIP", h, tc.xff, tc.forwarded)
			}
			for _, r := range tc.requests {
				source := clientip.SourcePeer
				if r.viaProxy {
					source = clientip.SourceProxyProtocol
				}
				got := policy.Resolve(netip.MustParseAddr(r.start), source, r.header, nil)
				if got.Client != netip.MustParseAddr(r.want) {
					t.Errorf("%s: client %v (from %v), want %s", r.name, got.Client, got.Source, r.want)
				}
			}
		})
	}
}

// inAny reports whether addr lies in one of prefixes.
func inAny(prefixes []netip.Prefix, addr string) bool {
	a := netip.MustParseAddr(addr)
	for _, p := range prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// TestRoutingExample checks that examples/routing.yaml does what its
// comments promise: plain HTTP only redirects to https, the canary header
// picks v2, everyone else is split 90/10, /api is rewritten to /v1 and
// /.git answered 404 by firsthop.
func TestRoutingExample(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load(filepath.Join(examplesDir, "routing.yaml"), config.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Warnings) > 0 {
		t.Errorf("warnings: %v", cfg.Warnings)
	}
	scopes := map[string]string{}
	for _, l := range cfg.Listeners {
		scopes[l.Name] = l.Scope
	}
	if scopes["public"] != "" || scopes["plain-http"] != "plain-http" {
		t.Errorf("listener scopes %v, want public in the default scope and plain-http in its own", scopes)
	}
	byScope := map[string][]model.Route{}
	for _, r := range cfg.Table.Routes {
		byScope[r.Scope] = append(byScope[r.Scope], r)
	}
	plain := byScope["plain-http"]
	if len(plain) != 1 || plain[0].Path != "/" || plain[0].Redirect == nil ||
		*plain[0].Redirect != (model.Redirect{Scheme: "https", Status: http.StatusMovedPermanently}) {
		t.Errorf("plain-http routes %+v, want one redirect of / to https with 301", plain)
	}
	find := func(path string, headers int) *model.Route {
		for i, r := range byScope[""] {
			if r.Path == path && len(r.Headers) == headers {
				return &byScope[""][i]
			}
		}
		t.Fatalf("no route for %s with %d header matches", path, headers)
		return nil
	}
	versionSet := func(hm *model.HeaderModifier) string {
		if hm == nil || len(hm.Set) != 1 || hm.Set[0].Name != "X-Shop-Version" {
			return fmt.Sprintf("%+v", hm)
		}
		return hm.Set[0].Value
	}
	canary := find("/shop", 1)
	if canary.Headers[0] != (model.HeaderMatch{Name: "X-Canary", Type: model.MatchExact, Value: "always"}) ||
		canary.Backend != "shop-v2" || versionSet(canary.RequestHeaders) != "v2" {
		t.Errorf("canary route %+v, want X-Canary: always to shop-v2 with X-Shop-Version v2", canary)
	}
	split := find("/shop", 0).Split
	if len(split) != 2 || split[0].Backend != "shop-v1" || split[0].Weight != 90 || versionSet(split[0].RequestHeaders) != "v1" ||
		split[1].Backend != "shop-v2" || split[1].Weight != 10 || versionSet(split[1].RequestHeaders) != "v2" {
		t.Errorf("split %+v, want shop-v1 90 (v1), shop-v2 10 (v2)", split)
	}
	api := find("/api", 0)
	if api.Backend != "api" || api.Rewrite == nil || api.Rewrite.Host != "" || api.Rewrite.Path == nil ||
		*api.Rewrite.Path != (model.PathRewrite{Type: model.RewritePrefix, Value: "/v1"}) {
		t.Errorf("/api route %+v, want backend api with the prefix rewritten to /v1", api)
	}
	if api.Timeout != 30*time.Second || api.BackendTimeout != 10*time.Second {
		t.Errorf("/api timeouts %v, %v, want 30s, 10s", api.Timeout, api.BackendTimeout)
	}
	git := find("/.git", 0)
	if git.Respond == nil || git.Respond.Status != http.StatusNotFound || git.Backend != "" {
		t.Errorf("/.git route %+v, want a direct 404", git)
	}
}

// TestEdgeExample checks that examples/edge.yaml does what its comments
// promise: /private asks for the users of edge.htpasswd, /api answers CORS
// for app.example.com and its subdomains and limits bodies to 1 MiB,
// /u/... is a regular expression rewritten to /users/..., /account is
// redirected to https unless the trusted proxy on 127.0.0.1 says https,
// and the htpasswd file is watched.
func TestEdgeExample(t *testing.T) {
	t.Parallel()
	cfg := loadExample(t, filepath.Join(examplesDir, "edge.yaml"))
	routes := map[string]model.Route{}
	for _, r := range cfg.Table.Routes {
		routes[r.Path] = r
	}
	private := routes["/private"].BasicAuth
	if private == nil || private.Realm != "Staff" || len(private.Users) != 1 || private.Users[0].Name != "demo" {
		t.Errorf("/private basic auth %+v, want realm Staff and the user demo", private)
	}
	if !slices.Contains(cfg.Files, filepath.Join(examplesDir, "edge.htpasswd")) {
		t.Errorf("Files %q: edge.htpasswd is not watched", cfg.Files)
	}
	api := routes["/api"]
	if api.MaxRequestBodyBytes != 1<<20 || api.CORS == nil ||
		!slices.Equal(api.CORS.AllowOrigins, []string{"https://app.example.com", "https://*.app.example.com"}) ||
		!api.CORS.AllowCredentials || api.CORS.MaxAge != 10*time.Minute {
		t.Errorf("/api route %+v (CORS %+v), want 1 MiB and CORS for app.example.com with credentials", api, api.CORS)
	}
	short := routes["/u/([a-z0-9-]+)(/.*)?"]
	if short.PathType != model.PathRegex || short.Rewrite == nil || short.Rewrite.Path == nil ||
		*short.Rewrite.Path != (model.PathRewrite{Type: model.RewriteRegex, Value: "/users/$1$2"}) {
		t.Errorf("short link route %+v, want a RegularExpression path rewritten to /users/$1$2", short)
	}
	re, err := model.CompileRegexPath(short.Path)
	if err != nil {
		t.Fatal(err)
	}
	const link = "/u/alice/photos"
	if got := model.ExpandRegexRewrite(short.Rewrite.Path.Value, link, re.FindStringSubmatchIndex(link)); got != "/users/alice/photos" {
		t.Errorf("%s is sent as %s, want /users/alice/photos", link, got)
	}
	if hr := routes["/account"].HTTPSRedirect; hr == nil || *hr != (model.HTTPSRedirect{}) {
		t.Errorf("/account https redirect %+v, want the default (308 to port 443)", hr)
	}
	if !cfg.Table.ClientIP.Trusted(netip.MustParseAddr("127.0.0.1")) || cfg.Table.ClientIP.Trusted(netip.MustParseAddr("127.0.0.2")) {
		t.Errorf("trustedProxies %v, want 127.0.0.1 alone", cfg.Table.ClientIP.TrustedProxies)
	}
}
