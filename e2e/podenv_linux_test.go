package e2e

import "testing"

func TestExpandVars(t *testing.T) {
	vars := map[string]string{"A": "1", "B": "two"}
	lookup := func(n string) (string, bool) { v, ok := vars[n]; return v, ok }
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"$(A)", "1"},
		{"x$(A)y$(B)z", "x1ytwoz"},
		{"$(C)", "$(C)"},       // undefined: as written
		{"$$(A)", "$(A)"},      // escaped
		{"$$", "$"},            // a literal dollar
		{"$", "$"},             // trailing
		{"$(A", "$(A"},         // unclosed
		{"$A", "$A"},           // not a reference
		{"$(A)$(A)", "11"},     // repeated
		{"$($(A))", "$($(A))"}, // no nesting: name "$(A" undefined
	} {
		if got := expandVars(tc.in, lookup); got != tc.want {
			t.Errorf("expandVars(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestRewritePaths(t *testing.T) {
	mounts := []mount{{path: "/etc/secret-volume/sub", dir: "/tmp/p/sub"}, {path: "/etc/secret-volume", dir: "/tmp/p/v"}}
	for _, tc := range []struct{ in, want string }{
		{"/etc/secret-volume", "/tmp/p/v"},
		{"/etc/secret-volume/tls.crt", "/tmp/p/v/tls.crt"},
		{"/etc/secret-volume/sub/a", "/tmp/p/sub/a"}, // longest mount first
		{"/etc/secret-volume-2/a", "/etc/secret-volume-2/a"},
		{"--cert=/etc/secret-volume/tls.crt", "--cert=/tmp/p/v/tls.crt"},
		{"/etc/other", "/etc/other"},
		{"relative/etc/secret-volume", "relative/etc/secret-volume"},
	} {
		if got := rewritePaths(tc.in, mounts); got != tc.want {
			t.Errorf("rewritePaths(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestImageName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"registry.k8s.io/gateway-api/echo-basic:v1.5.1", "echo-basic"},
		{"echo-basic", "echo-basic"},
		{"ghcr.io/firsthop/firsthop:0.1.0@sha256:abc", "firsthop"},
		{"localhost:5000/firsthop", "firsthop"},
		{"firsthop@sha256:abc", "firsthop"},
	} {
		if got := ImageName(tc.in); got != tc.want {
			t.Errorf("ImageName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
