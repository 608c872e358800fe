package config

import (
	"bytes"
	"errors"
	"net/textproto"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/firsthop/firsthop/model"
)

// FuzzParse feeds arbitrary bytes to Parse. It must not panic; an error is
// Errors with positions inside the file; a success is a self-consistent
// configuration.
func FuzzParse(f *testing.F) {
	for _, tc := range slices.Concat(errorCases, routeErrorCases, guardErrorCases) {
		f.Add([]byte(tc.yaml), tc.opts.Ingress)
	}
	f.Add([]byte(issuePolicies), false)
	f.Add([]byte(everyRouteKey), false)
	f.Add([]byte(everyGuardKey), false)
	paths, _ := filepath.Glob("testdata/*.yaml")
	paths = append(paths, filepath.Join("..", "examples", "standalone.yaml"), filepath.Join("..", "examples", "routing.yaml"))
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, false)
		f.Add(data, true)
	}
	f.Fuzz(func(t *testing.T, data []byte, ingress bool) {
		cfg, err := Parse("fuzz.yaml", data, Options{Ingress: ingress})
		lines := bytes.Count(data, []byte("\n")) + 1
		if err != nil {
			if cfg != nil {
				t.Fatal("Config returned with an error")
			}
			var errs Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("error %T %v is not a non-empty Errors", err, err)
			}
			for _, d := range errs {
				checkPosition(t, d, lines)
			}
			return
		}
		for _, d := range cfg.Warnings {
			checkPosition(t, d, lines)
		}
		checkConsistent(t, cfg, ingress)
	})
}

// checkPosition fails unless d is in the fuzzed file and has a position,
// except for the findings that have none by nature.
func checkPosition(t *testing.T, d Diagnostic, lines int) {
	t.Helper()
	if d.File != "fuzz.yaml" || d.Line > lines || d.Line < 0 || d.Column < 0 {
		t.Fatalf("diagnostic %q: bad file or position (file has %d lines)", d, lines)
	}
	switch {
	case d.Message == "the file is empty":
	case strings.HasPrefix(d.Message, "YAML syntax error: "):
		if d.Line == 0 {
			t.Fatalf("syntax error without a line: %s", d)
		}
	case d.Line == 0 || d.Column == 0:
		t.Fatalf("diagnostic without line and column: %s", d)
	}
}

// checkConsistent fails unless cfg is what Parse promises: references
// resolve, nothing is repeated, and values are normalised.
func checkConsistent(t *testing.T, cfg *Config, ingress bool) {
	t.Helper()
	if !ingress && len(cfg.Listeners) == 0 {
		t.Fatal("no listeners in standalone mode")
	}
	if ingress && (len(cfg.Table.Routes) > 0 || len(cfg.Table.Backends) > 0 || cfg.Table.DefaultBackend != "") {
		t.Fatal("routes or backends in ingress mode")
	}
	if cfg.Admin.Address == "" || cfg.Table.Node != cfg.Node || cfg.Table.Zone != cfg.Zone {
		t.Fatalf("admin %q, node %q/%q, zone %q/%q", cfg.Admin.Address, cfg.Node, cfg.Table.Node, cfg.Zone, cfg.Table.Zone)
	}
	names := map[string]bool{}
	for _, l := range cfg.Listeners {
		if names[l.Name] || checkName(l.Name) != nil {
			t.Fatalf("listener name %q repeated or invalid", l.Name)
		}
		names[l.Name] = true
		if l.ProxyProtocol.HeaderTimeout <= 0 {
			t.Fatalf("listener %q header timeout %v", l.Name, l.ProxyProtocol.HeaderTimeout)
		}
		for _, p := range l.ProxyProtocol.TrustedCIDRs {
			if p != p.Masked() || p.Addr().Zone() != "" {
				t.Fatalf("trusted CIDR %v not canonical", p)
			}
		}
	}
	for _, p := range cfg.Table.ClientIP.TrustedProxies {
		if p != p.Masked() || p.Addr().Zone() != "" {
			t.Fatalf("trusted proxy %v not canonical", p)
		}
	}
	backends := map[string]bool{}
	for _, b := range cfg.Table.Backends {
		if backends[b.Name] || checkName(b.Name) != nil {
			t.Fatalf("backend name %q repeated or invalid", b.Name)
		}
		backends[b.Name] = true
		if b.Echo && len(b.Endpoints) > 0 {
			t.Fatalf("echo backend %q has endpoints", b.Name)
		}
		for _, e := range b.Endpoints {
			if !e.Addr.IsValid() || e.Addr.Port() == 0 || e.Addr.Addr().IsUnspecified() {
				t.Fatalf("backend %q endpoint %v", b.Name, e.Addr)
			}
		}
	}
	if cfg.Table.DefaultBackend != "" && !backends[cfg.Table.DefaultBackend] {
		t.Fatalf("default backend %q undefined", cfg.Table.DefaultBackend)
	}
	routes := map[model.RouteKey]bool{}
	for _, r := range cfg.Table.Routes {
		checkRouteConsistent(t, r, backends)
		if h, err := model.RouteHost(r.Host); err != nil || h != r.Host {
			t.Fatalf("route host %q not normalised (%q, %v)", r.Host, h, err)
		}
		if err := checkRoutePath(r.Path, r.PathType); err != nil {
			t.Fatalf("route path: %v", err)
		}
		k := r.Key()
		if routes[k] {
			t.Fatalf("duplicate route %+v", r)
		}
		routes[k] = true
	}
	if err := cfg.Table.Validate(); err != nil {
		t.Fatalf("a file parsed into a table the model refuses: %v", err)
	}
	for _, l := range cfg.Listeners {
		if missing := cfg.Table.UndefinedPolicies(l.Policies); len(missing) > 0 {
			t.Fatalf("listener %q names undefined policies %v", l.Name, missing)
		}
	}
}

