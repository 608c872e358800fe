package config

import (
	"strings"
	"testing"
)

func TestNormaliseHost(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   string
		want string // the host, or "error: fragment"
	}{
		{name: "any host", in: "", want: ""},
		{name: "exact", in: "app.example.com", want: "app.example.com"},
		{name: "upper case", in: "App.EXAMPLE.com", want: "app.example.com"},
		{name: "trailing dot", in: "app.example.com.", want: "app.example.com"},
		{name: "wildcard", in: "*.example.com", want: "*.example.com"},
		{name: "wildcard trailing dot", in: "*.Example.com.", want: "*.example.com"},
		{name: "single label", in: "localhost", want: "localhost"},
		{name: "IPv4 literal", in: "10.0.0.1", want: "10.0.0.1"},
		{name: "punycode", in: "xn--bcher-kva.example", want: "xn--bcher-kva.example"},
		{name: "underscore", in: "_acme.example.com", want: "_acme.example.com"},
		{name: "hyphen inside", in: "my-app.example.com", want: "my-app.example.com"},
		{name: "port", in: "app.example.com:8080", want: "error: must not include a port"},
		{name: "IPv6 literal", in: "[::1]", want: "error: IPv6 literals are not supported"},
		{name: "bare IPv6", in: "::1", want: "error: IPv6 literals are not supported"},
		{name: "scheme", in: "http://app.example.com", want: "error: without scheme or path"},
		{name: "path", in: "app.example.com/x", want: "error: a host has no path"},
		{name: "star alone", in: "*", want: "error: omit host to match any host"},
		{name: "star dot", in: "*.", want: "error: omit host to match any host"},
		{name: "star inside", in: "a.*.example.com", want: `error: "*" is allowed only as the whole first label`},
		{name: "star in first label", in: "*a.example.com", want: `error: "*" is allowed only as the whole first label`},
		{name: "two stars", in: "*.*.example.com", want: `error: "*" is allowed only as the whole first label`},
		{name: "star last", in: "example.*", want: `error: "*" is allowed only as the whole first label`},
		{name: "space", in: "app example.com", want: "error: contains a space"},
		{name: "tab", in: "app\texample.com", want: "error: contains a space"},
		{name: "control", in: "app\x00.com", want: "error: control character U+0000"},
		{name: "DEL", in: "app\x7f.com", want: "error: control character U+007F"},
		{name: "non-ASCII", in: "bücher.example", want: "error: non-ASCII"},
		{name: "invalid UTF-8", in: "a\xffb", want: "error: not valid UTF-8"},
		{name: "empty label", in: "a..b", want: "error: empty label"},
		{name: "leading dot", in: ".example.com", want: "error: empty label"},
		{name: "two trailing dots", in: "example.com..", want: "error: empty label"},
		{name: "only a dot", in: ".", want: "error: empty label"},
		{name: "leading hyphen", in: "-a.example.com", want: `error: starts or ends with "-"`},
		{name: "trailing hyphen", in: "a-.example.com", want: `error: starts or ends with "-"`},
		{name: "bad character", in: "a@b.com", want: `error: character '@' is not allowed`},
		{name: "long label", in: strings.Repeat("a", 64) + ".com", want: "error: longer than 63 characters"},
		{name: "longest label", in: strings.Repeat("a", 63) + ".com", want: strings.Repeat("a", 63) + ".com"},
		{name: "long name", in: strings.Repeat("abcdefg.", 32) + "com", want: "error: longer than 253 characters"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := normaliseHost(tc.in)
			if frag, wantErr := strings.CutPrefix(tc.want, "error: "); wantErr {
				if err == nil || !strings.Contains(err.Error(), frag) {
					t.Errorf("normaliseHost(%q) = %q, %v; want error containing %q", tc.in, got, err, frag)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("normaliseHost(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestCheckPath(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   string
		want string // "" for valid, else an error fragment
	}{
		{name: "root", in: "/"},
		{name: "simple", in: "/api"},
		{name: "trailing slash", in: "/api/"},
		{name: "deep", in: "/api/v1/users"},
		{name: "dots in names", in: "/a.b/c..d/.well-known"},
		{name: "non-ASCII", in: "/café"},
		{name: "relative", in: "api", want: `must start with "/"`},
		{name: "empty", in: "", want: `must start with "/"`},
		{name: "double slash", in: "/a//b", want: `not clean: write "/a/b"`},
		{name: "leading double slash", in: "//a", want: `not clean: write "/a"`},
		{name: "dot", in: "/a/./b", want: `not clean: write "/a/b"`},
		{name: "dot dot", in: "/a/../b", want: `not clean: write "/b"`},
		{name: "dot dot at end", in: "/a/..", want: `not clean: write "/"`},
		{name: "dot at end", in: "/a/.", want: `not clean: write "/a"`},
		{name: "dot dot above root", in: "/../a", want: `not clean: write "/a"`},
		{name: "query", in: "/a?b", want: "no query or fragment"},
		{name: "fragment", in: "/a#b", want: "no query or fragment"},
		{name: "percent", in: "/a%2fb", want: "percent-encoding is not supported"},
		{name: "space", in: "/a b", want: "contains a space"},
		{name: "control", in: "/a\nb", want: "control character U+000A"},
		{name: "path parameter", in: "/api;v=1", want: "could never be reached"},
		{name: "backslash", in: `/a\b`, want: "could never be reached"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := checkPath(tc.in)
			if tc.want == "" {
				if err != nil {
					t.Errorf("checkPath(%q) = %v, want nil", tc.in, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("checkPath(%q) = %v, want error containing %q", tc.in, err, tc.want)
			}
		})
	}
}
