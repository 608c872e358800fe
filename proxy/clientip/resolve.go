package clientip

import (
	"net/http"
	"net/netip"
	"slices"
)

// Resolve returns the client of a request that reached this proxy from
// start: the source of a believed PROXY protocol header (startSource
// [SourceProxyProtocol]) or else the TCP peer ([SourcePeer]).
//
// The walk is firsthop's security contract:
//
//   - start is normalised; if it is not trusted, it is the client and h is not
//     read at all.
//   - Otherwise the first header of p.Headers present in h is read (several
//     lines of it form one list, in order) and walked right to left. Each
//     usable address is recorded as a [Hop]; the first untrusted one is the
//     client. While addresses are trusted the walk continues left; if the
//     header runs out, the left-most address is the client.
//   - A malformed entry, Forwarded's "unknown" or an obfuscated identifier
//     stops the walk: the client is the last address reached, never the
//     unusable entry. So does reaching [MaxHops] trusted hops.
//
// h must use canonical header keys, as net/http produces. Entries are parsed
// from the right and only as far as the walk goes, so the cost is bounded by
// [MaxHops] entries whatever the header's size.
//
// buf, when non-nil, is reused for Result.Chain (appended from buf[:0]), so
// that a caller can avoid an allocation per request; a buf with capacity
// [MaxHops] always suffices. The caller must not reuse buf while the Result
// is in use. A nil p trusts nobody.
func (p *Policy) Resolve(start netip.Addr, startSource Source, h http.Header, buf []Hop) Result {
	start = Normalize(start)
	r := Result{Client: start, Source: startSource, Stopped: StopStartUntrusted}
	if !p.trusts(start) {
		return r
	}
	r.PeerTrusted = true
	r.Stopped = StopNoHeader
	for _, hdr := range p.Headers {
		key := hdr.canonicalKey()
		if key == "" || len(h[key]) == 0 {
			continue
		}
		chain, stop := p.walk(hdr, h[key], buf[:0])
		r.Stopped = stop
		if len(chain) > 0 {
			slices.Reverse(chain)
			r.Client = chain[0].Addr
			r.Source = hdr.source()
			r.Chain = chain
		}
		return r
	}
	return r
}

// walk walks lines of header hdr right to left, appending to chain each
// address it believes, right-most first.
func (p *Policy) walk(hdr Header, lines []string, chain []Hop) ([]Hop, StopReason) {
	for li := len(lines) - 1; li >= 0; li-- {
		line := lines[li]
		for end := len(line); ; {
			if len(chain) == MaxHops {
				return chain, StopHopLimit
			}
			var (
				hop   Hop
				kind  entryKind
				comma int
			)
			if hdr == HeaderForwarded {
				var ok bool
				hop.Element, comma, ok = lastForwardedElement(line, end)
				if !ok {
					return chain, StopMalformed
				}
				hop.Addr, kind = parseForwardedElement(hop.Element)
			} else {
				var (
					entry string
					ok    bool
				)
				entry, comma = lastXFFEntry(line, end)
				if hop.Addr, ok = parseXFFEntry(entry); !ok {
					kind = entryMalformed
				}
			}
			switch kind {
			case entryMalformed:
				return chain, StopMalformed
			case entryUnknown:
				return chain, StopUnknown
			case entryObfuscated:
				return chain, StopObfuscated
			}
			if chain == nil {
				chain = make([]Hop, 0, 4)
			}
			chain = append(chain, hop)
			if !p.trusts(hop.Addr) {
				return chain, StopUntrustedHop
			}
			if comma < 0 {
				break
			}
			end = comma
		}
	}
	return chain, StopExhausted
}

// canonicalKey returns h's header name as an http.Header key, or "" for an
// unknown h.
func (h Header) canonicalKey() string {
	switch h {
	case HeaderForwarded:
		return "Forwarded"
	case HeaderXForwardedFor:
		return "X-Forwarded-For"
	}
	return ""
}

// source returns the Source of an address read from h.
func (h Header) source() Source {
	if h == HeaderForwarded {
		return SourceForwarded
	}
	return SourceXForwardedFor
}
