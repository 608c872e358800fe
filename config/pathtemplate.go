package config

import (
	"regexp"
	"strings"

	"github.com/firsthop/firsthop/model"
)

// pathTemplate decodes a rewrite's pathTemplate (see [model.RewriteRegex]):
// the path sent to the backend, with "$N" or "${N}" standing for group N
// of the RegularExpression path's match and "$$" for "$" (ingress-nginx's
// rewrite-target). Only a RegularExpression path has groups. A reference
// to a group the path lacks stands for nothing, and is warned about.
func (d *decoder) pathTemplate(f fields, r *routeAt) *model.PathRewrite {
	v, path := f.value("pathTemplate"), f.sub("pathTemplate")
	if r.PathType != model.PathRegex {
		d.errorf(f.key("pathTemplate"), "%s: pathTemplate fills in the groups a RegularExpression path captured, and this path is %s: use path or pathPrefix", f.path, r.PathType)
		return nil
	}
	s, ok := d.text(v, path, "a path such as /$1")
	if !ok {
		return nil
	}
	if s == "" {
		d.errorf(v, `%s: must not be empty (write "/" to send every request to /)`, path)
		return nil
	}
	pr := &model.PathRewrite{Type: model.RewriteRegex, Value: s}
	probe := model.Route{Path: r.Path, PathType: model.PathRegex, Rewrite: &model.Rewrite{Path: pr}}
	if r.Path == "" { // the path is bad, and reported
		probe.Path = "/"
	}
	if problem := modelRouteProblem(probe); problem != "" {
		d.errorf(v, "%s: %s", path, strings.TrimPrefix(problem, "rewrite "))
		return nil
	}
	if r.Path != "" {
		if re, err := model.CompileRegexPath(r.Path); err == nil {
			if n := missingGroup(s, re); n > 0 {
				d.warnf(v, "%s: %q refers to group %d, and the path %q has %d: it stands for nothing", path, s, n, r.Path, re.NumSubexp())
			}
		}
	}
	return pr
}

// maxGroupRef bounds the group numbers [missingGroup] looks for: a path
// compiles to at most a few thousand groups (see [model.CompileRegexPath]).
const maxGroupRef = 10000

// missingGroup returns the lowest number of a group template refers to
// that re lacks, below maxGroupRef, or 0. It asks
// [model.ExpandRegexRewrite], the expansion the proxy runs, with the
// groups re has absent and those from n+1 to some bound a marker, and
// narrows the bound, so that what a reference is stays the model's rule.
func missingGroup(template string, re *regexp.Regexp) int {
	const marker = "\x00"
	n := re.NumSubexp()
	refers := func(upTo int) bool { // a group from n+1 to upTo
		match := make([]int, 2*(upTo+1))
		for i := range match {
			match[i] = -1
		}
		for g := n + 1; g <= upTo; g++ {
			match[2*g], match[2*g+1] = 0, len(marker)
		}
		return strings.Contains(model.ExpandRegexRewrite(template, marker, match), marker)
	}
	if n+1 >= maxGroupRef || !refers(maxGroupRef-1) {
		return 0
	}
	lo, hi := n+1, maxGroupRef-1 // refers(hi) holds
	for lo < hi {
		mid := lo + (hi-lo)/2
		if refers(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}
