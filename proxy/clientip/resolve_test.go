package clientip

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"testing"
)

var testTrusted = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("2001:db8:ffff::/48"),
	netip.MustParsePrefix("fe80::/10"),
}

var (
	xffOnly    = Policy{TrustedProxies: testTrusted, Headers: []Header{HeaderXForwardedFor}}
	fwdOnly    = Policy{TrustedProxies: testTrusted, Headers: []Header{HeaderForwarded}}
	fwdThenXFF = Policy{TrustedProxies: testTrusted, Headers: []Header{HeaderForwarded, HeaderXForwardedFor}}
	xffThenFwd = Policy{TrustedProxies: testTrusted, Headers: []Header{HeaderXForwardedFor, HeaderForwarded}}
)

// header builds an http.Header from name, value pairs; a repeated name adds
// another line.
func header(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

// list joins n entries made by entry(i), i counting from the left.
func list(n int, entry func(i int) string) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(entry(i))
	}
	return b.String()
}

// trustedHop returns the i-th distinct address in 10.0.0.0/8.
func trustedHop(i int) string { return fmt.Sprintf("10.%d.%d.%d", i>>16&0xff, i>>8&0xff, i&0xff) }

type resolveCase struct {
	name   string
	policy *Policy
	start  string // "" means the invalid address
	source Source
	header http.Header

	client   string
	from     Source
	trusted  bool
	chain    []string // hop addresses, Chain[0] first
	elements []string // Forwarded elements, checked when not nil
	stop     StopReason
}

