package model

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
)

// Bounds on a PathRegex route's expression, checked by Validate. RE2 never
// backtracks, so matching costs at most the path's length times the
// program's size; these bound the program.
const (
	// MaxRegexPathLength is the longest expression, in bytes.
	MaxRegexPathLength = 1024
	// maxRegexPathInsts bounds the compiled program, which a short
	// expression with counted repetitions ("(a{100}){9}") can make large.
	maxRegexPathInsts = 10000
)

// RegexPathPattern returns the expression a PathRegex route's path p is
// compiled to: case-insensitive, anchored at the start only, p grouped.
func RegexPathPattern(p string) string {
	return `(?i)^(?:` + p + `)`
}

// CompileRegexPath compiles a PathRegex route's path p (see [PathRegex]),
// refusing an expression that is not RE2 on its own (one that compiles
// only wrapped, as "/a)|(?:.*", would leave the group and the start
// anchor), longer than [MaxRegexPathLength] or compiles to too large a
// program.
func CompileRegexPath(p string) (*regexp.Regexp, error) {
	if len(p) > MaxRegexPathLength {
		return nil, fmt.Errorf("regular expression is %d bytes long, more than %d", len(p), MaxRegexPathLength)
	}
	if _, err := syntax.Parse(p, syntax.Perl); err != nil {
		return nil, fmt.Errorf("invalid regular expression: %v", err)
	}
	pattern := RegexPathPattern(p)
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, fmt.Errorf("invalid regular expression: %v", err)
	}
	// It parsed above: the program is what regexp runs, before its own
	// one-pass optimisations.
	parsed, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil, fmt.Errorf("invalid regular expression: %v", err)
	}
	prog, err := syntax.Compile(parsed.Simplify())
	if err != nil {
		return nil, fmt.Errorf("invalid regular expression: %v", err)
	}
	if n := len(prog.Inst); n > maxRegexPathInsts {
		return nil, fmt.Errorf("regular expression compiles to %d instructions, more than %d", n, maxRegexPathInsts)
	}
	return re, nil
}

// checkRegexRewrite returns what is wrong with v as a RewriteRegex value,
// or "". A reference to a group the route's expression lacks is not
// wrong: it stands for nothing, as in nginx, so that one rewrite can serve
// paths of fewer groups.
func checkRegexRewrite(v string) string {
	if strings.ContainsAny(v, "?#") {
		return fmt.Sprintf("regex rewrite %q holds ? or #: the rewrite replaces the path only, the query is kept", v)
	}
	for i := 0; i < len(v); i++ {
		if v[i] != '$' {
			continue
		}
		_, width, ok := groupRef(v[i:])
		if !ok {
			return fmt.Sprintf(`regex rewrite %q: "$" must be followed by a group number, "{number}" or "$"`, v)
		}
		i += width - 1
	}
	return ""
}

// groupRef reads the reference at the start of s, which starts with "$":
// "$$" (n is -1), "$N" with one digit N, or "${N}". width is the bytes
// it spans; ok is false for anything else.
func groupRef(s string) (n, width int, ok bool) {
	if len(s) < 2 {
		return 0, 0, false
	}
	switch c := s[1]; {
	case c == '$':
		return -1, 2, true
	case '0' <= c && c <= '9':
		return int(c - '0'), 2, true
	case c == '{':
		end := strings.IndexByte(s, '}')
		if end < 3 || end > 7 {
			return 0, 0, false
		}
		for _, d := range s[2:end] {
			if d < '0' || d > '9' {
				return 0, 0, false
			}
			n = n*10 + int(d-'0')
		}
		return n, end + 1, true
	}
	return 0, 0, false
}

// ExpandRegexRewrite returns the path a RewriteRegex rewrite with value
// template gives for the request path p, whose route's expression matched
// it with submatch indexes match (as [regexp.Regexp.FindStringSubmatchIndex]
// returns them): template with its references replaced (see
// [RewriteRegex]), with a leading "/" when it has none, cleaned. A
// reference to a group the match lacks, or that did not take part,
// stands for nothing; a malformed "$" is kept as it is.
func ExpandRegexRewrite(template, p string, match []int) string {
	var b strings.Builder
	b.Grow(len(template) + len(p))
	if !strings.HasPrefix(template, "/") {
		b.WriteByte('/')
	}
	for i := 0; i < len(template); i++ {
		c := template[i]
		if c != '$' {
			b.WriteByte(c)
			continue
		}
		n, width, ok := groupRef(template[i:])
		switch {
		case !ok:
			b.WriteByte(c)
			continue
		case n < 0:
			b.WriteByte('$')
		case 2*n+1 < len(match) && match[2*n] >= 0:
			b.WriteString(p[match[2*n]:match[2*n+1]])
		}
		i += width - 1
	}
	clean, _ := CleanPath(b.String())
	return clean
}
