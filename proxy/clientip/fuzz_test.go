package clientip

import (
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

// splitForwardedLTR is a naive reference for lastForwardedElement: it splits
// line into elements left to right, tracking quoted-strings. ok is false
// when a quoted-string is left open.
func splitForwardedLTR(line string) (elements []string, ok bool) {
	start, quoted := 0, false
	for i := 0; i < len(line); i++ {
		switch c := line[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case !quoted && c == ',':
			elements = append(elements, trimOWS(line[start:i]))
			start = i + 1
		}
	}
	if quoted {
		return nil, false
	}
	return append(elements, trimOWS(line[start:])), true
}

// referenceResolve is a naive reference for Policy.Resolve: it splits the
// whole header into a slice first and walks the slice. ok is false when it
// cannot judge the input (a Forwarded line with an open quote, which the
// right-to-left walk reads differently by design).
func referenceResolve(p *Policy, start netip.Addr, startSource Source, h http.Header) (r Result, ok bool) {
	start = Normalize(start)
	r = Result{Client: start, Source: startSource, Stopped: StopStartUntrusted}
	if !p.Trusted(start) {
		return r, true
	}
	r.PeerTrusted, r.Stopped = true, StopNoHeader
	var hdr Header
	for _, c := range p.Headers {
		if k := c.canonicalKey(); k != "" && len(h[k]) > 0 {
			hdr = c
			break
		}
	}
	if hdr == 0 {
		return r, true
	}
	var entries []string
	for _, line := range h[hdr.canonicalKey()] {
		if hdr == HeaderXForwardedFor {
			for _, e := range strings.Split(line, ",") {
				entries = append(entries, trimOWS(e))
			}
			continue
		}
		els, ok := splitForwardedLTR(line)
		if !ok {
			return Result{}, false
		}
		entries = append(entries, els...)
	}
	var chain []Hop
	r.Stopped = StopExhausted
walk:
	for i := len(entries) - 1; i >= 0; i-- {
		if len(chain) == MaxHops {
			r.Stopped = StopHopLimit
			break
		}
		var hop Hop
		kind := entryMalformed
		if hdr == HeaderXForwardedFor {
			if a, ok := parseXFFEntry(entries[i]); ok {
				hop.Addr, kind = a, entryAddr
			}
		} else {
			hop.Element = entries[i]
			hop.Addr, kind = parseForwardedElement(entries[i])
		}
		switch kind {
		case entryMalformed:
			r.Stopped = StopMalformed
			break walk
		case entryUnknown:
			r.Stopped = StopUnknown
			break walk
		case entryObfuscated:
			r.Stopped = StopObfuscated
			break walk
		}
		chain = append([]Hop{hop}, chain...)
		if !p.Trusted(hop.Addr) {
			r.Stopped = StopUntrustedHop
			break
		}
	}
	if len(chain) > 0 {
		r.Client, r.Source, r.Chain = chain[0].Addr, hdr.source(), chain
	}
	return r, true
}

func sameResult(a, b Result) bool {
	return a.Client == b.Client && a.Source == b.Source && a.PeerTrusted == b.PeerTrusted &&
		a.Stopped == b.Stopped && slices.Equal(a.Chain, b.Chain)
}

// formatNode writes a as an RFC 7239 node value, quoted when it must be.
func formatNode(a netip.Addr) string {
	if a.Is4() {
		return a.String()
	}
	return `"[` + a.String() + `]"`
}

func FuzzXForwardedFor(f *testing.F) {
	for _, s := range []string{
		"192.0.2.60", "192.0.2.60, 10.0.0.1", "2001:db8::1", "[2001:db8::1]:4711", "192.0.2.60:80",
		"::ffff:192.0.2.60", "fe80::1%eth0", "[fe80::1%eth0]:1", ",,", "", " , ", "unknown", "[192.0.2.1]",
		"192.0.2.60:65536", "1.2.3.4%x", "[::1", "::1]", "01.2.3.4", "a, b, c", "1.2.3.4,\t5.6.7.8 ",
		"[2001:db8::1]x", "fe80::1%", "64:ff9b::1.2.3.4", "\xff\xfe",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		// The splitter agrees with strings.Split.
		var want []string
		for _, e := range strings.Split(line, ",") {
			want = append(want, trimOWS(e))
		}
		slices.Reverse(want)
		if got := xffEntries(line); !slices.Equal(got, want) {
			t.Fatalf("entries of %q = %q, want %q", line, got, want)
		}
		for _, e := range want {
			a, ok := parseXFFEntry(e)
			if !ok {
				if a.IsValid() {
					t.Fatalf("malformed %q returned address %v", e, a)
				}
				// Every plain zone-less address netip accepts is accepted.
				if p, err := netip.ParseAddr(e); err == nil && p.Zone() == "" {
					t.Fatalf("parseXFFEntry(%q) malformed, netip parses %v", e, p)
				}
				continue
			}
			if !a.IsValid() || a != Normalize(a) {
				t.Fatalf("parseXFFEntry(%q) = %v, not a normalised address", e, a)
			}
			if p, err := netip.ParseAddr(e); err == nil && Normalize(p) != a {
				t.Fatalf("parseXFFEntry(%q) = %v, netip says %v", e, a, Normalize(p))
			}
			for _, form := range []string{a.String(), netip.AddrPortFrom(a, 443).String()} {
				if b, ok := parseXFFEntry(form); !ok || b != a {
					t.Fatalf("round trip of %q via %q = %v, %v", e, form, b, ok)
				}
			}
		}
	})
}

