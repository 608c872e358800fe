package proxy

import (
	"net/http"
	"regexp"

	"github.com/firsthop/firsthop/model"
)

// This file holds what PathRegex routes need beyond Prefix and Exact ones:
// their expression compiled once, at table build, their place in the
// precedence, and the rewrite with their captures. Matching a path
// allocates nothing (regexp keeps its machines in a pool); the rewrite
// allocates, for the routes that have one only.

// compileRegexPath returns r's path compiled for matching when r is a
// PathRegex route, else nil. r has passed [model.TableSpec.Validate], so
// its expression compiles; were it not to, the rule matches nothing.
func compileRegexPath(r *model.Route) *regexp.Regexp {
	if r.PathType != model.PathRegex {
		return nil
	}
	re, _ := model.CompileRegexPath(r.Path)
	return re
}

// pathTypeRank orders path types for the precedence (see the model's
// match.go): Exact (0) before every other, whatever the length; then, at
// equal length, Prefix (2) before Regex (3).
func pathTypeRank(t model.PathType) int {
	switch t {
	case model.PathExact:
		return 0
	case model.PathPrefix:
		return 2
	}
	return 3
}

// rewriteRegexPath makes the path forwarded for r the one a RewriteRegex
// with template gives (see [model.ExpandRegexRewrite]), with the captures
// of re, the route's compiled path, on the path it routed by. The result
// is sent canonically escaped: "%2F" a route keeps comes out as "/", the
// captures being decoded. Should re not match (it matched when routing),
// the path is left alone.
func (st *requestState) rewriteRegexPath(r *http.Request, re *regexp.Regexp, template string) {
	p, _ := st.forwardPath(r)
	m := re.FindStringSubmatchIndex(p)
	if m == nil {
		return
	}
	st.cleanPath, st.cleanRawPath = model.ExpandRegexRewrite(template, p, m), ""
}
