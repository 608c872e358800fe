package config

import (
	"net/netip"
	"strings"
	"testing"
)

func TestParsePrefix(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   string
		want string // the prefix, or "error: fragment"
	}{
		{name: "IPv4 network", in: "10.0.0.0/8", want: "10.0.0.0/8"},
		{name: "IPv6 network", in: "2001:db8::/32", want: "2001:db8::/32"},
		{name: "IPv4 address", in: "192.168.1.7", want: "192.168.1.7/32"},
		{name: "IPv6 address", in: "2001:db8::1", want: "2001:db8::1/128"},
		{name: "IPv6 upper case", in: "2001:DB8::/32", want: "2001:db8::/32"},
		{name: "everything IPv4", in: "0.0.0.0/0", want: "0.0.0.0/0"},
		{name: "everything IPv6", in: "::/0", want: "::/0"},
		{name: "host length", in: "10.1.2.3/32", want: "10.1.2.3/32"},
		{name: "host bits", in: "10.0.0.1/8", want: "error: has host bits set: write 10.0.0.0/8 for the network or 10.0.0.1/32"},
		{name: "host bits everything", in: "1.2.3.4/0", want: "error: write 0.0.0.0/0 for the network"},
		{name: "length too long IPv4", in: "10.0.0.0/33", want: "error: prefix length 33 is out of range for IPv4 (0-32)"},
		{name: "length too long IPv6", in: "::/129", want: "error: prefix length 129 is out of range for IPv6 (0-128)"},
		{name: "negative length", in: "10.0.0.0/-1", want: "error: prefix length -1 is out of range"},
		{name: "leading zero length", in: "10.0.0.0/08", want: `error: prefix length "08" is not a number`},
		{name: "plus length", in: "10.0.0.0/+8", want: `error: prefix length "+8" is not a number`},
		{name: "empty length", in: "10.0.0.0/", want: `error: prefix length "" is not a number`},
		{name: "two slashes", in: "10.0.0.0/8/8", want: "error: is not a number"},
		{name: "name", in: "example.com", want: "error: is not a CIDR"},
		{name: "empty", in: "", want: "error: is not a CIDR"},
		{name: "short IPv4", in: "10/8", want: "error: is not a CIDR"},
		{name: "leading zero octet", in: "010.0.0.0/8", want: "error: is not a CIDR"},
		{name: "zone", in: "fe80::%eth0/64", want: "error: zones are not allowed"},
		{name: "IPv4-mapped", in: "::ffff:10.0.0.0/104", want: "error: write the IPv4 form (10.0.0.0/8)"},
		{name: "IPv4-mapped address", in: "::ffff:10.0.0.1", want: "error: write the IPv4 form (10.0.0.1/32)"},
		{name: "IPv4-mapped all", in: "::ffff:0.0.0.0/96", want: "error: write the IPv4 form (0.0.0.0/0)"},
		{name: "IPv4-mapped host bits", in: "::ffff:10.0.0.1/104", want: "error: write the IPv4 form (10.0.0.0/8)"},
		{name: "shorter than mapped", in: "::ffff:0.0.0.0/90", want: "error: has host bits set: write ::ffc0:0:0/90"},
		{name: "IPv6 covering mapped", in: "::/80", want: "::/80"},
		{name: "space", in: " 10.0.0.0/8", want: "error: is not a CIDR"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := parsePrefix(tc.in)
			if frag, wantErr := strings.CutPrefix(tc.want, "error: "); wantErr {
				if err == nil || !strings.Contains(err.Error(), frag) {
					t.Errorf("parsePrefix(%q) = %v, %v; want error containing %q", tc.in, got, err, frag)
				}
				return
			}
			if err != nil || got.String() != tc.want {
				t.Errorf("parsePrefix(%q) = %v, %v; want %s", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestParseAddrPort(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		in    string
		ports portRange
		want  string // the address, or "error: fragment"
	}{
		{name: "IPv4", in: "127.0.0.1:8080", ports: dialPort, want: "127.0.0.1:8080"},
		{name: "IPv6", in: "[2001:db8::1]:443", ports: dialPort, want: "[2001:db8::1]:443"},
		{name: "IPv6 upper case", in: "[2001:DB8::1]:443", ports: dialPort, want: "[2001:db8::1]:443"},
		{name: "IPv4-mapped unmapped", in: "[::ffff:10.0.0.1]:80", ports: dialPort, want: "10.0.0.1:80"},
		{name: "zone", in: "[fe80::1%eth0]:80", ports: dialPort, want: "[fe80::1%eth0]:80"},
		{name: "unspecified listen", in: "0.0.0.0:8080", ports: anyPort, want: "0.0.0.0:8080"},
		{name: "port 0 listen", in: "127.0.0.1:0", ports: anyPort, want: "127.0.0.1:0"},
		{name: "port 0 dial", in: "127.0.0.1:0", ports: dialPort, want: "error: not a number from 1 to 65535"},
		{name: "port max", in: "127.0.0.1:65535", ports: dialPort, want: "127.0.0.1:65535"},
		{name: "port too big", in: "127.0.0.1:65536", ports: anyPort, want: "error: not a number from 0 to 65535"},
		{name: "port leading zero", in: "127.0.0.1:080", ports: dialPort, want: "error: port \"080\""},
		{name: "port name", in: "127.0.0.1:http", ports: dialPort, want: "error: port \"http\""},
		{name: "port empty", in: "127.0.0.1:", ports: dialPort, want: `error: port ""`},
		{name: "hostname", in: "localhost:80", ports: anyPort, want: "error: hostnames are not supported here yet"},
		{name: "no host", in: ":80", ports: anyPort, want: "error: has no IP address"},
		{name: "no port", in: "127.0.0.1", ports: anyPort, want: "error: is not IP:port"},
		{name: "IPv6 without brackets", in: "::1:80", ports: anyPort, want: "error: is not IP:port"},
		{name: "IPv6 brackets no port", in: "[::1]", ports: anyPort, want: "error: is not IP:port"},
		{name: "empty", in: "", ports: anyPort, want: "error: is not IP:port"},
		{name: "scheme", in: "http://127.0.0.1:80", ports: anyPort, want: "error: is not IP:port"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseAddrPort(tc.in, tc.ports)
			if frag, wantErr := strings.CutPrefix(tc.want, "error: "); wantErr {
				if err == nil || !strings.Contains(err.Error(), frag) {
					t.Errorf("parseAddrPort(%q) = %v, %v; want error containing %q", tc.in, got, err, frag)
				}
				return
			}
			if err != nil || got.String() != tc.want {
				t.Errorf("parseAddrPort(%q) = %v, %v; want %s", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestPortClash(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		a, b string
		want bool
	}{
		{name: "same", a: "127.0.0.1:80", b: "127.0.0.1:80", want: true},
		{name: "other port", a: "127.0.0.1:80", b: "127.0.0.1:81", want: false},
		{name: "other address", a: "127.0.0.1:80", b: "127.0.0.2:80", want: false},
		{name: "IPv4 wildcard and IPv4", a: "0.0.0.0:80", b: "10.0.0.1:80", want: true},
		{name: "IPv4 and IPv4 wildcard", a: "10.0.0.1:80", b: "0.0.0.0:80", want: true},
		{name: "IPv4 wildcard and IPv6", a: "0.0.0.0:80", b: "[::1]:80", want: false},
		// Each family is bound alone (IPv6 with IPV6_V6ONLY).
		{name: "IPv6 wildcard and IPv4", a: "[::]:80", b: "10.0.0.1:80", want: false},
		{name: "IPv4 and IPv6 wildcard", a: "10.0.0.1:80", b: "[::]:80", want: false},
		{name: "both wildcards", a: "0.0.0.0:80", b: "[::]:80", want: false},
		{name: "IPv6 wildcard and IPv6", a: "[::]:80", b: "[2001:db8::1]:80", want: true},
		{name: "IPv6 wildcard twice", a: "[::]:80", b: "[::]:80", want: true},
		{name: "IPv6 and IPv6 wildcard", a: "[::1]:80", b: "[::]:80", want: true},
		{name: "IPv6 and IPv4 wildcard", a: "[::1]:80", b: "0.0.0.0:80", want: false},
		{name: "port zero", a: "127.0.0.1:0", b: "127.0.0.1:0", want: false},
		{name: "zones differ", a: "[fe80::1%eth0]:80", b: "[fe80::1%eth1]:80", want: false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := claims{}
			first := socket{owner: "a", addr: netip.MustParseAddrPort(tc.a)}
			if _, ok := c.claim(first); !ok {
				t.Fatalf("first claim of %s refused", tc.a)
			}
			got, ok := c.claim(socket{owner: "b", addr: netip.MustParseAddrPort(tc.b)})
			if ok == tc.want {
				t.Errorf("%s then %s: clash = %v, want %v", tc.a, tc.b, !ok, tc.want)
			}
			if !ok && got.owner != "a" {
				t.Errorf("%s then %s: clashes with %q, want a", tc.a, tc.b, got.owner)
			}
		})
	}
}

func TestCheckName(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   string
		ok   bool
	}{
		{name: "simple", in: "public", ok: true},
		{name: "punctuation", in: "ns/svc:8080", ok: true},
		{name: "empty", in: "", ok: false},
		{name: "space", in: "a b", ok: false},
		{name: "tab", in: "a\tb", ok: false},
		{name: "control", in: "a\x7fb", ok: false},
		{name: "non-ASCII", in: "café", ok: false},
		{name: "long", in: strings.Repeat("a", 254), ok: false},
		{name: "longest", in: strings.Repeat("a", 253), ok: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if err := checkName(tc.in); (err == nil) != tc.ok {
				t.Errorf("checkName(%q) = %v, want ok=%v", tc.in, err, tc.ok)
			}
		})
	}
}
