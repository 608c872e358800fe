package config

import (
	"fmt"
	"strings"

	"github.com/firsthop/firsthop/model"
)

// checkPath checks a route path: it starts with "/", holds no spaces,
// control characters, query, fragment or percent-encoding, and is clean
// (no "//", "." or ".." elements), since such a path could never equal a
// request path. Nor may it hold ";" or "\": the proxy refuses request
// paths that backends could read as another route's with those (see
// SECURITY.md), so the route could never be reached. A trailing "/" is
// kept.
func checkPath(p string) error {
	if !strings.HasPrefix(p, "/") {
		return fmt.Errorf("path %q must start with \"/\"", p)
	}
	for _, r := range p {
		switch {
		case r == ' ' || r == '\t':
			return fmt.Errorf("path %q contains a space", p)
		case r < ' ' || r == 0x7f:
			return fmt.Errorf("path %q contains control character %U", p, r)
		case r == '?' || r == '#':
			return fmt.Errorf("path %q contains %q: a route path has no query or fragment", p, r)
		case r == '%':
			return fmt.Errorf("path %q contains %%: percent-encoding is not supported, write the decoded path", p)
		case r == ';' || r == '\\':
			return fmt.Errorf("path %q contains %q, which backends read differently (path parameters, a separator); firsthop refuses such request paths, so this route could never be reached", p, r)
		}
	}
	if clean, _ := model.CleanPath(p); clean != p {
		return fmt.Errorf("path %q is not clean: write %q", p, clean)
	}
	return nil
}

// checkRoutePath checks a route path of type t: a RegularExpression path
// starts with "/" and compiles as [model.CompileRegexPath] requires; any
// other path is checked by [checkPath].
func checkRoutePath(p string, t model.PathType) error {
	if t != model.PathRegex {
		return checkPath(p)
	}
	if !strings.HasPrefix(p, "/") {
		return fmt.Errorf("path %q must start with \"/\"", p)
	}
	_, err := model.CompileRegexPath(p)
	return err
}

// parsePathType parses "Prefix", "Exact" or "RegularExpression" (Gateway
// API's spelling). ImplementationSpecific, valid in a Kubernetes Ingress,
// is refused with a message saying so.
func parsePathType(s string) (model.PathType, error) {
	for _, t := range []model.PathType{model.PathPrefix, model.PathExact, model.PathRegex} {
		if s == t.String() {
			return t, nil
		}
	}
	if s == "ImplementationSpecific" {
		return 0, fmt.Errorf("pathType ImplementationSpecific is a Kubernetes Ingress type; in a config file use Prefix, Exact or RegularExpression")
	}
	hint := ""
	for _, t := range []model.PathType{model.PathPrefix, model.PathExact, model.PathRegex} {
		if strings.EqualFold(s, t.String()) {
			hint = fmt.Sprintf(" (did you mean %s? it is case-sensitive)", t)
		}
	}
	switch strings.ToLower(s) {
	case "regex", "regexp", "regularexpressions":
		hint = " (did you mean RegularExpression? Gateway API's spelling)"
	}
	return 0, fmt.Errorf("unknown pathType %q%s (want Prefix, Exact or RegularExpression)", s, hint)
}
