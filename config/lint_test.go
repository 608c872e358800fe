package config

import (
	"fmt"
	"strings"
	"testing"
)

// TestLint checks the warnings of valid files: which, where and saying
// what. A case with no want expects no warnings.
func TestLint(t *testing.T) {
	t.Parallel()
	type warning struct {
		pos string // "line:column"
		msg string
	}
	cases := []struct {
		name string
		yaml string
		opts Options
		want []warning
	}{
		{
			name: "trustedProxies all IPv4",
			yaml: listener + "clientIP: {trustedProxies: [10.0.0.0/8, 0.0.0.0/0]}\n",
			want: []warning{{"3:41", "clientIP.trustedProxies[1]: 0.0.0.0/0 trusts every address: any client can forge its IP"}},
		},
		{
			name: "trustedProxies all IPv6",
			yaml: listener + "clientIP:\n  trustedProxies: [\"::/0\"]\n",
			want: []warning{{"4:20", "::/0 trusts every address: any client can forge its IP"}},
		},
		{
			name: "trustedCIDRs everything",
			yaml: "listeners:\n  - name: a\n    address: 127.0.0.1:80\n    proxyProtocol: {mode: required, trustedCIDRs: [0.0.0.0/0]}\n",
			want: []warning{{"4:52", "listeners[0].proxyProtocol.trustedCIDRs[0]: 0.0.0.0/0 trusts every address: any client can forge its IP with a PROXY header"}},
		},
		{
			name: "broad public range is fine",
			yaml: listener + "clientIP: {trustedProxies: [8.0.0.0/8, \"2000::/3\"]}\n",
		},
		{
			name: "PROXY optional with empty trustedCIDRs",
			yaml: "listeners:\n  - name: a\n    address: 127.0.0.1:80\n    proxyProtocol: {mode: optional, trustedCIDRs: []}\n",
			want: []warning{{"4:27", "optional, but trustedCIDRs is empty: no peer may send a PROXY header: optional acts as off"}},
		},
		{
			name: "PROXY off with trustedCIDRs",
			yaml: "listeners:\n  - name: a\n    address: 127.0.0.1:80\n    proxyProtocol: {trustedCIDRs: [10.0.0.0/8]}\n",
			want: []warning{{"4:36", "listeners[0].proxyProtocol.trustedCIDRs: no effect while mode is off"}},
		},
		{
			name: "sources empty with trustedProxies",
			yaml: listener + "clientIP: {trustedProxies: [10.0.0.0/8], sources: []}\n",
			want: []warning{{"3:51", "clientIP.sources: empty while trustedProxies is set"}},
		},
		{
			name: "sources empty without trustedProxies",
			yaml: listener + "clientIP: {sources: []}\n",
		},
		{
			name: "backend without endpoints",
			yaml: listener + "backends: [{name: b}]\ndefaultBackend: b\n",
			want: []warning{{"3:19", `backends[0]: backend "b" has no endpoints: every request routed to it gets 503`}},
		},
		{
			name: "backend with empty endpoints",
			yaml: listener + "backends: [{name: b, endpoints: []}]\ndefaultBackend: b\n",
			want: []warning{{"3:19", `backend "b" has no endpoints`}},
		},
		{
			name: "echo backend needs no endpoints",
			yaml: listener + "backends: [{name: b, echo: true}]\ndefaultBackend: b\n",
		},
		{
			name: "backend not used",
			yaml: listener + "backends: [{name: b, echo: true}]\n",
			want: []warning{{"3:19", `backends[0]: backend "b" is not used by any route or defaultBackend`}},
		},
		{
			name: "locality Local without node",
			yaml: listener + "backends: [{name: b, locality: Local, endpoints: [{address: 127.0.0.1:9000}]}]\ndefaultBackend: b\n",
			want: []warning{{"3:32", "backends[0].locality: Local uses endpoints on this proxy's node only, and the node is not set"}},
		},
		{
			name: "locality Local with NODE_NAME",
			yaml: listener + "backends: [{name: b, locality: Local, endpoints: [{address: 127.0.0.1:9000}]}]\ndefaultBackend: b\n",
			opts: Options{NodeName: "node-a"},
		},
		{
			name: "trustedCIDRs listed twice",
			yaml: "listeners:\n  - name: a\n    address: 127.0.0.1:80\n    proxyProtocol: {mode: optional, trustedCIDRs: [10.0.0.0/8, 10.0.0.0/8]}\n",
			want: []warning{{"4:64", "listeners[0].proxyProtocol.trustedCIDRs[1]: 10.0.0.0/8 is listed twice (first at line 4)"}},
		},
		{
			name: "several warnings in file order",
			yaml: listener + "backends: [{name: b}]\nclientIP: {trustedProxies: [\"::/0\"]}\n",
			want: []warning{
				{"3:19", `backend "b" has no endpoints`},
				{"3:19", `backend "b" is not used`},
				{"4:29", "::/0 trusts every address"},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := mustParse(t, "lint.yaml", []byte(tc.yaml), tc.opts)
			if len(cfg.Warnings) != len(tc.want) {
				t.Fatalf("got %d warnings, want %d: %v", len(cfg.Warnings), len(tc.want), cfg.Warnings)
			}
			for i, w := range tc.want {
				got := cfg.Warnings[i]
				if pos := fmt.Sprintf("%d:%d", got.Line, got.Column); pos != w.pos || !strings.Contains(got.Message, w.msg) {
					t.Errorf("warning %d = %s, want %s: ...%s...", i, got, w.pos, w.msg)
				}
				if got.File != "lint.yaml" {
					t.Errorf("warning %d file %q, want lint.yaml", i, got.File)
				}
			}
		})
	}
}
