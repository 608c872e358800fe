package config

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestLintGuards checks the guard and affinity warnings: basic
// authentication a plain listener serves to the network without a
// trusted TLS-terminating proxy, CORS "*" with credentials, an https
// redirect only TLS listeners serve, affinity with locality Local, an
// empty htpasswd file and SameSite=None without Secure. A case with no
// want expects no warnings.
func TestLintGuards(t *testing.T) {
	t.Parallel()
	type warning struct {
		pos string // "line:column"
		msg string
	}
	const basicAuth = "basicAuth: {htpasswdFile: testdata/users.htpasswd}"
	dir := t.TempDir()
	writeCert(t, dir, "app", "app.example.com")
	certs := fmt.Sprintf("tls: {certificates: [{certFile: %s, keyFile: %s}]}\n", filepath.Join(dir, "app.crt"), filepath.Join(dir, "app.key"))
	cases := []struct {
		name string
		yaml string
		want []warning
	}{
		{
			name: "basic auth on a plain listener to the network",
			yaml: "listeners: [{name: public, address: 0.0.0.0:8080}]\n" + echoBackend + "routes: [{paths: [{path: /, backend: b, " + basicAuth + "}]}]\n",
			want: []warning{{"4:41", `routes[0].paths[0].basicAuth: listener "public" serves this path over plain HTTP on 0.0.0.0:8080 and no TLS-terminating proxy is trusted in front of it (clientIP.trustedProxies): passwords cross the network in the clear`}},
		},
		{
			name: "basic auth on a loopback listener",
			yaml: listener + echoBackend + "routes: [{paths: [{path: /, backend: b, " + basicAuth + "}]}]\n",
		},
		{
			name: "basic auth behind a trusted proxy",
			yaml: "listeners: [{name: public, address: 0.0.0.0:8080}]\nclientIP: {trustedProxies: [10.0.0.0/8]}\n" + echoBackend + "routes: [{paths: [{path: /, backend: b, " + basicAuth + "}]}]\n",
		},
		{
			name: "basic auth with an https redirect",
			yaml: "listeners: [{name: public, address: 0.0.0.0:8080}]\n" + echoBackend + "routes: [{paths: [{path: /, backend: b, httpsRedirect: true, " + basicAuth + "}]}]\n",
		},
		{
			name: "basic auth behind a load balancer that must send PROXY headers",
			yaml: "listeners: [{name: public, address: 0.0.0.0:8080, proxyProtocol: {mode: required, trustedCIDRs: [10.0.0.0/8]}}]\n" + echoBackend + "routes: [{paths: [{path: /, backend: b, " + basicAuth + "}]}]\n",
		},
		{
			name: "basic auth in a scope only a loopback listener serves",
			yaml: "listeners:\n  - {name: public, address: 0.0.0.0:8080}\n  - {name: local, address: 127.0.0.1:8081, scope: local}\n" + echoBackend +
				"routes:\n  - paths: [{path: /, backend: b}]\n  - scope: local\n    paths: [{path: /admin, backend: b, " + basicAuth + "}]\n",
		},
		{
			name: "an empty htpasswd file",
			yaml: listener + echoBackend + "routes: [{paths: [{path: /, backend: b, basicAuth: {htpasswdFile: testdata/empty.htpasswd}}]}]\n",
			want: []warning{{"5:67", "routes[0].paths[0].basicAuth.htpasswdFile: testdata/empty.htpasswd lists no user: every request gets 401"}},
		},
		{
			name: "cors every origin with credentials",
			yaml: listener + echoBackend + `routes: [{paths: [{path: /, backend: b, cors: {allowOrigins: ["*"], allowCredentials: true}}]}]` + "\n",
			want: []warning{{"5:63", `routes[0].paths[0].cors.allowOrigins: "*" with allowCredentials: every site may send requests with the user's cookies`}},
		},
		{
			name: "cors every origin without credentials",
			yaml: listener + echoBackend + `routes: [{paths: [{path: /, backend: b, cors: {allowOrigins: ["*"]}}]}]` + "\n",
		},
		{
			name: "https redirect only TLS listeners serve",
			yaml: "listeners: [{name: https, address: 127.0.0.1:8443, tls: true}]\n" + echoBackend + "routes: [{paths: [{path: /, backend: b, httpsRedirect: true}]}]\n" + certs,
			want: []warning{{"4:56", "routes[0].paths[0].httpsRedirect: every listener serving this path is a TLS listener, so no request is redirected"}},
		},
		{
			name: "https redirect a plain listener serves too",
			yaml: "listeners:\n  - {name: https, address: 127.0.0.1:8443, tls: true}\n  - {name: http, address: 127.0.0.1:8080}\n" + echoBackend + "routes: [{paths: [{path: /, backend: b, httpsRedirect: {status: 301}}]}]\n" + certs,
		},
		{
			name: "affinity with locality Local",
			yaml: listener + "node: n1\nbackends: [{name: b, locality: Local, endpoints: [{address: 127.0.0.1:9001, node: n1}], affinity: {cookie: {name: c}}}]\nroutes: [{paths: [{path: /, backend: b}]}]\n",
			want: []warning{{"4:89", "backends[0].affinity: with locality Local a proxy sends requests to its own node's endpoints only"}},
		},
		{
			name: "SameSite None without Secure",
			yaml: listener + "backends: [{name: b, endpoints: [{address: 127.0.0.1:9001}], affinity: {cookie: {name: c, sameSite: None}}}]\nroutes: [{paths: [{path: /, backend: b}]}]\n",
			want: []warning{{"3:101", "backends[0].affinity.cookie.sameSite: None without secure: true: browsers drop a SameSite=None cookie that is not Secure"}},
		},
		{
			name: "SameSite None with Secure",
			yaml: listener + "backends: [{name: b, endpoints: [{address: 127.0.0.1:9001}], affinity: {cookie: {name: c, sameSite: None, secure: true}}}]\nroutes: [{paths: [{path: /, backend: b}]}]\n",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := Parse("lint.yaml", []byte(tc.yaml), Options{})
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
