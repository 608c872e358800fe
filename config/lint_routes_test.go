package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLintRoutes checks the route warnings: matches on client-forgeable
// headers, redirects from a TLS listener to http:// or back to the same
// URL, listener scopes without routes, and backends used only by a split
// or a mirror. A case with no want expects no warnings. The files are
// loaded next to a certificate, so that TLS listeners are valid.
func TestLintRoutes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeCert(t, dir, "app", "app.example.com")
	const certs = "tls: {certificates: [{certFile: app.crt, keyFile: app.key}]}\n" // line 1
	type warning struct {
		pos string // "line:column"
		msg string
	}
	cases := []struct {
		name string
		yaml string // after the certs line
		want []warning
	}{
		{
			name: "header match on X-Forwarded-For",
			yaml: listener + echoBackend + "routes: [{paths: [{path: /, backend: b, headers: [{name: x-forwarded-for, value: 10.0.0.1}]}]}]\n",
			want: []warning{{"6:58", "routes[0].paths[0].headers[0]: matching on X-Forwarded-For, which any client can send: it is not a security control"}},
		},
		{
			name: "header match on another client-IP header",
			yaml: listener + echoBackend + "routes: [{paths: [{path: /, backend: b, headers: [{name: True-Client-IP, present: true}]}]}]\n",
			want: []warning{{"6:58", "matching on True-Client-Ip, which any client can send"}},
		},
		{
			name: "header match on X-Forwarded-Proto",
			yaml: listener + echoBackend + "routes: [{paths: [{path: /, backend: b, headers: [{name: X-Forwarded-Proto, value: http}]}]}]\n",
			want: []warning{{"6:58", "matching on X-Forwarded-Proto"}},
		},
		{
			name: "header match on an application header",
			yaml: listener + echoBackend + "routes: [{paths: [{path: /, backend: b, headers: [{name: X-Canary, value: always}]}]}]\n",
		},
		{
			name: "redirect to http from a TLS listener",
			yaml: "listeners: [{name: https, address: 127.0.0.1:8443, tls: true}]\n" + echoBackend +
				"routes:\n  - paths:\n      - {path: /, backend: b}\n      - {path: /old, redirect: {scheme: http, host: old.example.com}}\n",
			want: []warning{{"8:41", `routes[0].paths[1].redirect.scheme: http, and TLS listener "https" serves this route: clients that came over TLS are sent to plain HTTP`}},
		},
		{
			name: "redirect to http from a plain listener only",
			yaml: "listeners:\n  - {name: https, address: 127.0.0.1:8443, tls: true}\n  - {name: http, address: 127.0.0.1:8080, scope: plain}\n" + echoBackend +
				"routes:\n  - paths: [{path: /, backend: b}]\n  - scope: plain\n    paths: [{path: /old, redirect: {scheme: http, host: old.example.com}}]\n",
		},
		{
			name: "redirect to the same https URL on port 443",
			yaml: "listeners: [{name: https, address: 127.0.0.1:443, tls: true}]\nroutes: [{paths: [{path: /, redirect: {scheme: https}}]}]\n",
			want: []warning{{"3:48", `routes[0].paths[0].redirect: TLS listener "https" (port 443) serves this route, and the redirect sends its clients to the same https URL: a redirect loop`}},
		},
		{
			name: "redirect to the same https URL, public port 443",
			yaml: "listeners: [{name: https, address: 127.0.0.1:8443, publicPort: 443, tls: true}]\nroutes: [{paths: [{path: /, redirect: {scheme: https}}]}]\n",
			want: []warning{{"3:48", "a redirect loop"}},
		},
		{
			name: "redirect to https on another port than the TLS listener's",
			yaml: "listeners: [{name: https, address: 127.0.0.1:8443, tls: true}]\nroutes: [{paths: [{path: /, redirect: {scheme: https}}]}]\n",
		},
		{
			name: "redirect to https on a plain listener",
			yaml: "listeners:\n  - {name: https, address: 127.0.0.1:443, tls: true}\n  - {name: http, address: 127.0.0.1:80, scope: plain}\n" + echoBackend +
				"routes:\n  - paths: [{path: /, backend: b}]\n  - scope: plain\n    paths: [{path: /, redirect: {scheme: https, status: 301}}]\n",
		},
		{
			name: "listener scope without routes",
			yaml: "listeners:\n  - {name: public, address: 127.0.0.1:8080}\n  - {name: admin-ui, address: 127.0.0.1:8081, scope: ui}\n" + echoBackend +
				"routes: [{paths: [{path: /, backend: b}]}]\n",
			want: []warning{{"4:54", `listeners[1].scope: no route has scope "ui": every request on this listener gets 404`}},
		},
		{
			name: "backends used only by a split and a mirror",
			yaml: listener + "backends:\n  - {name: v1, echo: true}\n  - {name: v2, echo: true}\n  - {name: shadow, echo: true}\n" +
				"routes: [{paths: [{path: /, backends: [{name: v1}, {name: v2}], mirror: [{backend: shadow}]}]}]\n",
		},
		{
			name: "backend used by no action",
			yaml: listener + "backends:\n  - {name: v1, echo: true}\n  - {name: unused, echo: true}\n" +
				"routes: [{paths: [{path: /, respond: {status: 404}}, {path: /a, backend: v1}]}]\n",
			want: []warning{{"6:12", `backends[1]: backend "unused" is not used by any route or defaultBackend`}},
		},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(dir, fmt.Sprintf("case%d.yaml", i))
			if err := os.WriteFile(path, []byte(certs+tc.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := Load(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(cfg.Warnings) != len(tc.want) {
				t.Fatalf("got %d warnings, want %d: %v", len(cfg.Warnings), len(tc.want), cfg.Warnings)
			}
			for i, w := range tc.want {
				got := cfg.Warnings[i]
				if pos := fmt.Sprintf("%d:%d", got.Line, got.Column); pos != w.pos || !strings.Contains(got.Message, w.msg) {
					t.Errorf("warning %d = %s, want %s: ...%s...", i, got, w.pos, w.msg)
				}
			}
		})
	}
}