func resolveCases() []resolveCase {
	tests := []resolveCase{
		// Untrusted start: headers are never read.
		{name: "forged xff from untrusted peer is ignored", policy: &xffOnly, start: "203.0.113.7",
			header: header("X-Forwarded-For", "10.0.0.1"),
			client: "203.0.113.7", from: SourcePeer, stop: StopStartUntrusted},
		{name: "forged forwarded from untrusted peer is ignored", policy: &fwdOnly, start: "203.0.113.7",
			header: header("Forwarded", "for=10.0.0.1"),
			client: "203.0.113.7", from: SourcePeer, stop: StopStartUntrusted},
		{name: "garbage from untrusted peer is not parsed", policy: &fwdThenXFF, start: "203.0.113.7",
			header: header("Forwarded", `for="`, "X-Forwarded-For", ",,,"),
			client: "203.0.113.7", from: SourcePeer, stop: StopStartUntrusted},
		{name: "untrusted proxy protocol source", policy: &xffOnly, start: "203.0.113.7", source: SourceProxyProtocol,
			header: header("X-Forwarded-For", "198.51.100.9"),
			client: "203.0.113.7", from: SourceProxyProtocol, stop: StopStartUntrusted},
		{name: "trust nobody", policy: &Policy{Headers: []Header{HeaderForwarded, HeaderXForwardedFor}}, start: "10.0.0.1",
			header: header("X-Forwarded-For", "198.51.100.9", "Forwarded", "for=198.51.100.9"),
			client: "10.0.0.1", from: SourcePeer, stop: StopStartUntrusted},
		{name: "nil policy trusts nobody", policy: nil, start: "10.0.0.1",
			header: header("X-Forwarded-For", "198.51.100.9"),
			client: "10.0.0.1", from: SourcePeer, stop: StopStartUntrusted},
		{name: "invalid start", policy: &xffOnly, start: "",
			header: header("X-Forwarded-For", "198.51.100.9"),
			client: "", from: SourcePeer, stop: StopStartUntrusted},
		{name: "untrusted zoned peer loses its zone", policy: &xffOnly, start: "fec0::1%eth0",
			header: header("X-Forwarded-For", "198.51.100.9"),
			client: "fec0::1", from: SourcePeer, stop: StopStartUntrusted},
		{name: "untrusted ipv4-mapped peer is unmapped", policy: &xffOnly, start: "::ffff:203.0.113.7",
			header: header("X-Forwarded-For", "198.51.100.9"),
			client: "203.0.113.7", from: SourcePeer, stop: StopStartUntrusted},

		// Trusted start, X-Forwarded-For.
		{name: "one trusted proxy", policy: &xffOnly, start: "10.0.0.1",
			header: header("X-Forwarded-For", "198.51.100.9"),
			client: "198.51.100.9", from: SourceXForwardedFor, trusted: true,
			chain: []string{"198.51.100.9"}, stop: StopUntrustedHop},
		{name: "chain through two trusted proxies", policy: &xffOnly, start: "10.0.0.2",
			header: header("X-Forwarded-For", "198.51.100.9, 10.0.0.1"),
			client: "198.51.100.9", from: SourceXForwardedFor, trusted: true,
			chain: []string{"198.51.100.9", "10.0.0.1"}, stop: StopUntrustedHop},
		{name: "forged left-most entries are not read", policy: &xffOnly, start: "10.0.0.2",
			header: header("X-Forwarded-For", "10.9.9.9, 1.2.3.4, 198.51.100.9, 10.0.0.1"),
			client: "198.51.100.9", from: SourceXForwardedFor, trusted: true,
			chain: []string{"198.51.100.9", "10.0.0.1"}, stop: StopUntrustedHop},
		{name: "untrusted address in the middle is the client", policy: &xffOnly, start: "10.0.0.3",
			header: header("X-Forwarded-For", "198.51.100.1, 10.0.0.1, 203.0.113.5, 10.0.0.2"),
			client: "203.0.113.5", from: SourceXForwardedFor, trusted: true,
			chain: []string{"203.0.113.5", "10.0.0.2"}, stop: StopUntrustedHop},
		{name: "all hops trusted: left-most is the client", policy: &xffOnly, start: "10.0.0.3",
			header: header("X-Forwarded-For", "10.0.0.1, 10.0.0.2"),
			client: "10.0.0.1", from: SourceXForwardedFor, trusted: true,
			chain: []string{"10.0.0.1", "10.0.0.2"}, stop: StopExhausted},
		{name: "trusted proxy protocol source reads headers", policy: &xffOnly, start: "10.0.0.1", source: SourceProxyProtocol,
			header: header("X-Forwarded-For", "198.51.100.9"),
			client: "198.51.100.9", from: SourceXForwardedFor, trusted: true,
			chain: []string{"198.51.100.9"}, stop: StopUntrustedHop},
		{name: "ipv4-mapped peer matched by ipv4 prefix", policy: &xffOnly, start: "::ffff:10.0.0.1",
			header: header("X-Forwarded-For", "198.51.100.9"),
			client: "198.51.100.9", from: SourceXForwardedFor, trusted: true,
			chain: []string{"198.51.100.9"}, stop: StopUntrustedHop},
		{name: "zoned peer matched by its prefix", policy: &xffOnly, start: "fe80::1%eth0",
			header: header("X-Forwarded-For", "2001:db8::9"),
			client: "2001:db8::9", from: SourceXForwardedFor, trusted: true,
			chain: []string{"2001:db8::9"}, stop: StopUntrustedHop},
		{name: "ipv4-mapped trusted hop is skipped", policy: &xffOnly, start: "10.0.0.1",
			header: header("X-Forwarded-For", "198.51.100.9, ::ffff:10.0.0.7"),
			client: "198.51.100.9", from: SourceXForwardedFor, trusted: true,
			chain: []string{"198.51.100.9", "10.0.0.7"}, stop: StopUntrustedHop},
		{name: "ipv4-mapped client is unmapped", policy: &xffOnly, start: "10.0.0.1",
			header: header("X-Forwarded-For", "::ffff:198.51.100.9"),
			client: "198.51.100.9", from: SourceXForwardedFor, trusted: true,
			chain: []string{"198.51.100.9"}, stop: StopUntrustedHop},
		{name: "zoned trusted hop is skipped", policy: &xffOnly, start: "10.0.0.1",
			header: header("X-Forwarded-For", "2001:db8::9, fe80::2%eth1"),
			client: "2001:db8::9", from: SourceXForwardedFor, trusted: true,
			chain: []string{"2001:db8::9", "fe80::2"}, stop: StopUntrustedHop},
		{name: "ports and brackets accepted", policy: &xffOnly, start: "10.0.0.1",
			header: header("X-Forwarded-For", "[2001:db8::9]:1234, 10.0.0.5:80, [2001:db8:ffff::1]"),
			client: "2001:db8::9", from: SourceXForwardedFor, trusted: true,
			chain: []string{"2001:db8::9", "10.0.0.5", "2001:db8:ffff::1"}, stop: StopUntrustedHop},
		{name: "several xff lines form one list", policy: &xffOnly, start: "10.0.0.3",
			header: header("X-Forwarded-For", "198.51.100.9, 10.0.0.1", "X-Forwarded-For", "10.0.0.2"),
			client: "198.51.100.9", from: SourceXForwardedFor, trusted: true,
			chain: []string{"198.51.100.9", "10.0.0.1", "10.0.0.2"}, stop: StopUntrustedHop},
		{name: "several xff lines: client on the last line", policy: &xffOnly, start: "10.0.0.3",
			header: header("X-Forwarded-For", "1.1.1.1", "X-Forwarded-For", "198.51.100.9"),
			client: "198.51.100.9", from: SourceXForwardedFor, trusted: true,
			chain: []string{"198.51.100.9"}, stop: StopUntrustedHop},
		{name: "several xff lines all trusted", policy: &xffOnly, start: "10.0.0.3",
			header: header("X-Forwarded-For", "10.0.0.1", "X-Forwarded-For", "10.0.0.2"),
			client: "10.0.0.1", from: SourceXForwardedFor, trusted: true,
			chain: []string{"10.0.0.1", "10.0.0.2"}, stop: StopExhausted},
		{name: "empty xff line between lines is malformed", policy: &xffOnly, start: "10.0.0.3",
			header: header("X-Forwarded-For", "198.51.100.9", "X-Forwarded-For", "", "X-Forwarded-For", "10.0.0.2"),
			client: "10.0.0.2", from: SourceXForwardedFor, trusted: true,
			chain: []string{"10.0.0.2"}, stop: StopMalformed},
		{name: "malformed entry behind trusted hop: client is the trusted hop", policy: &xffOnly, start: "10.0.0.1",
			header: header("X-Forwarded-For", "198.51.100.9, bogus, 10.0.0.2"),
			client: "10.0.0.2", from: SourceXForwardedFor, trusted: true,
			chain: []string{"10.0.0.2"}, stop: StopMalformed},
		{name: "unknown in xff is malformed", policy: &xffOnly, start: "10.0.0.1",
			header: header("X-Forwarded-For", "unknown"),
			client: "10.0.0.1", from: SourcePeer, trusted: true, stop: StopMalformed},

		// Missing and empty headers, policy without headers.
		{name: "no headers", policy: &fwdThenXFF, start: "10.0.0.1", header: http.Header{},
			client: "10.0.0.1", from: SourcePeer, trusted: true, stop: StopNoHeader},
		{name: "nil header map", policy: &fwdThenXFF, start: "10.0.0.1", header: nil,
			client: "10.0.0.1", from: SourcePeer, trusted: true, stop: StopNoHeader},
		{name: "header key with no lines is absent", policy: &xffOnly, start: "10.0.0.1",
			header: http.Header{"X-Forwarded-For": {}},
			client: "10.0.0.1", from: SourcePeer, trusted: true, stop: StopNoHeader},
		{name: "empty xff is malformed", policy: &xffOnly, start: "10.0.0.1",
			header: http.Header{"X-Forwarded-For": {""}},
			client: "10.0.0.1", from: SourcePeer, trusted: true, stop: StopMalformed},
		{name: "blank xff is malformed", policy: &xffOnly, start: "10.0.0.1",
			header: http.Header{"X-Forwarded-For": {" \t "}},
			client: "10.0.0.1", from: SourcePeer, trusted: true, stop: StopMalformed},
		{name: "empty forwarded is malformed", policy: &fwdOnly, start: "10.0.0.1",
			header: http.Header{"Forwarded": {""}},
			client: "10.0.0.1", from: SourcePeer, trusted: true, stop: StopMalformed},
		{name: "policy with no headers", policy: &Policy{TrustedProxies: testTrusted}, start: "10.0.0.1",
			header: header("X-Forwarded-For", "198.51.100.9", "Forwarded", "for=198.51.100.9"),
			client: "10.0.0.1", from: SourcePeer, trusted: true, stop: StopNoHeader},
		{name: "policy with an unknown header value", policy: &Policy{TrustedProxies: testTrusted, Headers: []Header{0, 7, HeaderXForwardedFor}},
			start: "10.0.0.1", header: header("X-Forwarded-For", "198.51.100.9"),
			client: "198.51.100.9", from: SourceXForwardedFor, trusted: true,
			chain: []string{"198.51.100.9"}, stop: StopUntrustedHop},
		{name: "only configured header is read", policy: &xffOnly, start: "10.0.0.1",
			header: header("Forwarded", "for=198.51.100.9"),
			client: "10.0.0.1", from: SourcePeer, trusted: true, stop: StopNoHeader},
		{name: "non-canonical key is not seen", policy: &xffOnly, start: "10.0.0.1",
			header: http.Header{"x-forwarded-for": {"198.51.100.9"}},
			client: "10.0.0.1", from: SourcePeer, trusted: true, stop: StopNoHeader},

		// Both headers present: the first configured one wins.
		{name: "both present, forwarded first wins", policy: &fwdThenXFF, start: "10.0.0.1",
			header: header("X-Forwarded-For", "203.0.113.1", "Forwarded", "for=198.51.100.9"),
			client: "198.51.100.9", from: SourceForwarded, trusted: true,
			chain: []string{"198.51.100.9"}, elements: []string{"for=198.51.100.9"}, stop: StopUntrustedHop},
		{name: "both present, xff first wins", policy: &xffThenFwd, start: "10.0.0.1",
			header: header("X-Forwarded-For", "203.0.113.1", "Forwarded", "for=198.51.100.9"),
			client: "203.0.113.1", from: SourceXForwardedFor, trusted: true,
			chain: []string{"203.0.113.1"}, stop: StopUntrustedHop},
		{name: "first configured absent, second read", policy: &fwdThenXFF, start: "10.0.0.1",
			header: header("X-Forwarded-For", "203.0.113.1"),
			client: "203.0.113.1", from: SourceXForwardedFor, trusted: true,
			chain: []string{"203.0.113.1"}, stop: StopUntrustedHop},
		{name: "first configured malformed, second not consulted", policy: &fwdThenXFF, start: "10.0.0.1",
			header: header("X-Forwarded-For", "203.0.113.1", "Forwarded", "for=[2001:db8::1]"),
			client: "10.0.0.1", from: SourcePeer, trusted: true, stop: StopMalformed},

		// Forwarded.
		{name: "forwarded quoted ipv6 with port", policy: &fwdOnly, start: "10.0.0.1",
			header: header("Forwarded", `for="[2001:db8::1]:4711";proto=https`),
			client: "2001:db8::1", from: SourceForwarded, trusted: true,
			chain: []string{"2001:db8::1"}, elements: []string{`for="[2001:db8::1]:4711";proto=https`}, stop: StopUntrustedHop},
		{name: "forwarded two trusted proxies", policy: &fwdOnly, start: "2001:db8:ffff::2",
			header: header("Forwarded", `for=192.0.2.60;proto=http;by=203.0.113.43, for="[2001:db8:ffff::1]:80"`),
			client: "192.0.2.60", from: SourceForwarded, trusted: true,
			chain:    []string{"192.0.2.60", "2001:db8:ffff::1"},
			elements: []string{"for=192.0.2.60;proto=http;by=203.0.113.43", `for="[2001:db8:ffff::1]:80"`}, stop: StopUntrustedHop},
		{name: "forwarded quoted ipv4 with port", policy: &fwdOnly, start: "10.0.0.1",
			header: header("Forwarded", `for="192.0.2.60:80"`),
			client: "192.0.2.60", from: SourceForwarded, trusted: true,
			chain: []string{"192.0.2.60"}, elements: []string{`for="192.0.2.60:80"`}, stop: StopUntrustedHop},
		{name: "forwarded obfuscated port keeps the address", policy: &fwdOnly, start: "10.0.0.1",
			header: header("Forwarded", `for="192.0.2.60:_p1"`),
			client: "192.0.2.60", from: SourceForwarded, trusted: true,
			chain: []string{"192.0.2.60"}, elements: []string{`for="192.0.2.60:_p1"`}, stop: StopUntrustedHop},
		{name: "forwarded unknown stops at the trusted hop", policy: &fwdOnly, start: "10.0.0.1",
			header: header("Forwarded", "for=198.51.100.9, for=unknown, for=10.0.0.2"),
			client: "10.0.0.2", from: SourceForwarded, trusted: true,
			chain: []string{"10.0.0.2"}, elements: []string{"for=10.0.0.2"}, stop: StopUnknown},
		{name: "forwarded unknown right away", policy: &fwdOnly, start: "10.0.0.1",
			header: header("Forwarded", "for=unknown"),
			client: "10.0.0.1", from: SourcePeer, trusted: true, stop: StopUnknown},
		{name: "forwarded obfuscated stops at the trusted hop", policy: &fwdOnly, start: "10.0.0.1",
			header: header("Forwarded", `for=198.51.100.9, for="_hidden:_port";proto=https, for=10.0.0.2`),
			client: "10.0.0.2", from: SourceForwarded, trusted: true,
			chain: []string{"10.0.0.2"}, elements: []string{"for=10.0.0.2"}, stop: StopObfuscated},
		{name: "forwarded obfuscated right away", policy: &fwdOnly, start: "10.0.0.1",
			header: header("Forwarded", "for=_obf"),
			client: "10.0.0.1", from: SourcePeer, trusted: true, stop: StopObfuscated},
		{name: "forwarded all trusted", policy: &fwdOnly, start: "10.0.0.1",
			header: header("Forwarded", "for=10.0.0.3, for=10.0.0.2"),
			client: "10.0.0.3", from: SourceForwarded, trusted: true,
			chain: []string{"10.0.0.3", "10.0.0.2"}, elements: []string{"for=10.0.0.3", "for=10.0.0.2"}, stop: StopExhausted},
		{name: "forwarded several lines form one list", policy: &fwdOnly, start: "10.0.0.1",
			header: header("Forwarded", "for=198.51.100.9", "Forwarded", "for=10.0.0.3;proto=https", "Forwarded", "for=10.0.0.2"),
			client: "198.51.100.9", from: SourceForwarded, trusted: true,
			chain:    []string{"198.51.100.9", "10.0.0.3", "10.0.0.2"},
			elements: []string{"for=198.51.100.9", "for=10.0.0.3;proto=https", "for=10.0.0.2"}, stop: StopUntrustedHop},
		{name: "forwarded comma inside quoted string", policy: &fwdOnly, start: "10.0.0.1",
			header: header("Forwarded", `for=198.51.100.9;host="a,for=10.0.0.9", for=10.0.0.2`),
			client: "198.51.100.9", from: SourceForwarded, trusted: true,
			chain:    []string{"198.51.100.9", "10.0.0.2"},
			elements: []string{`for=198.51.100.9;host="a,for=10.0.0.9"`, "for=10.0.0.2"}, stop: StopUntrustedHop},
		{name: "forwarded client quote on the left cannot swallow trusted elements", policy: &fwdOnly, start: "10.0.0.1",
			header: header("Forwarded", `for="10.9.9.9, for=198.51.100.9, for=10.0.0.2`),
			client: "198.51.100.9", from: SourceForwarded, trusted: true,
			chain:    []string{"198.51.100.9", "10.0.0.2"},
			elements: []string{"for=198.51.100.9", "for=10.0.0.2"}, stop: StopUntrustedHop},
		{name: "forwarded unbalanced quote behind trusted hop", policy: &fwdOnly, start: "10.0.0.1",
			header: header("Forwarded", `for="10.9.9.9, for=10.0.0.2`),
			client: "10.0.0.2", from: SourceForwarded, trusted: true,
			chain: []string{"10.0.0.2"}, elements: []string{"for=10.0.0.2"}, stop: StopMalformed},
		{name: "forwarded case-insensitive name and whitespace", policy: &fwdOnly, start: "10.0.0.1",
			header: header("Forwarded", "FOR=198.51.100.9 ; Proto=https ,\tFor=10.0.0.2"),
			client: "198.51.100.9", from: SourceForwarded, trusted: true,
			chain:    []string{"198.51.100.9", "10.0.0.2"},
			elements: []string{"FOR=198.51.100.9 ; Proto=https", "For=10.0.0.2"}, stop: StopUntrustedHop},
		{name: "forwarded escaped quoted value", policy: &fwdOnly, start: "10.0.0.1",
			header: header("Forwarded", `for="\[2001:db8::1\]"`),
			client: "2001:db8::1", from: SourceForwarded, trusted: true,
			chain: []string{"2001:db8::1"}, elements: []string{`for="\[2001:db8::1\]"`}, stop: StopUntrustedHop},
		{name: "forwarded ipv4-mapped trusted hop", policy: &fwdOnly, start: "10.0.0.1",
			header: header("Forwarded", `for=198.51.100.9, for="[::ffff:10.0.0.2]"`),
			client: "198.51.100.9", from: SourceForwarded, trusted: true,
			chain: []string{"198.51.100.9", "10.0.0.2"}, elements: []string{"for=198.51.100.9", `for="[::ffff:10.0.0.2]"`}, stop: StopUntrustedHop},
	}

	// Garbage entries, each kind on its own, then behind a trusted hop.
	xffGarbage := map[string]string{
		"empty entry":       "",
		"word":              "garbage",
		"hostname":          "client.example",
		"leading zero":      "198.51.100.09",
		"port out of range": "198.51.100.9:70000",
		"bracketed ipv4":    "[198.51.100.9]",
		"unclosed bracket":  "[2001:db8::1",
		"zone on ipv4":      "198.51.100.9%eth0",
		"empty zone":        "fe80::1%",
		"cidr":              "198.51.100.0/24",
		"two addresses":     "198.51.100.9 198.51.100.10",
		"quoted":            `"198.51.100.9"`,
		"forwarded syntax":  "for=198.51.100.9",
		"control byte":      "198.51.100.9\x7f",
	}
	for kind, entry := range xffGarbage {
		tests = append(tests,
			resolveCase{name: "xff garbage alone/" + kind, policy: &xffOnly, start: "10.0.0.1",
				header: http.Header{"X-Forwarded-For": {entry}},
				client: "10.0.0.1", from: SourcePeer, trusted: true, stop: StopMalformed},
			resolveCase{name: "xff garbage behind trusted hop/" + kind, policy: &xffOnly, start: "10.0.0.1",
				header: http.Header{"X-Forwarded-For": {"198.51.100.9, " + entry + ", 10.0.0.2"}},
				client: "10.0.0.2", from: SourceXForwardedFor, trusted: true,
				chain: []string{"10.0.0.2"}, stop: StopMalformed},
		)
	}
	fwdGarbage := map[string]string{
		"empty element":          "",
		"unquoted ipv6":          "for=[2001:db8::1]",
		"unquoted bare ipv6":     "for=2001:db8::1",
		"unquoted port":          "for=198.51.100.9:80",
		"duplicate for":          "for=198.51.100.9;for=198.51.100.10",
		"no for":                 "proto=https;host=example.com",
		"by only":                "by=198.51.100.9",
		"empty value":            "for=",
		"empty quoted value":     `for=""`,
		"bad escape":             "for=\"198.51.100.9\\\x01\"",
		"zone":                   `for="[fe80::1%eth0]"`,
		"bracketed ipv4":         `for="[198.51.100.9]"`,
		"port out of range":      `for="198.51.100.9:65536"`,
		"hostname":               "for=client.example",
		"space around equals":    "for = 198.51.100.9",
		"junk after quote":       `for="198.51.100.9"x`,
		"missing equals":         "for",
		"bad obfuscated":         `for="_a/b"`,
		"escaped closing quote":  `for="198.51.100.9\"`,
		"leading zero":           "for=198.51.100.09",
		"unquoted obfuscated v6": "for=_a:b",
	}
	for kind, el := range fwdGarbage {
		tests = append(tests,
			resolveCase{name: "forwarded garbage alone/" + kind, policy: &fwdOnly, start: "10.0.0.1",
				header: http.Header{"Forwarded": {el}},
				client: "10.0.0.1", from: SourcePeer, trusted: true, stop: StopMalformed},
			resolveCase{name: "forwarded garbage behind trusted hop/" + kind, policy: &fwdOnly, start: "10.0.0.1",
				header: http.Header{"Forwarded": {"for=198.51.100.9, " + el + ", for=10.0.0.2"}},
				client: "10.0.0.2", from: SourceForwarded, trusted: true,
				chain: []string{"10.0.0.2"}, elements: []string{"for=10.0.0.2"}, stop: StopMalformed},
		)
	}

	// Hop limit and very long headers.
	hops := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = trustedHop(i)
		}
		return out
	}
	last := func(n, k int) []string { h := hops(n); return h[n-k:] }
	tests = append(tests,
		resolveCase{name: "exactly MaxHops trusted hops", policy: &xffOnly, start: "10.0.0.1",
			header: http.Header{"X-Forwarded-For": {list(MaxHops, trustedHop)}},
			client: trustedHop(0), from: SourceXForwardedFor, trusted: true,
			chain: hops(MaxHops), stop: StopExhausted},
		resolveCase{name: "one more than MaxHops trusted hops", policy: &xffOnly, start: "10.0.0.1",
			header: http.Header{"X-Forwarded-For": {list(MaxHops+1, trustedHop)}},
			client: trustedHop(1), from: SourceXForwardedFor, trusted: true,
			chain: last(MaxHops+1, MaxHops), stop: StopHopLimit},
		resolveCase{name: "client at the last hop the limit allows", policy: &xffOnly, start: "10.0.0.1",
			header: http.Header{"X-Forwarded-For": {"198.51.100.9, " + list(MaxHops-1, trustedHop)}},
			client: "198.51.100.9", from: SourceXForwardedFor, trusted: true,
			chain: append([]string{"198.51.100.9"}, hops(MaxHops-1)...), stop: StopUntrustedHop},
		resolveCase{name: "client beyond the hop limit is not reached", policy: &xffOnly, start: "10.0.0.1",
			header: http.Header{"X-Forwarded-For": {"198.51.100.9, " + list(MaxHops, trustedHop)}},
			client: trustedHop(0), from: SourceXForwardedFor, trusted: true,
			chain: hops(MaxHops), stop: StopHopLimit},
		resolveCase{name: "10000 xff entries, client near the right", policy: &xffOnly, start: "10.0.0.1",
			header: http.Header{"X-Forwarded-For": {list(9998, func(i int) string { return "203.0.113.7" }) + ", 198.51.100.9, 10.0.0.2"}},
			client: "198.51.100.9", from: SourceXForwardedFor, trusted: true,
			chain: []string{"198.51.100.9", "10.0.0.2"}, stop: StopUntrustedHop},
		resolveCase{name: "10000 xff entries all trusted hit the hop limit", policy: &xffOnly, start: "10.0.0.1",
			header: http.Header{"X-Forwarded-For": {list(10000, trustedHop)}},
			client: trustedHop(10000 - MaxHops), from: SourceXForwardedFor, trusted: true,
			chain: last(10000, MaxHops), stop: StopHopLimit},
		resolveCase{name: "10000 xff lines, client near the right", policy: &xffOnly, start: "10.0.0.1",
			header: http.Header{"X-Forwarded-For": append(strings.Split(list(9999, func(int) string { return "bogus" }), ", "), "198.51.100.9")},
			client: "198.51.100.9", from: SourceXForwardedFor, trusted: true,
			chain: []string{"198.51.100.9"}, stop: StopUntrustedHop},
		resolveCase{name: "10000 forwarded elements, client near the right", policy: &fwdOnly, start: "10.0.0.1",
			header: http.Header{"Forwarded": {`for="` + list(9998, func(int) string { return "for=203.0.113.7" }) + ", for=198.51.100.9, for=10.0.0.2"}},
			client: "198.51.100.9", from: SourceForwarded, trusted: true,
			chain: []string{"198.51.100.9", "10.0.0.2"}, elements: []string{"for=198.51.100.9", "for=10.0.0.2"}, stop: StopUntrustedHop},
		resolveCase{name: "10000 forwarded elements all trusted hit the hop limit", policy: &fwdOnly, start: "10.0.0.1",
			header: http.Header{"Forwarded": {list(10000, func(i int) string { return "for=" + trustedHop(i) })}},
			client: trustedHop(10000 - MaxHops), from: SourceForwarded, trusted: true,
			chain: last(10000, MaxHops), stop: StopHopLimit},
	)
	return tests
}

