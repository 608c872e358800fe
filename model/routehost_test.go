package model

import (
	"strings"
	"testing"
)

func TestRouteHost(t *testing.T) {
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
			got, err := RouteHost(tc.in)
			if frag, wantErr := strings.CutPrefix(tc.want, "error: "); wantErr {
				if err == nil || !strings.Contains(err.Error(), frag) {
					t.Errorf("RouteHost(%q) = %q, %v; want error containing %q", tc.in, got, err, frag)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("RouteHost(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

// FuzzRouteHost checks that a normalised host is stable: normalising
// it again changes nothing.
func FuzzRouteHost(f *testing.F) {
	for _, s := range []string{"", "App.Example.com.", "*.example.com", "a.*.b", "a:80", "bücher.example", "a..b", "-a.b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := RouteHost(s)
		if err != nil {
			return
		}
		if again, err := RouteHost(h); err != nil || again != h {
			t.Fatalf("RouteHost(%q) = %q, then %q, %v", s, h, again, err)
		}
		if strings.ContainsAny(h, ": /") || strings.HasSuffix(h, ".") || strings.ToLower(h) != h ||
			(strings.Contains(h, "*") && (!strings.HasPrefix(h, "*.") || strings.Count(h, "*") != 1)) {
			t.Fatalf("RouteHost(%q) = %q, not normalised", s, h)
		}
	})
}