// everyRouteKey is a valid file that writes every key of a route, a seed
// for FuzzParse.
const everyRouteKey = `listeners:
  - {name: public, address: 127.0.0.1:8080}
  - {name: plain, address: 127.0.0.1:8081, scope: plain}
routes:
  - scope: plain
    paths: [{path: /, redirect: {scheme: https, host: a.example.com, port: 8443, pathPrefix: /b, status: 308}}]
  - host: a.example.com
    paths:
      - path: /api
        pathType: Prefix
        method: GET
        headers: [{name: X-A, value: a}, {name: X-B, regex: "b+"}, {name: X-C, present: true}]
        query: [{name: q, value: "1"}, {name: r, regex: "[a-z]"}, {name: s, present: true}]
        backends:
          - {name: v1, weight: 90, requestHeaders: {set: {X-V: "1"}}, responseHeaders: {remove: [Server]}}
          - {name: v2, weight: 10}
        requestHeaders: {set: {X-Env: prod}, add: {Via: firsthop}, remove: [Cookie]}
        responseHeaders: {set: {Cache-Control: no-store}}
        rewrite: {host: "api.internal:8080", pathPrefix: /v1}
        mirror: [{backend: v2, percent: 5}]
        timeouts: {request: 30s, backendRequest: 5s}
        allowTrace: true
        keepEncodedSlashes: true
      - {path: /api, backend: v1, timeout: 10s}
      - {path: /gone, pathType: Exact, respond: {status: 410, body: "gone\n", contentType: text/plain}}
      - {path: /old, redirect: {path: /new}}
backends:
  - {name: v1, echo: true}
  - {name: v2, echo: true}
`

// everyGuardKey is a valid file that writes every route guard key, a
// RegularExpression path with a pathTemplate, and backend affinity, a
// seed for FuzzParse. Its htpasswd file is read from testdata.
const everyGuardKey = `listeners:
  - {name: public, address: 127.0.0.1:8080}
routes:
  - host: a.example.com
    paths:
      - path: /api
        backend: api
        maxRequestBodySize: 10MiB
        httpsRedirect: {status: 301, port: 8443}
        cors:
          allowOrigins: ["https://a.example.com", "https://*.example.com:8443", "null"]
          allowMethods: [GET, PUT]
          allowHeaders: [Content-Type]
          exposeHeaders: [X-Request-Id]
          allowCredentials: true
          maxAge: 1h
        basicAuth: {realm: staff, htpasswdFile: testdata/users.htpasswd}
        externalAuth:
          backend: auth
          path: "/oauth2/auth?rd=$escaped_request_uri"
          host: auth.internal
          method: GET
          timeout: 2s
          responseHeaders: [X-Auth-Request-User]
          signIn: "https://$host/oauth2/start"
          signInRedirectParam: next
          requestRedirect: "https://a.example.com/"
          alwaysSetCookie: true
      - path: "/u/([a-z]+)(/.*)?"
        pathType: RegularExpression
        backend: api
        httpsRedirect: true
        rewrite: {pathTemplate: "/users/$1${2}"}
backends:
  - name: api
    endpoints: [{address: 127.0.0.1:9001}, {address: 127.0.0.1:9002}]
    affinity: {cookie: {name: route, path: /, domain: example.com, maxAge: 1h, expires: 1h, sameSite: Lax, secure: true}}
  - {name: auth, echo: true}
`

