package proxy

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"

	"github.com/firsthop/firsthop/model"
)

// describeAction returns, for /debug/table, r's action when it is other
// than forwarding to r.Backend ("split a=80 b=20", "redirect 301 to
// https://:443/new", "respond 200 text/plain (12 bytes)") and its filters,
// in the order they apply; "" and nil for a route without either.
func describeAction(r *model.Route) (action string, filters []string) {
	switch {
	case r.Redirect != nil:
		action = "redirect " + describeRedirect(r.Redirect)
	case r.Respond != nil:
		d := r.Respond
		action = fmt.Sprintf("respond %d", d.Status)
		if d.Body != "" || d.ContentType != "" {
			action += fmt.Sprintf(" %s (%d bytes)", cmp.Or(d.ContentType, "text/plain"), len(d.Body))
		}
	case len(r.Split) > 0:
		parts := make([]string, len(r.Split))
		for i, wb := range r.Split {
			parts[i] = fmt.Sprintf("%s=%d", cmp.Or(wb.Backend, "<unresolved>"), wb.Weight)
			if wb.RequestHeaders != nil || wb.ResponseHeaders != nil {
				parts[i] += "(+headers)"
			}
		}
		action = "split " + strings.Join(parts, " ")
	}
	if m := describeHeaders(r.RequestHeaders); m != "" {
		filters = append(filters, "request headers "+m)
	}
	if rw := r.Rewrite; rw != nil {
		var s []string
		if rw.Host != "" {
			s = append(s, "host "+rw.Host)
		}
		if rw.Path != nil {
			s = append(s, "path "+describePathRewrite(rw.Path))
		}
		filters = append(filters, "rewrite "+strings.Join(s, ", "))
	}
	for _, m := range r.Mirror {
		filters = append(filters, fmt.Sprintf("mirror to %s (%d%%)", m.Backend, cmp.Or(m.Percent, 100)))
	}
	if r.BackendTimeout > 0 {
		filters = append(filters, "backend timeout "+r.BackendTimeout.String())
	}
	if m := describeHeaders(r.ResponseHeaders); m != "" {
		filters = append(filters, "response headers "+m)
	}
	return action, filters
}

// describeRedirect writes rd's Location with the request's parts left
// out: "301 to https://:8443/new?…".
func describeRedirect(rd *model.Redirect) string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(cmp.Or(rd.Status, 302)) + " to ")
	if rd.Scheme != "" {
		b.WriteString(rd.Scheme + ":")
	}
	if rd.Host != "" || rd.Port != 0 {
		b.WriteString("//" + rd.Host)
		if rd.Port != 0 {
			b.WriteString(":" + strconv.Itoa(int(rd.Port)))
		}
	}
	if rd.Path != nil {
		b.WriteString(" path " + describePathRewrite(rd.Path))
	}
	return b.String()
}

func describePathRewrite(p *model.PathRewrite) string {
	if p.Type == model.RewritePrefix {
		return "prefix " + p.Value
	}
	return p.Value
}

// describeHeaders lists the names m edits: "-A =B +C" for remove, set, add.
func describeHeaders(m *model.HeaderModifier) string {
	if m == nil {
		return ""
	}
	var s []string
	for _, k := range m.Remove {
		s = append(s, "-"+k)
	}
	for _, h := range m.Set {
		s = append(s, "="+h.Name)
	}
	for _, h := range m.Add {
		s = append(s, "+"+h.Name)
	}
	return strings.Join(s, " ")
}
