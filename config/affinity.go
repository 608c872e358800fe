package config

import (
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/firsthop/firsthop/model"
)

// affinity decodes a backend's affinity: {cookie: {name, path, domain,
// maxAge, expires, sameSite, secure}} (see [model.Affinity]). The cookie
// is the one kind of affinity; name is required.
func (d *decoder) affinity(n *yaml.Node, path string) *model.Affinity {
	f, ok := d.mapping(n, path, "affinity settings {cookie: {...}}", "cookie")
	if !ok {
		return nil
	}
	v := f.value("cookie")
	if v == nil {
		if f.complete() {
			d.errorf(n, "%s: cookie is required (the cookie that keeps a client on its endpoint: {name: ...})", path)
		}
		return nil
	}
	path = f.sub("cookie")
	c, ok := d.mapping(v, path, "an affinity cookie {name, ...}", "name", "path", "domain", "maxAge", "expires", "sameSite", "secure")
	if !ok {
		return nil
	}
	a := &model.Affinity{}
	if nv := c.value("name"); nv == nil {
		if c.complete() {
			d.errorf(v, "%s: name is required (the cookie's name, such as route)", path)
		}
	} else if s, ok := d.text(nv, c.sub("name"), "a cookie name"); ok {
		if d.affinityOK(nv, c.sub("name"), model.Affinity{CookieName: s}) {
			a.CookieName = s
		}
	}
	if pv := c.value("path"); pv != nil {
		if s, ok := d.text(pv, c.sub("path"), "a path"); ok && d.affinityOK(pv, c.sub("path"), model.Affinity{CookieName: "c", Path: s}) {
			a.Path = s
		}
	}
	if dv := c.value("domain"); dv != nil {
		a.Domain, _ = d.cookieDomain(dv, c.sub("domain"))
	}
	for key, dst := range map[string]*time.Duration{"maxAge": &a.MaxAge, "expires": &a.Expires} {
		if tv := c.value(key); tv != nil {
			if t, ok := d.duration(tv, c.sub(key)); ok && t%time.Second != 0 {
				d.errorf(tv, "%s: %v is not a whole number of seconds (the cookie counts seconds)", c.sub(key), t)
			} else {
				*dst = t
			}
		}
	}
	if sv := c.value("sameSite"); sv != nil {
		if s, ok := d.text(sv, c.sub("sameSite"), "Lax, Strict or None"); ok {
			switch s {
			case "Lax", "Strict", "None":
				a.SameSite = s
			default:
				hint := ""
				for _, w := range []string{"Lax", "Strict", "None"} {
					if strings.EqualFold(s, w) {
						hint = fmt.Sprintf(" (did you mean %s? it is case-sensitive)", w)
					}
				}
				d.errorf(sv, "%s: unknown SameSite %q%s (want Lax, Strict or None)", c.sub("sameSite"), s, hint)
			}
		}
	}
	if bv := c.value("secure"); bv != nil {
		a.Secure, _ = d.boolean(bv, c.sub("secure"))
	}
	if a.SameSite == "None" && !a.Secure {
		d.warnf(c.value("sameSite"), "%s: None without secure: true: browsers drop a SameSite=None cookie that is not Secure, so clients that come over plain HTTP are not kept on their endpoint", c.sub("sameSite"))
	}
	return a
}

// affinityOK reports whether a, which holds one setting, is an affinity
// the model accepts, recording the model's reason at n when it is not.
func (d *decoder) affinityOK(n *yaml.Node, path string, a model.Affinity) bool {
	spec := model.TableSpec{Backends: []model.Backend{{Name: "b", Affinity: &a}}}
	err := spec.Validate()
	if err == nil {
		return true
	}
	d.errorf(n, "%s: %s", path, strings.TrimPrefix(err.Error(), `invalid routing table: backend "b": affinity: `))
	return false
}

// cookieDomain decodes the Domain of an affinity cookie: one exact host,
// without port or wildcard; the cookie also goes to its subdomains.
func (d *decoder) cookieDomain(n *yaml.Node, path string) (string, bool) {
	s, ok := d.text(n, path, "a domain")
	if !ok {
		return "", false
	}
	switch {
	case s == "":
		d.errorf(n, "%s: must not be empty (leave domain out for a cookie of the request's host only)", path)
		return "", false
	case strings.HasPrefix(s, "."):
		d.errorf(n, "%s: %q: write %s; a cookie's domain covers its subdomains without a leading dot", path, s, s[1:])
		return "", false
	case strings.Contains(s, "*"):
		d.errorf(n, "%s: %q: a cookie's domain is one name, not a wildcard (it covers the subdomains already)", path, s)
		return "", false
	}
	h, err := model.RouteHost(s)
	if err == nil && h == "" {
		err = fmt.Errorf("must not be empty")
	}
	if err != nil {
		d.errorf(n, "%s: %v", path, err)
		return "", false
	}
	return h, true
}