func TestResolve(t *testing.T) {
	t.Parallel()
	for _, tt := range resolveCases() {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var start netip.Addr
			if tt.start != "" {
				start = netip.MustParseAddr(tt.start)
			}
			// Once with a fresh buffer, once reusing a dirty one.
			dirty := make([]Hop, MaxHops)
			for i := range dirty {
				dirty[i] = Hop{Addr: netip.MustParseAddr("192.0.2.255"), Element: "dirty"}
			}
			for _, buf := range [][]Hop{nil, dirty} {
				got := tt.policy.Resolve(start, tt.source, tt.header, buf)
				checkInvariants(t, tt.policy, start, tt.source, tt.header, got)
				checkResult(t, tt, got)
			}
			if want, ok := referenceResolve(tt.policy, start, tt.source, tt.header); ok && !sameResult(want, tt.policy.Resolve(start, tt.source, tt.header, nil)) {
				t.Errorf("left-to-right reference disagrees: %+v", want)
			}
		})
	}
}

func checkResult(t *testing.T, tt resolveCase, got Result) {
	t.Helper()
	var client netip.Addr
	if tt.client != "" {
		client = netip.MustParseAddr(tt.client)
	}
	if got.Client != client {
		t.Errorf("Client = %v, want %v", got.Client, client)
	}
	if got.Source != tt.from {
		t.Errorf("Source = %v, want %v", got.Source, tt.from)
	}
	if got.PeerTrusted != tt.trusted {
		t.Errorf("PeerTrusted = %v, want %v", got.PeerTrusted, tt.trusted)
	}
	if got.Stopped != tt.stop {
		t.Errorf("Stopped = %v, want %v", got.Stopped, tt.stop)
	}
	if len(got.Chain) != len(tt.chain) {
		t.Fatalf("Chain has %d hops %v, want %d %q", len(got.Chain), got.Chain, len(tt.chain), tt.chain)
	}
	for i, want := range tt.chain {
		if got.Chain[i].Addr != netip.MustParseAddr(want) {
			t.Errorf("Chain[%d].Addr = %v, want %v", i, got.Chain[i].Addr, want)
		}
		if tt.elements != nil && got.Chain[i].Element != tt.elements[i] {
			t.Errorf("Chain[%d].Element = %q, want %q", i, got.Chain[i].Element, tt.elements[i])
		}
	}
}
