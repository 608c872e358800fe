package clientip

import (
	"net/netip"
	"slices"
	"testing"
)

func TestParseXFFEntry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		entry string
		want  string // "" means malformed
	}{
		{"ipv4", "192.0.2.60", "192.0.2.60"},
		{"ipv6", "2001:db8::1", "2001:db8::1"},
		{"ipv6 upper case", "2001:DB8::A", "2001:db8::a"},
		{"bracketed ipv6", "[2001:db8::1]", "2001:db8::1"},
		{"ipv4 with port", "192.0.2.60:4711", "192.0.2.60"},
		{"bracketed ipv6 with port", "[2001:db8::1]:4711", "2001:db8::1"},
		{"port zero", "192.0.2.60:0", "192.0.2.60"},
		{"port 65535", "192.0.2.60:65535", "192.0.2.60"},
		{"ipv4-mapped is unmapped", "::ffff:192.0.2.60", "192.0.2.60"},
		{"bracketed ipv4-mapped", "[::ffff:192.0.2.60]:80", "192.0.2.60"},
		{"zone dropped", "fe80::1%eth0", "fe80::1"},
		{"bracketed zone dropped", "[fe80::1%eth0]:80", "fe80::1"},
		{"ipv6 with embedded ipv4", "64:ff9b::192.0.2.60", "64:ff9b::c000:23c"},

		{"empty", "", ""},
		{"word", "unknown", ""},
		{"hostname", "example.com", ""},
		{"leading zero octet", "192.0.2.060", ""},
		{"five octets", "192.0.2.60.1", ""},
		{"octet overflow", "192.0.2.256", ""},
		{"port too large", "192.0.2.60:65536", ""},
		{"port six digits", "192.0.2.60:000080", ""},
		{"empty port", "192.0.2.60:", ""},
		{"port not numeric", "192.0.2.60:http", ""},
		{"signed port", "192.0.2.60:+80", ""},
		{"missing host before port", ":80", ""},
		{"bracketed ipv4", "[192.0.2.60]", ""},
		{"unclosed bracket", "[2001:db8::1", ""},
		{"stray closing bracket", "2001:db8::1]", ""},
		{"bracket then junk", "[2001:db8::1]x", ""},
		{"bracket then empty port", "[2001:db8::1]:", ""},
		{"empty brackets", "[]", ""},
		{"zone on ipv4", "192.0.2.60%eth0", ""},
		{"empty zone", "fe80::1%", ""},
		{"zone with space", "fe80::1%et h0", ""},
		{"zone with slash", "fe80::1%eth0/1", ""},
		{"cidr", "192.0.2.0/24", ""},
		{"inner space", "192.0.2.60 198.51.100.1", ""},
		{"quoted", `"192.0.2.60"`, ""},
		{"forwarded syntax", "for=192.0.2.60", ""},
		{"ipv6 unbracketed with port is just ipv6", "2001:db8::1:80", "2001:db8::1:80"},
		{"too many ipv6 groups", "1:2:3:4:5:6:7:8:9", ""},
		{"nul byte", "192.0.2.60\x00", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := parseXFFEntry(tt.entry)
			if tt.want == "" {
				if ok {
					t.Fatalf("parseXFFEntry(%q) = %v, want malformed", tt.entry, got)
				}
				return
			}
			if !ok {
				t.Fatalf("parseXFFEntry(%q) malformed, want %s", tt.entry, tt.want)
			}
			if want := netip.MustParseAddr(tt.want); got != want {
				t.Errorf("parseXFFEntry(%q) = %v, want %v", tt.entry, got, want)
			}
		})
	}
}

// xffEntries returns the entries of line from right to left, as the walk
// sees them.
func xffEntries(line string) []string {
	var out []string
	for end := len(line); ; {
		entry, comma := lastXFFEntry(line, end)
		out = append(out, entry)
		if comma < 0 {
			return out
		}
		end = comma
	}
}

func TestLastXFFEntry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		line string
		want []string // right to left
	}{
		{"one", "192.0.2.1", []string{"192.0.2.1"}},
		{"two with space", "192.0.2.1, 10.0.0.1", []string{"10.0.0.1", "192.0.2.1"}},
		{"no space", "192.0.2.1,10.0.0.1", []string{"10.0.0.1", "192.0.2.1"}},
		{"tabs and spaces", "\t192.0.2.1 \t,\t 10.0.0.1 ", []string{"10.0.0.1", "192.0.2.1"}},
		{"empty middle", "192.0.2.1,,10.0.0.1", []string{"10.0.0.1", "", "192.0.2.1"}},
		{"trailing comma", "192.0.2.1,", []string{"", "192.0.2.1"}},
		{"leading comma", ",192.0.2.1", []string{"192.0.2.1", ""}},
		{"empty line", "", []string{""}},
		{"blank line", "  ", []string{""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := xffEntries(tt.line); !slices.Equal(got, tt.want) {
				t.Errorf("entries of %q = %q, want %q", tt.line, got, tt.want)
			}
		})
	}
}
