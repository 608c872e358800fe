package ingress

import (
	"fmt"
	"net/url"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/firsthop/firsthop/model"
)

// routePath checks an Ingress path and its pathType and returns the route
// path and type. Exact and Prefix keep their meaning; ImplementationSpecific
// is treated as Prefix, and its empty path means "/". The path is
// percent-decoded (the proxy matches decoded request paths) and must then
// be clean: absolute, without "//", "." or ".." elements, control
// characters, an encoded "/", ";", "\", a query or a fragment.
//
// regex reports whether an ImplementationSpecific path looks like a regular
// expression (other controllers accept those); it is still served as a
// literal prefix.
func routePath(p string, t *networkingv1.PathType) (path string, typ model.PathType, regex bool, err error) {
	if t == nil {
		return "", 0, false, fmt.Errorf("path %q has no pathType", p)
	}
	switch *t {
	case networkingv1.PathTypeExact:
		typ = model.PathExact
	case networkingv1.PathTypePrefix:
		typ = model.PathPrefix
	case networkingv1.PathTypeImplementationSpecific:
		typ = model.PathPrefix
		if p == "" {
			p = "/"
		}
		regex = strings.ContainsAny(p, `^$()[]{}*+|\`)
	default:
		return "", 0, false, fmt.Errorf("path %q has unknown pathType %q (want Exact, Prefix or ImplementationSpecific)", p, *t)
	}
	if !strings.HasPrefix(p, "/") {
		return "", 0, false, fmt.Errorf("path %q must start with \"/\"", p)
	}
	if strings.ContainsAny(p, "?#") {
		return "", 0, false, fmt.Errorf("path %q contains a query or fragment", p)
	}
	if strings.Contains(p, "%2f") || strings.Contains(p, "%2F") {
		return "", 0, false, fmt.Errorf("path %q contains an encoded \"/\"", p)
	}
	dec, uerr := url.PathUnescape(p)
	if uerr != nil {
		return "", 0, false, fmt.Errorf("path %q: bad percent-encoding", p)
	}
	for i := 0; i < len(dec); i++ {
		if c := dec[i]; c < ' ' || c == 0x7f {
			return "", 0, false, fmt.Errorf("path %q contains a control character", p)
		}
	}
	if strings.ContainsAny(dec, `;\`) {
		return "", 0, false, fmt.Errorf(`path %q contains ";" or "\", which backends read differently (path parameters, a separator); firsthop refuses such request paths, so it could never match`, p)
	}
	if clean, _ := model.CleanPath(dec); clean != dec {
		return "", 0, false, fmt.Errorf("path %q is not clean (it would never match a request): write %q", p, clean)
	}
	return dec, typ, regex, nil
}
