package clientip

import (
	"net/netip"
	"slices"
	"testing"
)

func TestForwardedFor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		element string
		want    string // the for= value as written; "" means malformed
	}{
		{"token", "for=192.0.2.60", "192.0.2.60"},
		{"quoted", `for="192.0.2.60:80"`, `"192.0.2.60:80"`},
		{"rfc example", "for=192.0.2.60;proto=http;by=203.0.113.43", "192.0.2.60"},
		{"for not first", "proto=https;for=192.0.2.60", "192.0.2.60"},
		{"name upper case", "FOR=192.0.2.60", "192.0.2.60"},
		{"name mixed case", "For=192.0.2.60", "192.0.2.60"},
		{"extension pair", "for=192.0.2.60;secret=x", "192.0.2.60"},
		{"duplicate extension pair", "for=192.0.2.60;ext=1;ext=2", "192.0.2.60"},
		{"quoted value with semicolon and comma", `for=192.0.2.60;host="a;b,c"`, "192.0.2.60"},
		{"empty pairs", ";for=192.0.2.60;;proto=http;", "192.0.2.60"},
		{"whitespace around semicolon", "for=192.0.2.60 ; proto=http", "192.0.2.60"},
		{"quoted with escapes", `for="\[2001:db8::1\]"`, `"\[2001:db8::1\]"`},

		{"empty", "", ""},
		{"no for", "proto=https;by=192.0.2.1", ""},
		{"only semicolons", ";;", ""},
		{"duplicate for", "for=192.0.2.60;for=198.51.100.1", ""},
		{"duplicate for mixed case", "for=192.0.2.60;FOR=198.51.100.1", ""},
		{"duplicate proto", "for=192.0.2.60;proto=http;proto=https", ""},
		{"duplicate by", "by=a;for=192.0.2.60;by=b", ""},
		{"duplicate host", "host=a;for=192.0.2.60;host=b", ""},
		{"empty value", "for=", ""},
		{"empty value then pair", "for=;proto=http", ""},
		{"missing equals", "for", ""},
		{"empty name", "=192.0.2.60", ""},
		{"space around equals", "for = 192.0.2.60", ""},
		{"space inside token value", "for=192.0.2.60 x", ""},
		{"unterminated quote", `for="192.0.2.60`, ""},
		{"junk after quoted value", `for="192.0.2.60"x`, ""},
		{"unquoted ipv6 in brackets", "for=[2001:db8::1]", ""},
		{"unquoted ipv4 with port", "for=192.0.2.60:80", ""},
		{"comma", "for=192.0.2.60,for=198.51.100.1", ""},
		{"control char in name", "f\x01r=192.0.2.60", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := forwardedFor(tt.element)
			if ok != (tt.want != "") || got != tt.want {
				t.Errorf("forwardedFor(%q) = %q, %v, want %q", tt.element, got, ok, tt.want)
			}
		})
	}
}

func TestParseNode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		node string // unquoted
		kind entryKind
		want string // when kind is entryAddr
	}{
		{"ipv4", "192.0.2.60", entryAddr, "192.0.2.60"},
		{"ipv4 port", "192.0.2.60:4711", entryAddr, "192.0.2.60"},
		{"ipv4 obfuscated port", "192.0.2.60:_p0rt", entryAddr, "192.0.2.60"},
		{"ipv6", "[2001:db8::1]", entryAddr, "2001:db8::1"},
		{"ipv6 port", "[2001:db8:cafe::17]:4711", entryAddr, "2001:db8:cafe::17"},
		{"ipv6 obfuscated port", "[2001:db8::1]:_x", entryAddr, "2001:db8::1"},
		{"ipv4-mapped ipv6 unmapped", "[::ffff:192.0.2.60]", entryAddr, "192.0.2.60"},
		{"unknown", "unknown", entryUnknown, ""},
		{"unknown upper case", "UNKNOWN", entryUnknown, ""},
		{"unknown with port", "unknown:80", entryUnknown, ""},
		{"obfuscated", "_hidden", entryObfuscated, ""},
		{"obfuscated rfc example", "_SEVKISEK", entryObfuscated, ""},
		{"obfuscated with port", "_hidden:_port", entryObfuscated, ""},

		{"empty", "", entryMalformed, ""},
		{"unbracketed ipv6", "2001:db8::1", entryMalformed, ""},
		{"bracketed ipv4", "[192.0.2.60]", entryMalformed, ""},
		{"zone in ipv6", "[fe80::1%eth0]", entryMalformed, ""},
		{"unclosed bracket", "[2001:db8::1", entryMalformed, ""},
		{"junk after bracket", "[2001:db8::1]x", entryMalformed, ""},
		{"empty port", "192.0.2.60:", entryMalformed, ""},
		{"port too large", "192.0.2.60:65536", entryMalformed, ""},
		{"bad obfuscated port", "192.0.2.60:_", entryMalformed, ""},
		{"bad obfuscated port char", "192.0.2.60:_a:b", entryMalformed, ""},
		{"bad port after unknown", "unknown:x", entryMalformed, ""},
		{"bad obfuscated char", "_a/b", entryMalformed, ""},
		{"underscore alone", "_", entryMalformed, ""},
		{"hostname", "example.com", entryMalformed, ""},
		{"leading zero", "192.0.2.060", entryMalformed, ""},
		{"empty brackets", "[]", entryMalformed, ""},
		{"port only", ":80", entryMalformed, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, kind := parseNode(tt.node)
			if kind != tt.kind {
				t.Fatalf("parseNode(%q) kind = %d, want %d", tt.node, kind, tt.kind)
			}
			var want netip.Addr
			if tt.want != "" {
				want = netip.MustParseAddr(tt.want)
			}
			if got != want {
				t.Errorf("parseNode(%q) = %v, want %v", tt.node, got, want)
			}
		})
	}
}

