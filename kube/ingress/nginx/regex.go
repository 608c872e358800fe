package nginx

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"

	"github.com/firsthop/firsthop/model"
)

// ingress-nginx writes regex paths into nginx, which compiles them with
// PCRE; firsthop compiles them with Go's RE2. The two agree on the syntax
// Ingress paths use (classes, groups, alternation, repetition, (?i), \d,
// \Q...\E, named groups); RE2 refuses what needs backtracking. Such a
// pattern is refused with a message naming the construct, never
// approximated.

// CompileRegex compiles an ingress-nginx regular expression with RE2.
// A pattern using PCRE-only syntax gets an error naming it: lookahead and
// lookbehind, backreferences (\1, \k<name>), possessive quantifiers (a*+),
// atomic groups ((?>...)), recursion ((?R), (?1)), conditionals
// ((?(1)...)), branch reset ((?|...)), comments ((?#...)), the x flag,
// and the escapes \K, \G, \Z, \h, \R.
func CompileRegex(pattern string) (*regexp.Regexp, error) {
	re, err := regexp.Compile(pattern)
	if err == nil {
		return re, nil
	}
	if what := pcreOnly(pattern, err); what != "" {
		return nil, fmt.Errorf("%q uses %s, which PCRE (nginx) has and Go's RE2 does not; rewrite it without", pattern, what)
	}
	return nil, fmt.Errorf("%q is not a regular expression: %v", pattern, err)
}

// pcreOnly names the PCRE-only construct that made RE2 refuse pattern
// with err, or returns "" when the pattern is malformed for PCRE too.
func pcreOnly(pattern string, err error) string {
	switch {
	case strings.Contains(pattern, "(?="), strings.Contains(pattern, "(?!"):
		return "a lookahead ((?=...) or (?!...))"
	case strings.Contains(pattern, "(?<="), strings.Contains(pattern, "(?<!"):
		return "a lookbehind ((?<=...) or (?<!...))"
	case strings.Contains(pattern, "(?>"):
		return "an atomic group ((?>...))"
	case strings.Contains(pattern, "(?("):
		return "a conditional ((?(1)...))"
	case strings.Contains(pattern, "(?|"):
		return "a branch reset group ((?|...))"
	case strings.Contains(pattern, "(?#"):
		return "a comment ((?#...))"
	case strings.Contains(pattern, "(?R"), strings.Contains(pattern, "(?&"), strings.Contains(pattern, "(?+"), recursionRE.MatchString(pattern):
		return "recursion ((?R), (?1), (?&name))"
	}
	var se *syntax.Error
	if !errors.As(err, &se) {
		return ""
	}
	switch se.Code {
	case syntax.ErrInvalidRepeatOp:
		if strings.HasSuffix(se.Expr, "+") {
			return "a possessive quantifier (*+, ++, ?+, {n}+)"
		}
	case syntax.ErrInvalidEscape:
		switch e := strings.TrimPrefix(se.Expr, `\`); {
		case e != "" && e[0] >= '1' && e[0] <= '9', strings.HasPrefix(e, "k"), strings.HasPrefix(e, "g"):
			return "a backreference (\\1, \\k<name>, \\g1)"
		case strings.HasPrefix(e, "K"), strings.HasPrefix(e, "G"), strings.HasPrefix(e, "Z"), strings.HasPrefix(e, "h"), strings.HasPrefix(e, "H"), strings.HasPrefix(e, "R"), strings.HasPrefix(e, "X"), strings.HasPrefix(e, "V"), strings.HasPrefix(e, "v"):
			return "the PCRE-only escape " + se.Expr
		}
	case syntax.ErrInvalidPerlOp:
		if strings.HasPrefix(se.Expr, "(?x") || strings.Contains(se.Expr, "x") {
			return "a flag RE2 lacks (x, extended mode)"
		}
	}
	return ""
}

var recursionRE = regexp.MustCompile(`\(\?[0-9-]`)

// CompileRegexPath checks an Ingress path read as a regular expression
// ([Features.RegexPaths]) and returns it compiled as the data plane
// matches a [model.PathRegex] route of that path: case-insensitive,
// anchored at the start of the request path only, as nginx's
// `location ~* "^path"`. A top-level alternation is grouped: "/a|/b"
// matches paths starting with "/a" or "/b", where nginx matched "/b"
// anywhere. PCRE-only syntax is refused (see [CompileRegex]), and so is an
// expression past the model's bounds ([model.CompileRegexPath]).
func CompileRegexPath(path string) (*regexp.Regexp, error) {
	if !strings.HasPrefix(path, "/") {
		return nil, fmt.Errorf("regex path %q does not start with \"/\"", path)
	}
	if hasControl(path) {
		return nil, fmt.Errorf("regex path %q holds a control character", path)
	}
	if _, err := CompileRegex(path); err != nil {
		return nil, fmt.Errorf("regex path %w", err)
	}
	re, err := model.CompileRegexPath(path)
	if err != nil {
		return nil, fmt.Errorf("regex path %q: %w", path, err)
	}
	return re, nil
}
