package config

import (
	"fmt"
	"mime"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/firsthop/firsthop/model"
)

// actionKeys are the keys of a paths item that say what to do with a
// request; a paths item gives exactly one.
var actionKeys = []string{"backend", "backends", "redirect", "respond"}

// forwardOnlyKeys are the keys of a paths item that apply only to requests
// forwarded to a backend (backend or backends).
var forwardOnlyKeys = []string{"requestHeaders", "rewrite", "mirror", "timeout", "timeouts"}

// backendRef is one backend name a route gives, where it is written.
type backendRef struct {
	name string
	path string // "routes[0].paths[1].backend"
	at   *yaml.Node
}

// routeAction decodes the one action of a paths item into r. It reports
// false when the action is missing, repeated or bad.
func (d *decoder) routeAction(f fields, r *routeAt) bool {
	var given []string
	for _, k := range actionKeys {
		if f.value(k) != nil {
			given = append(given, k)
		}
	}
	if len(given) == 0 {
		if f.complete() { // else a misspelt key is the likely action
			d.errorf(f.node, "%s: backend is required (or one of backends, redirect, respond)", f.path)
		}
		return false
	}
	if len(given) > 1 {
		for _, k := range given[1:] {
			d.errorf(f.key(k), "%s: %s and %s are both given: a path has one action (backend, backends, redirect or respond)", f.path, given[0], k)
		}
		return false
	}
	if given[0] != "backend" && given[0] != "backends" {
		for _, k := range forwardOnlyKeys {
			if f.value(k) != nil {
				d.errorf(f.key(k), "%s: %s applies to requests forwarded to a backend; this path answers with %s", f.path, k, given[0])
			}
		}
	}
	before := len(d.errs)
	switch k, v := given[0], f.value(given[0]); k {
	case "backend":
		name, ok := d.name(v, f.sub(k))
		if !ok {
			return false
		}
		r.Backend = name
		r.refs = append(r.refs, backendRef{name: name, path: f.sub(k), at: v})
	case "backends":
		r.Split = d.split(v, f.sub(k), r)
	case "redirect":
		r.Redirect = d.redirect(v, f.sub(k), r)
	case "respond":
		r.Respond = d.respond(v, f.sub(k))
	}
	return len(d.errs) == before
}

// maxWeight is the largest weight of a split backend, Gateway API's.
const maxWeight = 1_000_000

// split decodes a paths item's backends list and records the names in
// r.refs.
func (d *decoder) split(n *yaml.Node, path string, r *routeAt) []model.WeightedBackend {
	items, ok := d.list(n, path, "weighted backends")
	if !ok {
		return nil
	}
	if len(items) == 0 {
		d.errorf(n, "%s: at least one backend is required", path)
		return nil
	}
	var out []model.WeightedBackend
	seen := map[string]*yaml.Node{}
	var total uint64
	for i, item := range items {
		ipath := index(path, i)
		f, ok := d.mapping(item, ipath, "a weighted backend", "name", "weight", "requestHeaders", "responseHeaders")
		if !ok {
			continue
		}
		wb := model.WeightedBackend{Weight: 1}
		if v := f.value("weight"); v != nil {
			if w, ok := d.integer(v, f.sub("weight"), 0, maxWeight); ok {
				wb.Weight = uint32(w)
			}
		}
		if v := f.value("requestHeaders"); v != nil {
			wb.RequestHeaders = d.headerModifier(v, f.sub("requestHeaders"))
		}
		if v := f.value("responseHeaders"); v != nil {
			wb.ResponseHeaders = d.headerModifier(v, f.sub("responseHeaders"))
		}
		total += uint64(wb.Weight)
		v := f.value("name")
		if v == nil {
			d.errorf(item, "%s: name is required (a backend of backends)", ipath)
			continue
		}
		name, ok := d.name(v, f.sub("name"))
		if !ok {
			continue
		}
		if first := seen[name]; first != nil {
			d.errorf(v, "%s: backend %q is listed twice (first at line %d): give it one entry with the sum of the weights", f.sub("name"), name, first.Line)
			continue
		}
		seen[name] = v
		wb.Backend = name
		r.refs = append(r.refs, backendRef{name: name, path: f.sub("name"), at: v})
		out = append(out, wb)
	}
	if total == 0 && len(out) == len(items) {
		d.errorf(n, "%s: every weight is 0, so no request could be forwarded (to answer every request yourself, use respond)", path)
	}
	return out
}

// redirect decodes a paths item's redirect.
func (d *decoder) redirect(n *yaml.Node, path string, r *routeAt) *model.Redirect {
	f, ok := d.mapping(n, path, "a redirect", "scheme", "host", "port", "path", "pathPrefix", "status")
	if !ok {
		return nil
	}
	rd := &model.Redirect{}
	if v := f.value("scheme"); v != nil {
		if s, ok := d.text(v, f.sub("scheme"), "http or https"); ok {
			switch s {
			case "http", "https":
				rd.Scheme, r.schemeAt = s, v
			default:
				hint := ""
				if l := strings.ToLower(s); l == "http" || l == "https" {
					hint = fmt.Sprintf(" (did you mean %s? it is case-sensitive)", l)
				}
				d.errorf(v, "%s: unknown scheme %q%s (want http or https)", f.sub("scheme"), s, hint)
			}
		}
	}
	if v := f.value("host"); v != nil {
		rd.Host, _ = d.redirectHost(v, f.sub("host"))
	}
	if v := f.value("port"); v != nil {
		if port, ok := d.integer(v, f.sub("port"), 1, 65535); ok {
			rd.Port = uint16(port)
		}
	}
	rd.Path = d.pathRewrite(f, r)
	if v := f.value("status"); v != nil {
		rd.Status, _ = d.redirectStatus(v, f.sub("status"))
	}
	if f.complete() && f.value("scheme") == nil && f.value("host") == nil && f.value("port") == nil && f.value("path") == nil && f.value("pathPrefix") == nil {
		d.errorf(n, "%s: give scheme, host, port, path or pathPrefix: a redirect that changes nothing sends the client back to the same URL", path)
	}
	return rd
}