func TestParseForwardedElement(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		element string
		kind    entryKind
		want    string
	}{
		{"token ipv4", "for=192.0.2.60", entryAddr, "192.0.2.60"},
		{"quoted ipv4", `for="192.0.2.60"`, entryAddr, "192.0.2.60"},
		{"quoted ipv4 port", `for="192.0.2.60:80"`, entryAddr, "192.0.2.60"},
		{"quoted ipv6 port", `for="[2001:db8::1]:4711";proto=https`, entryAddr, "2001:db8::1"},
		{"escaped quoted ipv6", `for="\[2001:db8::1\]:4711"`, entryAddr, "2001:db8::1"},
		{"token unknown", "for=unknown", entryUnknown, ""},
		{"quoted unknown", `for="unknown"`, entryUnknown, ""},
		{"token obfuscated", "for=_hidden", entryObfuscated, ""},
		{"quoted obfuscated", `for="_hidden"`, entryObfuscated, ""},
		{"unquoted ipv6", "for=[2001:db8::1]", entryMalformed, ""},
		{"empty quoted", `for=""`, entryMalformed, ""},
		{"no for", "proto=http", entryMalformed, ""},
		{"by is not for", "by=192.0.2.60", entryMalformed, ""},
		{"quoted space padded", `for=" 192.0.2.60"`, entryMalformed, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, kind := parseForwardedElement(tt.element)
			if kind != tt.kind {
				t.Fatalf("parseForwardedElement(%q) kind = %d, want %d", tt.element, kind, tt.kind)
			}
			var want netip.Addr
			if tt.want != "" {
				want = netip.MustParseAddr(tt.want)
			}
			if got != want {
				t.Errorf("parseForwardedElement(%q) = %v, want %v", tt.element, got, want)
			}
		})
	}
}

// forwardedElements returns the elements of line from right to left as the
// walk sees them, ending with "!" when a boundary could not be found.
func forwardedElements(line string) []string {
	var out []string
	for end := len(line); ; {
		el, comma, ok := lastForwardedElement(line, end)
		if !ok {
			return append(out, "!")
		}
		out = append(out, el)
		if comma < 0 {
			return out
		}
		end = comma
	}
}

func TestLastForwardedElement(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		line string
		want []string // right to left
	}{
		{"one", "for=192.0.2.60", []string{"for=192.0.2.60"}},
		{"rfc example", "for=192.0.2.43, for=198.51.100.17;by=203.0.113.60;proto=http;host=example.com",
			[]string{"for=198.51.100.17;by=203.0.113.60;proto=http;host=example.com", "for=192.0.2.43"}},
		{"comma in quoted string", `for=192.0.2.1;host="a,b", for=10.0.0.1`,
			[]string{"for=10.0.0.1", `for=192.0.2.1;host="a,b"`}},
		{"escaped quote in quoted string", `for=192.0.2.1;x="a\",b", for=10.0.0.1`,
			[]string{"for=10.0.0.1", `for=192.0.2.1;x="a\",b"`}},
		{"escaped backslash ends string", `x="a\\",for=10.0.0.1`,
			[]string{"for=10.0.0.1", `x="a\\"`}},
		{"empty elements", "a,,b", []string{"b", "", "a"}},
		{"whitespace trimmed", " a ,\tb\t", []string{"b", "a"}},
		{"empty line", "", []string{""}},
		{"unbalanced quote on the left", `for="192.0.2.1, for=10.0.0.1`,
			[]string{"for=10.0.0.1", "!"}},
		{"stray quote right of the left part", `a", for=10.0.0.1`,
			[]string{"for=10.0.0.1", "!"}},
		{"client garbage cannot swallow the right", `for="x, for="y, for=10.0.0.2, for=10.0.0.1`,
			[]string{"for=10.0.0.1", "for=10.0.0.2", `for="x, for="y`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := forwardedElements(tt.line); !slices.Equal(got, tt.want) {
				t.Errorf("elements of %q = %q, want %q", tt.line, got, tt.want)
			}
		})
	}
}
