package config

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// syntaxSearchBudget bounds the bytes [locateSyntaxError] parses again,
// so that a large malformed file costs at most a few seconds more.
const syntaxSearchBudget = 8 << 20

// locateSyntaxError returns the 1-based line and column of the YAML syntax
// error in data, which the YAML parser has refused with problem (its
// message without the "yaml: line N: " prefix) and reported at line
// reported (0 when it named none). Column is 0 when the problem is the end
// of the file; ok is false when the search ran out of budget.
//
// gopkg.in/yaml.v3 reports a syntax error's line only, and often not the
// offending line: it prefers the start of the enclosing block (a bad
// indent on line 5 of a list item that starts on line 2 is reported at
// line 1 or 2, counted from 0 or from 1 depending on the error), and it
// gives no column. What it reports is never after the offending line. So
// the position is found by parsing prefixes of data again, by bisection.
// The offending line is the first whose prefix of whole lines fails with
// the same problem; a prefix failing with another problem is cut inside a
// flow collection or quoted string that spans lines and closes later, and
// counts as parsing. The column is that of the character from which the
// prefix ending inside the line stops parsing; when a flow collection or
// quoted string on the line opens before the problem, it may be the
// opening's.
func locateSyntaxError(data []byte, reported int, problem string) (line, col int, ok bool) {
	budget := syntaxSearchBudget
	// parse returns the problem of data[:end].
	parse := func(end int) (string, bool) {
		if budget -= end; budget < 0 {
			return "", false
		}
		return yamlProblem(data[:end]), true
	}
	// starts[i] is the offset of line i+1; starts[len] is len(data).
	starts := []int{0}
	for i, c := range data {
		if c == '\n' && i+1 < len(data) {
			starts = append(starts, i+1)
		}
	}
	starts = append(starts, len(data))
	lines := len(starts) - 1
	line, ok = bisect(max(min(reported, lines)-1, 0), lines, func(n int) (bool, bool) {
		p, ok := parse(starts[n])
		return p == problem, ok
	})
	if !ok {
		return 0, 0, false
	}
	lineStart := starts[line-1]
	text := bytes.TrimRight(data[lineStart:starts[line]], "\r\n")
	if p, ok := parse(lineStart + len(text)); !ok || p == "" {
		// The whole line parses: the problem is what follows it (the
		// end of the file, for an unclosed collection or string).
		return line, 0, true
	}
	// n counts the characters of the line in the prefix.
	offsets := make([]int, 0, len(text)+1)
	for i := range string(text) {
		offsets = append(offsets, i)
	}
	offsets = append(offsets, len(text))
	n, ok := bisect(0, len(offsets)-1, func(n int) (bool, bool) {
		p, ok := parse(lineStart + offsets[n])
		return p != "", ok
	})
	if !ok {
		return line, 0, true
	}
	return line, n, true
}

// bisect returns the least n in (good, bad] for which fails(n) holds,
// given that it does not hold at good and holds at bad, treating fails as
// monotonic. ok is false when fails does.
func bisect(good, bad int, fails func(int) (f, ok bool)) (n int, ok bool) {
	for bad-good > 1 {
		mid := good + (bad-good)/2
		f, ok := fails(mid)
		if !ok {
			return 0, false
		}
		if f {
			bad = mid
		} else {
			good = mid
		}
	}
	return bad, true
}

// yamlProblem returns the problem the YAML parser finds in data, without
// its "yaml: line N: " prefix, or "" when data is a stream of YAML
// documents without a syntax error.
func yamlProblem(data []byte) string {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return ""
		}
		if err != nil {
			_, msg := splitYAMLError(err)
			return msg
		}
	}
}

// splitYAMLError returns the line a gopkg.in/yaml.v3 error names (0 when
// none) and its message without the "yaml: line N: " or "yaml: " prefix.
func splitYAMLError(err error) (line int, msg string) {
	msg = err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		if n, err := strconv.Atoi(m[1]); err == nil && n > 0 {
			return n, m[2]
		}
		return 0, m[2]
	}
	return 0, strings.TrimPrefix(msg, "yaml: ")
}
