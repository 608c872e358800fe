package config

import (
	"net"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/firsthop/firsthop/model"
)

// headerModifier decodes requestHeaders or responseHeaders: set and add
// (mappings of header name to value) and remove (a list of names). Names
// are canonicalised; each may appear once per list, and a name removed may
// not also be set or added. Reserved headers (see [reservedHeader]) are
// refused. It returns nil when n is not a mapping.
func (d *decoder) headerModifier(n *yaml.Node, path string) *model.HeaderModifier {
	f, ok := d.mapping(n, path, "header changes", "set", "add", "remove")
	if !ok {
		return nil
	}
	hm := &model.HeaderModifier{}
	written := map[string]*yaml.Node{} // set and add names
	if v := f.value("set"); v != nil {
		hm.Set = d.headerFields(v, f.sub("set"), written)
	}
	if v := f.value("add"); v != nil {
		hm.Add = d.headerFields(v, f.sub("add"), written)
	}
	if v := f.value("remove"); v != nil {
		if items, ok := d.list(v, f.sub("remove"), "header names"); ok {
			removed := map[string]*yaml.Node{}
			for i, item := range items {
				ipath := index(f.sub("remove"), i)
				name, ok := d.modifiedHeader(item, ipath)
				switch {
				case !ok:
				case removed[name] != nil:
					d.errorf(item, "%s: %s is listed twice (first at line %d)", ipath, name, removed[name].Line)
				case written[name] != nil:
					d.errorf(item, "%s: %s is also set or added (line %d); remove applies first, so it would remove nothing: write one", ipath, name, written[name].Line)
				default:
					removed[name] = item
					hm.Remove = append(hm.Remove, name)
				}
			}
		}
	}
	if f.complete() && f.value("set") == nil && f.value("add") == nil && f.value("remove") == nil {
		d.errorf(n, "%s: give set, add or remove", path)
	}
	return hm
}

// headerFields decodes a mapping of header name to value, for set or add.
// written holds the names of set and add so far, where they are written; a
// name written twice in one list is an error, once in set and once in add
// is not (add appends to what set wrote).
func (d *decoder) headerFields(n *yaml.Node, path string, written map[string]*yaml.Node) []model.Header {
	if !d.notAlias(n, path) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "%s: want header names and values (a mapping such as {X-Env: prod}), got %s", path, describe(n))
		return nil
	}
	var out []model.Header
	here := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name, ok := d.modifiedHeader(k, path)
		if !ok {
			continue
		}
		if first := here[name]; first != nil {
			d.errorf(k, "%s: %s is given twice (first at line %d; header names are case-insensitive)", path, name, first.Line)
			continue
		}
		here[name] = k
		if written[name] == nil {
			written[name] = k
		}
		if value, ok := d.headerValue(v, join(path, name)); ok {
			out = append(out, model.Header{Name: name, Value: value})
		}
	}
	return out
}

// modifiedHeader decodes the name of a header to set, add or remove.
func (d *decoder) modifiedHeader(n *yaml.Node, path string) (string, bool) {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!merge" {
		d.errorf(n, "%s: YAML merge keys (<<) are not supported", path)
		return "", false
	}
	name, ok := d.headerName(n, path)
	if !ok {
		return "", false
	}
	if why := reservedHeader(name); why != "" {
		d.errorf(n, "%s: %s cannot be changed: it is %s", path, name, why)
		return "", false
	}
	return name, true
}

// rewrite decodes a paths item's rewrite.
func (d *decoder) rewrite(n *yaml.Node, path string, r *routeAt) *model.Rewrite {
	f, ok := d.mapping(n, path, "a rewrite", "host", "path", "pathPrefix", "pathTemplate")
	if !ok {
		return nil
	}
	rw := &model.Rewrite{}
	if v := f.value("host"); v != nil {
		rw.Host, _ = d.rewriteHost(v, f.sub("host"))
	}
	rw.Path = d.pathRewrite(f, r)
	if f.complete() && f.value("host") == nil && f.value("path") == nil && f.value("pathPrefix") == nil && f.value("pathTemplate") == nil {
		d.errorf(n, "%s: give host, path, pathPrefix or pathTemplate", path)
	}
	return rw
}

