package config

import (
	"strings"
	"testing"
)

func TestParseEndpointAddr(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		in    string
		want  string // host:port, or "error: fragment"
		named bool   // want a name, not an IP literal
	}{
		{name: "IPv4", in: "127.0.0.1:9001", want: "127.0.0.1:9001"},
		{name: "IPv6", in: "[2001:db8::1]:9001", want: "[2001:db8::1]:9001"},
		{name: "IPv4-mapped unmapped", in: "[::ffff:10.0.0.1]:80", want: "10.0.0.1:80"},
		{name: "name", in: "api.internal:9001", want: "api.internal:9001", named: true},
		{name: "single label", in: "api:9001", want: "api:9001", named: true},
		{name: "compose service with underscore", in: "my_app-1:80", want: "my_app-1:80", named: true},
		{name: "upper case", in: "API.Internal:9001", want: "api.internal:9001", named: true},
		{name: "trailing dot", in: "api.internal.:9001", want: "api.internal:9001", named: true},
		{name: "localhost", in: "localhost:9001", want: "localhost:9001", named: true},
		{name: "name with bracketed port", in: "[api.internal]:80", want: "api.internal:80", named: true},
		{name: "port 0", in: "api.internal:0", want: "error: port \"0\" is not a number from 1 to 65535"},
		{name: "port too big", in: "api.internal:65536", want: "error: not a number from 1 to 65535"},
		{name: "port name", in: "api.internal:http", want: "error: port \"http\""},
		{name: "port leading zero", in: "api.internal:080", want: "error: port \"080\""},
		{name: "IP port 0", in: "10.0.0.1:0", want: "error: not a number from 1 to 65535"},
		{name: "no port", in: "api.internal", want: "error: is not host:port"},
		{name: "IPv6 without brackets", in: "::1:80", want: "error: is not host:port"},
		{name: "empty host", in: ":80", want: "error: has no host"},
		{name: "only a dot", in: ".:80", want: "error: empty label"},
		{name: "empty", in: "", want: "error: is not host:port"},
		{name: "scheme", in: "http://api.internal:80", want: "error: is not host:port"},
		{name: "empty label", in: "api..internal:80", want: "error: empty label"},
		{name: "leading dot", in: ".api:80", want: "error: empty label"},
		{name: "label starts with hyphen", in: "-api.internal:80", want: "error: starts or ends with \"-\""},
		{name: "label too long", in: strings.Repeat("a", 64) + ".internal:80", want: "error: longer than 63 characters"},
		{name: "name too long", in: strings.Repeat("a.", 127) + "ab:80", want: "error: longer than 253 characters"},
		{name: "space", in: "api internal:80", want: "error: contains a space"},
		{name: "wildcard", in: "*.internal:80", want: "error: a wildcard names no one host"},
		{name: "zone without IP", in: "[api%eth0]:80", want: "error: is neither an IP address nor a DNS name"},
		{name: "bad IPv6", in: "[2001:db8::g]:80", want: "error: is neither an IP address nor a DNS name"},
		{name: "IPv4 shorthand", in: "10.1:80", want: "error: last label is not all digits"},
		{name: "number", in: "2130706433:80", want: "error: last label is not all digits"},
		{name: "non-ASCII", in: "bücher.example:80", want: "error: xn--"},
		{name: "slash", in: "api/v1:80", want: "error: without scheme or path"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseEndpointAddr(tc.in)
			if frag, wantErr := strings.CutPrefix(tc.want, "error: "); wantErr {
				if err == nil || !strings.Contains(err.Error(), frag) {
					t.Errorf("parseEndpointAddr(%q) = %v, %v; want error containing %q", tc.in, got, err, frag)
				}
				return
			}
			if err != nil || got.String() != tc.want {
				t.Fatalf("parseEndpointAddr(%q) = %v, %v; want %s", tc.in, got, err, tc.want)
			}
			if named := got.Host != ""; named != tc.named || named == got.Addr.IsValid() {
				t.Errorf("parseEndpointAddr(%q) = %+v: named %v, want %v", tc.in, got, named, tc.named)
			}
		})
	}
}

// FuzzParseEndpointAddr: an address is refused, or is exactly one of an
// IP literal and a valid name with a port, and its canonical form parses
// to itself.
func FuzzParseEndpointAddr(f *testing.F) {
	for _, s := range []string{"127.0.0.1:9001", "[::1]:80", "api.internal.:9001", "API:1", ":80", "a..b:1", "10.1:80", "[x%y]:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := parseEndpointAddr(s)
		if err != nil {
			return
		}
		if (a.Host != "") == a.Addr.IsValid() {
			t.Fatalf("%q: %+v is neither or both of a name and an address", s, a)
		}
		if a.Host != "" && (a.Port == 0 || a.Host != strings.ToLower(a.Host) || strings.HasSuffix(a.Host, ".")) {
			t.Fatalf("%q: name %+v is not canonical", s, a)
		}
		again, err := parseEndpointAddr(a.String())
		if err != nil || again != a {
			t.Fatalf("%q: canonical form %q parses to %+v, %v", s, a.String(), again, err)
		}
	})
}
