package proxy

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/firsthop/firsthop/model"
)

// requestMatch is what a rule matches beyond host and path: a route's
// Method, Headers and Query (see [model.HeaderMatch], [model.QueryMatch]),
// compiled once, when the table is built. A nil *requestMatch matches
// every request, at the cost of one comparison.
//
// Matching allocates nothing but for a regular expression matched against
// a header sent on several field lines (the values are joined) or a query
// value that is percent-encoded (it is decoded).
type requestMatch struct {
	method  string
	headers []headerMatch
	query   []queryMatch
}

// headerMatch is one compiled [model.HeaderMatch].
type headerMatch struct {
	name string // canonical
	valueMatch
}

// queryMatch is one compiled [model.QueryMatch].
type queryMatch struct {
	name string
	valueMatch
}

// valueMatch compares a value as a [model.StringMatch] says.
type valueMatch struct {
	typ   model.StringMatch
	value string
	re    *regexp.Regexp // for MatchRegex: value, anchored at both ends
}

// newRequestMatch compiles r's method, header and query matches; nil when
// r has none. r has passed [model.TableSpec.Validate], so its regular
// expressions compile.
func newRequestMatch(r *model.Route) *requestMatch {
	if r.Method == "" && len(r.Headers) == 0 && len(r.Query) == 0 {
		return nil
	}
	m := &requestMatch{method: r.Method}
	for _, h := range r.Headers {
		m.headers = append(m.headers, headerMatch{name: h.Name, valueMatch: newValueMatch(h.Type, h.Value)})
	}
	for _, q := range r.Query {
		m.query = append(m.query, queryMatch{name: q.Name, valueMatch: newValueMatch(q.Type, q.Value)})
	}
	return m
}

func newValueMatch(typ model.StringMatch, value string) valueMatch {
	v := valueMatch{typ: typ, value: value}
	if typ == model.MatchRegex {
		v.re = regexp.MustCompile(`\A(?:` + value + `)\z`)
	}
	return v
}

// matchCounts say how specific a rule's match is, for the precedence (see
// pathSet.sort): whether it has a method (1) or not (0), and how many
// header and query matches.
type matchCounts struct{ method, headers, query int }

func (m *requestMatch) counts() matchCounts {
	if m == nil {
		return matchCounts{}
	}
	c := matchCounts{headers: len(m.headers), query: len(m.query)}
	if m.method != "" {
		c.method = 1
	}
	return c
}

// matches reports whether q has m's method and matches all of m's header
// and query matches. m may be nil.
func (m *requestMatch) matches(q *routeRequest) bool {
	if m == nil {
		return true
	}
	if m.method != "" && q.method != m.method {
		return false
	}
	for i := range m.headers {
		if !m.headers[i].matches(q.header) {
			return false
		}
	}
	for i := range m.query {
		if !m.query[i].matches(q.rawQuery) {
			return false
		}
	}
	return true
}

// matches reports whether the header h has the field and its value
// matches. A field sent on several lines is compared as its values joined
// by "," (RFC 9110 5.3).
func (m *headerMatch) matches(h http.Header) bool {
	vals := h[m.name]
	switch {
	case len(vals) == 0:
		return false
	case m.typ == model.MatchPresent:
		return true
	case len(vals) == 1:
		return m.matchString(vals[0])
	case m.typ == model.MatchExact:
		return joinedEqual(vals, m.value)
	}
	return m.matchString(strings.Join(vals, ","))
}

// joinedEqual reports whether vals joined by "," equal want, without
// joining them.
func joinedEqual(vals []string, want string) bool {
	for i, v := range vals {
		if i > 0 {
			if want == "" || want[0] != ',' {
				return false
			}
			want = want[1:]
		}
		if !strings.HasPrefix(want, v) {
			return false
		}
		want = want[len(v):]
	}
	return want == ""
}

// matches reports whether the raw (still escaped) query q has the
// parameter and its first value matches (see [queryParam]).
func (m *queryMatch) matches(q string) bool {
	raw, ok := queryParam(q, m.name)
	switch {
	case !ok:
		return false
	case m.typ == model.MatchPresent:
		return true
	case m.typ == model.MatchExact:
		return queryUnescapedEqual(raw, m.value)
	}
	if strings.ContainsAny(raw, "%+") {
		// queryParam has checked the escapes.
		raw, _ = url.QueryUnescape(raw)
	}
	return m.re.MatchString(raw)
}

// matchString reports whether the value s matches.
func (m *valueMatch) matchString(s string) bool {
	if m.typ == model.MatchRegex {
		return m.re.MatchString(s)
	}
	return s == m.value
}
