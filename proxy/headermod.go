package proxy

import (
	"net/http"
	"net/textproto"
	"strings"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/h1"
)

// headerMod is a compiled [model.HeaderModifier]. Its names are canonical
// and valid, and never a hop-by-hop or forwarding header: Validate refuses
// those, and nothing here checks again per request.
type headerMod struct {
	remove []string
	// set and add hold each value as a slice of length and capacity 1,
	// shared by every request: a field set, or added where there was none,
	// costs no allocation, and an append to it (a later Add) copies.
	set, add []sharedField
}

// sharedField is a field with its value as a shared slice (see headerMod).
type sharedField struct {
	name   string
	values []string
}

// newHeaderMod compiles m, or returns nil for nil or an empty m.
func newHeaderMod(m *model.HeaderModifier) *headerMod {
	if m == nil || len(m.Set) == 0 && len(m.Add) == 0 && len(m.Remove) == 0 {
		return nil
	}
	hm := &headerMod{remove: m.Remove}
	for _, f := range m.Set {
		hm.set = append(hm.set, sharedField{name: f.Name, values: []string{f.Value}[:1:1]})
	}
	for _, f := range m.Add {
		hm.add = append(hm.add, sharedField{name: f.Name, values: []string{f.Value}[:1:1]})
	}
	return hm
}

// apply edits h: Remove, then Set, then Add. m may be nil: nothing.
func (m *headerMod) apply(h http.Header) {
	if m == nil {
		return
	}
	for _, k := range m.remove {
		delete(h, k)
	}
	for _, f := range m.set {
		h[f.name] = f.values
	}
	for _, f := range m.add {
		if old := h[f.name]; len(old) > 0 {
			h[f.name] = append(old[:len(old):len(old)], f.values[0])
		} else {
			h[f.name] = f.values
		}
	}
}

// freeConnectionListed removes from a request header the end-to-end
// fields its Connection header lists (they are never forwarded), and those
// names from Connection, so that a field a route's modifier then sets is
// forwarded whatever the client listed: a client cannot strip a header
// its route adds, or its external auth service's answer sets (see
// checkGuards), by naming it in Connection. It may run more than once on
// a request: later calls change nothing. Hop-by-hop names ("Upgrade"),
// forwarding headers (firsthop reads a trusted peer's X-Forwarded-Proto,
// -Host and -Port from the request) and the "close" and "keep-alive"
// options stay. A header without
// Connection options is left as it is, at no cost.
func freeConnectionListed(h http.Header) {
	conn := h["Connection"]
	if len(conn) == 0 {
		return
	}
	var kept []string
	changed := false
	for _, v := range conn {
		for tok := range strings.SplitSeq(v, ",") {
			tok = textproto.TrimString(tok)
			if tok == "" {
				continue
			}
			k := textproto.CanonicalMIMEHeaderKey(tok)
			if isHopHeader(k) || isForwardingHeader(k) || h1.EqualFoldASCII(tok, "close") || h1.EqualFoldASCII(tok, "keep-alive") {
				kept = append(kept, tok)
				continue
			}
			delete(h, k)
			changed = true
		}
	}
	if !changed {
		return
	}
	if len(kept) == 0 {
		delete(h, "Connection")
		return
	}
	h["Connection"] = []string{strings.Join(kept, ", ")}
}
