package config

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"golang.org/x/net/http/httpguts"
	"gopkg.in/yaml.v3"

	"github.com/firsthop/firsthop/model"
)

// method decodes a paths item's method: an HTTP method token in upper case,
// since methods are compared exactly.
func (d *decoder) method(n *yaml.Node, path string) (string, bool) {
	s, ok := d.text(n, path, "an HTTP method such as GET")
	if !ok {
		return "", false
	}
	switch {
	case s == "":
		d.errorf(n, "%s: must not be empty (leave method out to match every method)", path)
		return "", false
	case !httpguts.ValidHeaderFieldName(s):
		d.errorf(n, "%s: %q is not an HTTP method (letters only, such as GET or POST)", path, s)
		return "", false
	case s != strings.ToUpper(s):
		d.errorf(n, "%s: %q: write %q; methods are compared exactly and are upper case", path, s, strings.ToUpper(s))
		return "", false
	case s == http.MethodConnect:
		d.errorf(n, "%s: CONNECT opens a tunnel, which firsthop does not route", path)
		return "", false
	}
	return s, true
}

// valueMatch is a header or query match as written: a name and exactly
// one of value, regex and present.
type valueMatch struct {
	name   string
	nameAt *yaml.Node
	typ    model.StringMatch
	value  string
}

// valueMatches decodes the headers or query list of a paths item. what is
// "header" or "query parameter"; name decodes and normalises a name. A
// name may be matched once.
func (d *decoder) valueMatches(n *yaml.Node, path, what string, name func(*yaml.Node, string) (string, bool)) ([]valueMatch, bool) {
	items, ok := d.list(n, path, what+" matches")
	if !ok {
		return nil, false
	}
	if len(items) == 0 {
		d.errorf(n, "%s: empty list: give at least one match, or leave the key out", path)
		return nil, false
	}
	var out []valueMatch
	seen := map[string]*yaml.Node{}
	for i, item := range items {
		m, itemOK := d.valueMatch(item, index(path, i), what, name)
		if !itemOK {
			ok = false
			continue
		}
		if first := seen[m.name]; first != nil {
			d.errorf(m.nameAt, "%s.name: %s %q is matched twice (first at line %d): a request has to match every entry, so write one", index(path, i), what, m.name, first.Line)
			ok = false
			continue
		}
		seen[m.name] = m.nameAt
		out = append(out, m)
	}
	return out, ok
}

// valueMatch decodes one header or query match.
func (d *decoder) valueMatch(n *yaml.Node, path, what string, name func(*yaml.Node, string) (string, bool)) (m valueMatch, ok bool) {
	f, ok := d.mapping(n, path, "a "+what+" match", "name", "value", "regex", "present")
	if !ok {
		return m, false
	}
	if v := f.value("name"); v == nil {
		d.errorf(n, "%s: name is required", path)
		ok = false
	} else {
		m.nameAt = v
		m.name, ok = name(v, f.sub("name"))
	}
	var given []string
	for _, k := range []string{"value", "regex", "present"} {
		if f.value(k) != nil {
			given = append(given, k)
		}
	}
	switch len(given) {
	case 0:
		if f.complete() { // else a misspelt key is the likely comparison
			d.errorf(n, "%s: give one of value, regex or present: true", path)
		}
		return m, false
	case 1:
	default:
		d.errorf(f.key(given[1]), "%s: %s and %s are both given: a match compares one way", path, given[0], given[1])
		return m, false
	}
	switch k, v := given[0], f.value(given[0]); k {
	case "value":
		m.typ = model.MatchExact
		var valueOK bool
		if m.value, valueOK = d.text(v, f.sub(k), "a value"); !valueOK {
			return m, false
		}
	case "regex":
		m.typ = model.MatchRegex
		var reOK bool
		if m.value, reOK = d.text(v, f.sub(k), "an RE2 regular expression"); !reOK {
			return m, false
		}
		if err := checkRegex(m.value); err != nil {
			d.errorf(v, "%s: %v", f.sub(k), err)
			return m, false
		}
	case "present":
		m.typ = model.MatchPresent
		present, presentOK := d.boolean(v, f.sub(k))
		if !presentOK {
			return m, false
		}
		if !present {
			d.errorf(v, "%s: present: false is not a match: leave the %s out, or write present: true", f.sub(k), what)
			return m, false
		}
	}
	return m, ok
}

// checkRegex reports whether re compiles as the RE2 expression the model
// matches against a whole value (anchored at both ends).
func checkRegex(re string) error {
	if re == "" {
		return fmt.Errorf("an empty regex matches only an empty value: write value: \"\"")
	}
	if _, err := regexp.Compile("^(?:" + re + ")$"); err != nil {
		return fmt.Errorf("invalid regular expression (RE2 syntax): %v", strings.TrimPrefix(err.Error(), "error parsing regexp: "))
	}
	return nil
}

// headerMatchName decodes the name of a header match. Host is refused:
// the host is matched by routes[].host.
func (d *decoder) headerMatchName(n *yaml.Node, path string) (string, bool) {
	name, ok := d.headerName(n, path)
	if ok && name == "Host" {
		d.errorf(n, "%s: match the host with routes[].host, not a header match", path)
		return "", false
	}
	return name, ok
}

// queryName decodes the name of a query match: any non-empty text, as it
// reads after percent-decoding.
func (d *decoder) queryName(n *yaml.Node, path string) (string, bool) {
	s, ok := d.text(n, path, "a query parameter name")
	if ok && s == "" {
		d.errorf(n, "%s: must not be empty", path)
		return "", false
	}
	return s, ok
}

// routeMatches decodes a paths item's method, headers and query into r.
// It reports false when one of them is bad.
func (d *decoder) routeMatches(f fields, r *routeAt) bool {
	ok := true
	if v := f.value("method"); v != nil {
		var methodOK bool
		r.Method, methodOK = d.method(v, f.sub("method"))
		ok = ok && methodOK
	}
	if v := f.value("headers"); v != nil {
		ms, matchOK := d.valueMatches(v, f.sub("headers"), "header", d.headerMatchName)
		ok = ok && matchOK
		for _, m := range ms {
			r.Headers = append(r.Headers, model.HeaderMatch{Name: m.name, Type: m.typ, Value: m.value})
			r.headerAt = append(r.headerAt, m.nameAt)
		}
	}
	if v := f.value("query"); v != nil {
		ms, matchOK := d.valueMatches(v, f.sub("query"), "query parameter", d.queryName)
		ok = ok && matchOK
		for _, m := range ms {
			r.Query = append(r.Query, model.QueryMatch{Name: m.name, Type: m.typ, Value: m.value})
		}
	}
	return ok
}