// redirectHost decodes the host of a redirect: a host name without port
// (the port has its own key) and without wildcard.
func (d *decoder) redirectHost(n *yaml.Node, path string) (string, bool) {
	s, ok := d.text(n, path, "a host name")
	if !ok {
		return "", false
	}
	switch {
	case s == "":
		d.errorf(n, "%s: must not be empty (leave host out to keep the request's)", path)
		return "", false
	case strings.Contains(s, "*"):
		d.errorf(n, "%s: %q: a redirect goes to one host, not a wildcard", path, s)
		return "", false
	case strings.Count(s, ":") == 1 && !strings.Contains(s, "://"):
		d.errorf(n, "%s: %q: write the port under port", path, s)
		return "", false
	}
	h, err := model.RouteHost(s)
	if err != nil {
		d.errorf(n, "%s: %v", path, err)
		return "", false
	}
	return h, true
}

// pathRewrite decodes the path, pathPrefix or pathTemplate of a redirect
// or rewrite mapping f (a redirect has no pathTemplate key); nil when none
// is given or it is bad. pathPrefix replaces the prefix the route matched,
// so it needs a Prefix path; pathTemplate fills in the groups a
// RegularExpression path captured, so it needs one (see
// [decoder.pathTemplate]).
func (d *decoder) pathRewrite(f fields, r *routeAt) *model.PathRewrite {
	var given []string
	for _, k := range []string{"path", "pathPrefix", "pathTemplate"} {
		if f.value(k) != nil {
			given = append(given, k)
		}
	}
	switch {
	case len(given) == 0:
		return nil
	case len(given) > 1:
		d.errorf(f.key(given[1]), "%s: %s and %s are both given: path replaces the whole path, pathPrefix the matched prefix, pathTemplate the path with a regex's groups; choose one", f.path, given[0], given[1])
		return nil
	}
	switch k, v := given[0], f.value(given[0]); k {
	case "path":
		if s, ok := d.targetPath(v, f.sub(k)); ok {
			return &model.PathRewrite{Type: model.RewriteFullPath, Value: s}
		}
	case "pathPrefix":
		if r.PathType != model.PathPrefix {
			d.errorf(f.key(k), "%s: pathPrefix replaces the prefix a Prefix path matched, and this path is %s: use path", f.path, r.PathType)
			return nil
		}
		if s, ok := d.targetPath(v, f.sub(k)); ok {
			return &model.PathRewrite{Type: model.RewritePrefix, Value: s}
		}
	case "pathTemplate":
		return d.pathTemplate(f, r)
	}
	return nil
}

// targetPath decodes a path a redirect or rewrite writes: a route path's
// rules (see [checkPath]), since firsthop would refuse, or a backend might
// misread, any other.
func (d *decoder) targetPath(n *yaml.Node, path string) (string, bool) {
	s, ok := d.text(n, path, "a path")
	if !ok {
		return "", false
	}
	if i := strings.IndexAny(s, ";\\"); i >= 0 {
		d.errorf(n, "%s: path %q contains %q, which backends read differently (path parameters, a separator)", path, s, s[i])
		return "", false
	}
	if err := checkPath(s); err != nil {
		d.errorf(n, "%s: %v", path, err)
		return "", false
	}
	return s, true
}

// maxBodyBytes bounds a direct response's body: it is held in memory and
// belongs in a backend when larger.
const maxBodyBytes = 64 << 10

// respond decodes a paths item's respond.
func (d *decoder) respond(n *yaml.Node, path string) *model.DirectResponse {
	f, ok := d.mapping(n, path, "a direct response", "status", "body", "contentType")
	if !ok {
		return nil
	}
	resp := &model.DirectResponse{}
	if v := f.value("status"); v == nil {
		d.errorf(n, "%s: status is required (such as 404)", path)
	} else if status, ok := d.integer(v, f.sub("status"), 200, 599); ok {
		resp.Status = status
	}
	if v := f.value("body"); v != nil {
		if s, ok := d.text(v, f.sub("body"), "text"); ok {
			switch {
			case len(s) > maxBodyBytes:
				d.errorf(v, "%s: %d bytes is longer than %d: serve a large body from a backend", f.sub("body"), len(s), maxBodyBytes)
			case s != "" && (resp.Status == 204 || resp.Status == 304):
				d.errorf(v, "%s: a %d response has no body", f.sub("body"), resp.Status)
			default:
				resp.Body = s
			}
		}
	}
	if v := f.value("contentType"); v != nil {
		if s, ok := d.text(v, f.sub("contentType"), "a media type such as text/plain"); ok {
			if _, _, err := mime.ParseMediaType(s); err != nil || !strings.Contains(s, "/") {
				d.errorf(v, "%s: %q is not a media type such as text/html; charset=utf-8", f.sub("contentType"), s)
			} else {
				resp.ContentType = s
			}
		}
	}
	return resp
}
