package clientip

import (
	"net/http"
	"net/netip"
	"testing"
)

// checkInvariants fails t when r breaks a property that every Result of
// p.Resolve(start, startSource, h, _) must have, whatever the input.
func checkInvariants(t testing.TB, p *Policy, start netip.Addr, startSource Source, h http.Header, r Result) {
	t.Helper()
	nstart := Normalize(start)
	if start.IsValid() && !r.Client.IsValid() {
		t.Fatalf("Client invalid for valid start %v", start)
	}
	if r.PeerTrusted != p.Trusted(start) {
		t.Fatalf("PeerTrusted = %v, want %v", r.PeerTrusted, p.Trusted(start))
	}
	if !r.PeerTrusted {
		if len(r.Chain) != 0 || r.Client != nstart || r.Source != startSource || r.Stopped != StopStartUntrusted {
			t.Fatalf("untrusted start %v: got %+v", start, r)
		}
		return
	}
	if len(r.Chain) > MaxHops {
		t.Fatalf("Chain has %d hops, more than MaxHops", len(r.Chain))
	}
	if len(r.Chain) == 0 {
		if r.Chain != nil {
			t.Fatalf("empty Chain is not nil")
		}
		if r.Client != nstart || r.Source != startSource {
			t.Fatalf("empty chain: Client = %v from %v, want start %v from %v", r.Client, r.Source, nstart, startSource)
		}
		switch r.Stopped {
		case StopNoHeader, StopMalformed, StopUnknown, StopObfuscated:
		default:
			t.Fatalf("empty chain stopped by %v", r.Stopped)
		}
		return
	}
	if r.Client != r.Chain[0].Addr {
		t.Fatalf("Client %v is not Chain[0] %v", r.Client, r.Chain[0].Addr)
	}
	if r.Source != SourceForwarded && r.Source != SourceXForwardedFor {
		t.Fatalf("non-empty chain with Source %v", r.Source)
	}
	for i, hop := range r.Chain {
		if !hop.Addr.IsValid() || hop.Addr != Normalize(hop.Addr) {
			t.Fatalf("Chain[%d] = %v is not a normalised address", i, hop.Addr)
		}
		if i > 0 && !p.Trusted(hop.Addr) {
			t.Fatalf("Chain[%d] = %v is untrusted but the walk went past it", i, hop.Addr)
		}
		switch r.Source {
		case SourceXForwardedFor:
			if hop.Element != "" {
				t.Fatalf("X-Forwarded-For hop %d has Element %q", i, hop.Element)
			}
		case SourceForwarded:
			if a, kind := parseForwardedElement(hop.Element); kind != entryAddr || a != hop.Addr {
				t.Fatalf("Chain[%d].Element %q does not parse to %v", i, hop.Element, hop.Addr)
			}
		}
	}
	if untrusted := !p.Trusted(r.Chain[0].Addr); untrusted != (r.Stopped == StopUntrustedHop) {
		t.Fatalf("Chain[0] %v untrusted = %v, but Stopped = %v", r.Chain[0].Addr, untrusted, r.Stopped)
	}
	if r.Stopped == StopHopLimit && len(r.Chain) != MaxHops {
		t.Fatalf("hop limit with %d hops", len(r.Chain))
	}
	if r.Stopped == StopStartUntrusted || r.Stopped == StopNoHeader {
		t.Fatalf("non-empty chain stopped by %v", r.Stopped)
	}
}