// checkRouteConsistent fails unless r has exactly one action, every
// backend it names is defined, and its header names are canonical.
func checkRouteConsistent(t *testing.T, r model.Route, backends map[string]bool) {
	t.Helper()
	actions := 0
	for _, given := range []bool{r.Backend != "", len(r.Split) > 0, r.Redirect != nil, r.Respond != nil} {
		if given {
			actions++
		}
	}
	if actions != 1 {
		t.Fatalf("route %+v: %d actions", r, actions)
	}
	if r.Backend != "" && !backends[r.Backend] {
		t.Fatalf("route %+v: backend undefined", r)
	}
	for _, wb := range r.Split {
		if !backends[wb.Backend] {
			t.Fatalf("route %+v: split backend %q undefined", r, wb.Backend)
		}
	}
	for _, m := range r.Mirror {
		if !backends[m.Backend] || m.Percent < 1 || m.Percent > 100 {
			t.Fatalf("route %+v: mirror %+v", r, m)
		}
	}
	for _, h := range r.Headers {
		if h.Name != textproto.CanonicalMIMEHeaderKey(h.Name) {
			t.Fatalf("route %+v: header match name %q not canonical", r, h.Name)
		}
	}
	for _, hm := range []*model.HeaderModifier{r.RequestHeaders, r.ResponseHeaders} {
		if hm == nil {
			continue
		}
		for _, h := range slices.Concat(hm.Set, hm.Add) {
			if h.Name != textproto.CanonicalMIMEHeaderKey(h.Name) || reservedHeader(h.Name) != "" {
				t.Fatalf("route %+v: header %q changed", r, h.Name)
			}
		}
	}
}

// FuzzParsePrefix checks that an accepted prefix is canonical and reads
// back the same.
func FuzzParsePrefix(f *testing.F) {
	for _, s := range []string{"10.0.0.0/8", "10.0.0.1/8", "::/0", "2001:db8::1", "::ffff:10.0.0.0/104", "fe80::%eth0/64", "10.0.0.0/08"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parsePrefix(s)
		if err != nil {
			return
		}
		if p != p.Masked() || p.Addr().Is4In6() || p.Addr().Zone() != "" {
			t.Fatalf("parsePrefix(%q) = %v, not canonical", s, p)
		}
		if again, err := parsePrefix(p.String()); err != nil || again != p {
			t.Fatalf("parsePrefix(%q) = %v, then %v, %v", s, p, again, err)
		}
	})
}

// FuzzParseAddrPort checks that an accepted address is unmapped, has an
// allowed port and reads back the same.
func FuzzParseAddrPort(f *testing.F) {
	for _, s := range []string{"127.0.0.1:80", "[::1]:0", "[::ffff:1.2.3.4]:80", "[fe80::1%eth0]:80", "localhost:80", ":80", "1.2.3.4:080"} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, dial bool) {
		ports := anyPort
		if dial {
			ports = dialPort
		}
		ap, err := parseAddrPort(s, ports)
		if err != nil {
			return
		}
		if ap.Addr().Is4In6() || (dial && ap.Port() == 0) {
			t.Fatalf("parseAddrPort(%q) = %v", s, ap)
		}
		if again, err := parseAddrPort(ap.String(), ports); err != nil || again != ap {
			t.Fatalf("parseAddrPort(%q) = %v, then %v, %v", s, ap, again, err)
		}
	})
}