func FuzzForwarded(f *testing.F) {
	for _, s := range []string{
		"for=192.0.2.60", `for="[2001:db8::1]:4711";proto=https`, `for="192.0.2.60:80"`, "for=unknown",
		"for=_hidden", `for="_hidden:_port"`, "for=[2001:db8::1]", "for=192.0.2.60:80", "for=1.2.3.4;for=5.6.7.8",
		"proto=https", `for=192.0.2.43, for=198.51.100.17;by=203.0.113.60;proto=http;host=example.com`,
		`for=1.2.3.4;host="a,b", for=10.0.0.1`, `for="\[2001:db8::1\]"`, `for="a\"b, for=1.2.3.4"`,
		`for="1.2.3.4, for=5.6.7.8`, `x\"y", for=1.2.3.4`, `"\\", for=1.2.3.4`, ",,", "", "FOR=1.2.3.4 ; Proto=http",
		`for="[fe80::1%eth0]"`, `for="[::ffff:10.0.0.1]"`, "for=\"1.2.3.4\\\x01\"", `for=""`, `for=1.2.3.4;;`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		got := forwardedElements(line)
		// Where the naive left-to-right split is well defined and every
		// element parses, the right-to-left split finds the same elements.
		if want, ok := splitForwardedLTR(line); ok {
			slices.Reverse(want)
			allGood := true
			for _, el := range want {
				if _, ok := forwardedFor(el); !ok {
					allGood = false
				}
			}
			if allGood && !slices.Equal(got, want) {
				t.Fatalf("elements of %q = %q, left-to-right reference %q", line, got, want)
			}
		}
		for _, el := range got {
			if el == "!" {
				break
			}
			a, kind := parseForwardedElement(el)
			if kind != entryAddr {
				if a.IsValid() {
					t.Fatalf("%q: kind %d with address %v", el, kind, a)
				}
				continue
			}
			if !a.IsValid() || a != Normalize(a) {
				t.Fatalf("parseForwardedElement(%q) = %v, not a normalised address", el, a)
			}
			if b, kind := parseForwardedElement("for=" + formatNode(a)); kind != entryAddr || b != a {
				t.Fatalf("round trip of %q = %v, %d", el, b, kind)
			}
		}
	})
}

var fuzzPolicyTrust = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("::1/128"),
	netip.MustParsePrefix("2001:db8::/32"),
	netip.MustParsePrefix("fe80::/10"),
}

var fuzzHeaderOrders = [][]Header{
	nil,
	{HeaderForwarded},
	{HeaderXForwardedFor},
	{HeaderForwarded, HeaderXForwardedFor},
	{HeaderXForwardedFor, HeaderForwarded},
}

func FuzzResolve(f *testing.F) {
	type seed struct {
		peer      string
		proxy     bool
		order     uint8
		forwarded string
		xff       string
	}
	for _, s := range []seed{
		{"203.0.113.7", false, 3, "for=10.0.0.1", "10.0.0.1"},
		{"10.0.0.1", false, 2, "", "198.51.100.9, 10.0.0.2"},
		{"10.0.0.1", true, 1, `for="[2001:db8::1]:4711";proto=https, for=10.1.1.1`, ""},
		{"::ffff:10.0.0.1", false, 4, "for=198.51.100.9", "203.0.113.1"},
		{"fe80::1%eth0", false, 3, "for=unknown, for=10.0.0.2", "1.2.3.4"},
		{"10.0.0.1", false, 2, "", "1.1.1.1\n198.51.100.9, 10.0.0.3\n10.0.0.2"},
		{"10.0.0.1", false, 1, "for=_obf\nfor=10.0.0.4", ""},
		{"10.0.0.1", false, 2, "", "10.0.0.5, 10.0.0.4"},
		{"10.0.0.1", false, 2, "", ",,"},
		{"10.0.0.1", false, 1, `for="10.9.9.9, for=198.51.100.9, for=10.0.0.2`, ""},
		{"10.0.0.1", false, 0, "for=198.51.100.9", "198.51.100.9"},
		{"", false, 2, "", "198.51.100.9"},
		{"::1", false, 3, `for="[::1]", for="[2001:db8::2]:80"`, ""},
		{"10.0.0.1", false, 2, "", strings.Repeat("10.0.0.9, ", 100) + "10.0.0.8"},
	} {
		f.Add(s.peer, s.proxy, s.order, s.forwarded, s.xff)
	}
	f.Fuzz(func(t *testing.T, peer string, proxy bool, order uint8, forwarded, xff string) {
		start, _ := netip.ParseAddr(peer) // invalid when peer is not an address
		source := SourcePeer
		if proxy {
			source = SourceProxyProtocol
		}
		p := &Policy{TrustedProxies: fuzzPolicyTrust, Headers: fuzzHeaderOrders[int(order)%len(fuzzHeaderOrders)]}
		h := http.Header{}
		if forwarded != "" {
			h["Forwarded"] = strings.Split(forwarded, "\n")
		}
		if xff != "" {
			h["X-Forwarded-For"] = strings.Split(xff, "\n")
		}
		got := p.Resolve(start, source, h, nil)
		checkInvariants(t, p, start, source, h, got)
		if want, ok := referenceResolve(p, start, source, h); ok && !sameResult(got, want) {
			t.Fatalf("Resolve = %+v, reference %+v", got, want)
		}
		buf := make([]Hop, 3, MaxHops)
		if again := p.Resolve(start, source, h, buf); !sameResult(again, got) {
			t.Fatalf("Resolve with buf = %+v, without %+v", again, got)
		}
	})
}
