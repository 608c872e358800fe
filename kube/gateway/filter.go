package gateway

import (
	"fmt"
	"math"
	"net/textproto"
	"strings"

	"golang.org/x/net/http/httpguts"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/firsthop/firsthop/model"
)

// unsupported returns the UnsupportedValue problem with message msg.
func unsupported(format string, args ...any) *problem {
	return &problem{string(gatewayv1.RouteReasonUnsupportedValue), fmt.Sprintf(format, args...)}
}

// headerModifier converts a header filter; nil stays nil.
func headerModifier(f *gatewayv1.HTTPHeaderFilter) (*model.HeaderModifier, *problem) {
	if f == nil {
		return nil, nil
	}
	m := &model.HeaderModifier{}
	name := func(n string) (string, *problem) {
		if !httpguts.ValidHeaderFieldName(n) {
			return "", unsupported("header name %q is not valid", n)
		}
		c := textproto.CanonicalMIMEHeaderKey(n)
		if why := model.UnmodifiableHeader(c); why != "" {
			return "", unsupported("header %s cannot be modified: it is %s", c, why)
		}
		return c, nil
	}
	headers := func(hs []gatewayv1.HTTPHeader) ([]model.Header, *problem) {
		var out []model.Header
		for _, h := range hs {
			n, p := name(string(h.Name))
			if p != nil {
				return nil, p
			}
			if !httpguts.ValidHeaderFieldValue(h.Value) {
				return nil, unsupported("the value of header %s is not valid", n)
			}
			out = append(out, model.Header{Name: n, Value: h.Value})
		}
		return out, nil
	}
	var p *problem
	if m.Set, p = headers(f.Set); p != nil {
		return nil, p
	}
	if m.Add, p = headers(f.Add); p != nil {
		return nil, p
	}
	for _, r := range f.Remove {
		n, p := name(r)
		if p != nil {
			return nil, p
		}
		m.Remove = append(m.Remove, n)
	}
	return m, nil
}

// pathRewrite converts a path modifier for a route matching path of type
// pt; ReplacePrefixMatch needs a PathPrefix match.
func pathRewrite(pm *gatewayv1.HTTPPathModifier, pt model.PathType) (*model.PathRewrite, *problem) {
	if pm == nil {
		return nil, nil
	}
	switch pm.Type {
	case gatewayv1.FullPathHTTPPathModifier:
		if pm.ReplaceFullPath == nil || !strings.HasPrefix(*pm.ReplaceFullPath, "/") {
			return nil, unsupported("replaceFullPath must start with /")
		}
		return &model.PathRewrite{Type: model.RewriteFullPath, Value: *pm.ReplaceFullPath}, nil
	case gatewayv1.PrefixMatchHTTPPathModifier:
		if pm.ReplacePrefixMatch == nil || !strings.HasPrefix(*pm.ReplacePrefixMatch, "/") {
			return nil, unsupported("replacePrefixMatch must start with /")
		}
		if pt != model.PathPrefix {
			return nil, unsupported("replacePrefixMatch needs a PathPrefix match")
		}
		return &model.PathRewrite{Type: model.RewritePrefix, Value: *pm.ReplacePrefixMatch}, nil
	}
	return nil, unsupported("path modifier type %q is not supported", pm.Type)
}

// redirect converts a RequestRedirect filter for a route matching path
// of type pt.
func redirect(f *gatewayv1.HTTPRequestRedirectFilter, pt model.PathType) (*model.Redirect, *problem) {
	r := &model.Redirect{Status: 302}
	if f.Scheme != nil {
		if *f.Scheme != "http" && *f.Scheme != "https" {
			return nil, unsupported("redirect scheme %q is not supported (http and https are)", *f.Scheme)
		}
		r.Scheme = *f.Scheme
	}
	if f.Hostname != nil {
		h, err := model.RouteHost(string(*f.Hostname))
		if err != nil || h == "" || strings.HasPrefix(h, "*") {
			return nil, unsupported("redirect hostname %q is not valid", *f.Hostname)
		}
		r.Host = h
	}
	if f.Port != nil {
		r.Port = uint16(*f.Port)
	}
	if f.StatusCode != nil {
		switch *f.StatusCode {
		case 301, 302, 303, 307, 308:
			r.Status = *f.StatusCode
		default:
			return nil, unsupported("redirect status %d is not supported", *f.StatusCode)
		}
	}
	var p *problem
	if r.Path, p = pathRewrite(f.Path, pt); p != nil {
		return nil, p
	}
	return r, nil
}

// rewrite converts a URLRewrite filter for a route matching path of type pt.
func rewrite(f *gatewayv1.HTTPURLRewriteFilter, pt model.PathType) (*model.Rewrite, *problem) {
	rw := &model.Rewrite{}
	if f.Hostname != nil {
		h, err := model.RouteHost(string(*f.Hostname))
		if err != nil || h == "" || strings.HasPrefix(h, "*") {
			return nil, unsupported("rewrite hostname %q is not valid", *f.Hostname)
		}
		rw.Host = h
	}
	var p *problem
	if rw.Path, p = pathRewrite(f.Path, pt); p != nil {
		return nil, p
	}
	return rw, nil
}

// mirrorPercent returns the share of requests a mirror filter copies, 0
// to 100; a non-zero fraction below 1% is 1%, the model's least.
func mirrorPercent(f *gatewayv1.HTTPRequestMirrorFilter) int {
	switch {
	case f.Percent != nil:
		return min(max(int(*f.Percent), 0), 100)
	case f.Fraction != nil:
		den := int32(100)
		if f.Fraction.Denominator != nil {
			den = *f.Fraction.Denominator
		}
		if f.Fraction.Numerator <= 0 || den <= 0 {
			return 0
		}
		pct := int(math.Round(float64(f.Fraction.Numerator) * 100 / float64(den)))
		return min(max(pct, 1), 100)
	}
	return 100
}

// mirror resolves a RequestMirror filter of a route. It returns no mirror
// for a filter that copies nothing, and a reference problem (the mirror
// left out) for a backend that cannot be used.
func (t *translator) mirror(fromKind, fromNamespace string, f *gatewayv1.HTTPRequestMirrorFilter, grpc bool) (*model.Mirror, *problem) {
	pct := mirrorPercent(f)
	if pct == 0 {
		return nil, nil
	}
	name, p := t.backendRef(fromKind, fromNamespace, f.BackendRef, grpc)
	if p != nil {
		return nil, p
	}
	return &model.Mirror{Backend: name, Percent: pct}, nil
}