// rewriteHost decodes the Host a rewrite sends: a host name, optionally
// with a port ("api.internal:8080"), without wildcard.
func (d *decoder) rewriteHost(n *yaml.Node, path string) (string, bool) {
	s, ok := d.text(n, path, "a host name")
	if !ok {
		return "", false
	}
	host, port := s, ""
	if h, p, err := net.SplitHostPort(s); err == nil && !strings.Contains(h, ":") && !strings.Contains(s, "/") {
		host, port = h, p
		if v, err := strconv.ParseUint(p, 10, 16); err != nil || v == 0 || p[0] == '0' {
			d.errorf(n, "%s: port %q is not a number from 1 to 65535", path, p)
			return "", false
		}
	}
	switch {
	case host == "":
		d.errorf(n, "%s: must not be empty (leave host out to keep the request's)", path)
		return "", false
	case strings.Contains(host, "*"):
		d.errorf(n, "%s: %q: a rewrite sends one host, not a wildcard", path, s)
		return "", false
	}
	h, err := model.RouteHost(host)
	if err != nil {
		d.errorf(n, "%s: %v", path, err)
		return "", false
	}
	if port != "" {
		h += ":" + port
	}
	return h, true
}

// mirror decodes a paths item's mirror list and records the names in
// r.refs.
func (d *decoder) mirror(n *yaml.Node, path string, r *routeAt) []model.Mirror {
	items, ok := d.list(n, path, "mirrors")
	if !ok {
		return nil
	}
	if len(items) == 0 {
		d.errorf(n, "%s: empty list: name at least one backend, or leave the key out", path)
	}
	var out []model.Mirror
	seen := map[string]*yaml.Node{}
	for i, item := range items {
		ipath := index(path, i)
		f, ok := d.mapping(item, ipath, "a mirror", "backend", "percent")
		if !ok {
			continue
		}
		m := model.Mirror{Percent: 100}
		if v := f.value("percent"); v != nil {
			m.Percent, _ = d.integer(v, f.sub("percent"), 1, 100)
		}
		v := f.value("backend")
		if v == nil {
			d.errorf(item, "%s: backend is required", ipath)
			continue
		}
		name, ok := d.name(v, f.sub("backend"))
		if !ok {
			continue
		}
		if first := seen[name]; first != nil {
			d.errorf(v, "%s: backend %q is mirrored twice (first at line %d)", f.sub("backend"), name, first.Line)
			continue
		}
		seen[name] = v
		m.Backend = name
		r.refs = append(r.refs, backendRef{name: name, path: f.sub("backend"), at: v})
		out = append(out, m)
	}
	return out
}

// routeTimeouts decodes a paths item's timeout and timeouts into r:
// timeout is timeouts.request, and only one of them may be given.
func (d *decoder) routeTimeouts(f fields, r *routeAt) {
	if v := f.value("timeout"); v != nil {
		r.Timeout, _ = d.duration(v, f.sub("timeout"))
	}
	v := f.value("timeouts")
	if v == nil {
		return
	}
	t, ok := d.mapping(v, f.sub("timeouts"), "route timeouts", "request", "backendRequest")
	if !ok {
		return
	}
	if rv := t.value("request"); rv != nil {
		if f.value("timeout") != nil {
			d.errorf(t.key("request"), "%s: timeout is given too (line %d): they are the same setting, write one", t.sub("request"), f.key("timeout").Line)
		} else {
			r.Timeout, _ = d.duration(rv, t.sub("request"))
		}
	}
	if bv := t.value("backendRequest"); bv != nil {
		if b, ok := d.duration(bv, t.sub("backendRequest")); ok {
			if r.Timeout > 0 && b > r.Timeout {
				d.errorf(bv, "%s: %v is longer than the request timeout %v, which bounds every attempt already", t.sub("backendRequest"), b, r.Timeout)
			} else {
				r.BackendTimeout = b
			}
		}
	}
	if t.complete() && t.value("request") == nil && t.value("backendRequest") == nil {
		d.errorf(v, "%s: give request or backendRequest", f.sub("timeouts"))
	}
}
