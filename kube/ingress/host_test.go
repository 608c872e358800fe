package ingress

import (
	"strings"
	"testing"
)

func TestCanonicalHost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr string
	}{
		{name: "empty is any host", in: "", want: ""},
		{name: "exact name", in: "app.example.com", want: "app.example.com"},
		{name: "upper case is lowered", in: "App.Example.COM", want: "app.example.com"},
		{name: "trailing dot dropped", in: "app.example.com.", want: "app.example.com"},
		{name: "wildcard of one label", in: "*.example.com", want: "*.example.com"},
		{name: "wildcard over a top-level domain, as the API allows", in: "*.com", want: "*.com"},
		{name: "single label", in: "localhost", want: "localhost"},
		{name: "underscore allowed", in: "_svc.example.com", want: "_svc.example.com"},
		{name: "bare star", in: "*", wantErr: "omit host to match any host"},
		{name: "just a dot", in: ".", wantErr: "empty label"},
		{name: "star inside a label", in: "a*.example.com", wantErr: `"*" is allowed only`},
		{name: "star not first", in: "a.*.example.com", wantErr: `"*" is allowed only`},
		{name: "two stars", in: "*.*.example.com", wantErr: `"*" is allowed only`},
		{name: "port", in: "app.example.com:8080", wantErr: "must not include a port"},
		{name: "IPv6 literal", in: "[::1]", wantErr: "IPv6 literals are not supported"},
		{name: "IPv4 literal, refused by the Ingress API", in: "10.0.0.1", wantErr: "is an IP address"},
		{name: "bad character", in: "a@b.com", wantErr: "character '@' is not allowed"},
		{name: "empty label", in: "app..example.com", wantErr: "empty label"},
		{name: "leading dot", in: ".example.com", wantErr: "empty label"},
		{name: "label starts with hyphen", in: "-app.example.com", wantErr: "starts or ends"},
		{name: "label too long", in: strings.Repeat("a", 64) + ".com", wantErr: "longer than 63"},
		{name: "name too long", in: strings.Repeat("a.", 127) + "com", wantErr: "longer than 253"},
		{name: "space", in: "app example.com", wantErr: "contains a space"},
		{name: "non-ASCII", in: "café.example.com", wantErr: "non-ASCII"},
		{name: "slash", in: "app.example.com/path", wantErr: "a host has no path"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := canonicalHost(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("canonicalHost(%q) = %q, %v; want error containing %q", tc.in, got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("canonicalHost(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}
