package config

import (
	"bytes"
	"errors"
	"io"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// syntaxSearchBudget bounds the bytes [locateSyntaxError] parses again,
// so that a large malformed file costs at most a few milliseconds more.
const syntaxSearchBudget = 4 << 20

// locateSyntaxError returns the 1-based line and column of the YAML syntax
// error in data, which the YAML parser has refused; ok is false when the
// search ran out of budget.
//
// gopkg.in/yaml.v3 reports a syntax error's line only, and often not the
// offending line: it prefers the start of the enclosing block (a bad
// indent on line 5 of a list item that starts on line 2 is reported at
// line 1 or 2), and it gives no column. So the position is found by
// parsing prefixes of data again: the error is on the line after the
// longest run of whole lines that parses, and at the column after the
// longest part of that line that still parses. Prefixes are tried from
// the longest down, so that a flow collection or quoted string that spans
// lines and is closed later (whose shorter prefixes fail) is stepped over;
// an unclosed one is reported where it opens.
func locateSyntaxError(data []byte) (line, col int, ok bool) {
	budget := syntaxSearchBudget
	parses := func(b []byte) (bool, bool) {
		if budget -= len(b); budget < 0 {
			return false, false
		}
		return parsesAsYAML(b), true
	}
	// starts[i] is the offset of line i+1.
	starts := []int{0}
	for i, c := range data {
		if c == '\n' && i+1 < len(data) {
			starts = append(starts, i+1)
		}
	}
	bad := len(starts) - 1 // 0-based index of the offending line
	for ; bad > 0; bad-- {
		good, within := parses(data[:starts[bad]])
		if !within {
			return 0, 0, false
		}
		if good {
			break
		}
	}
	lineStart := starts[bad]
	lineEnd := len(data)
	if bad+1 < len(starts) {
		lineEnd = starts[bad+1]
	}
	text := bytes.TrimRight(data[lineStart:lineEnd], "\r\n")
	cut := len(text) // the longest prefix of the line that parses
	for ; cut > 0; cut-- {
		if cut < len(text) && !utf8.RuneStart(text[cut]) {
			continue
		}
		good, within := parses(data[:lineStart+cut])
		if !within {
			return bad + 1, 0, true
		}
		if good {
			break
		}
	}
	if cut == len(text) {
		// The whole line parses: the problem is what follows it (the end
		// of the file, for an unclosed collection or string).
		return bad + 1, 0, true
	}
	return bad + 1, utf8.RuneCount(text[:cut]) + 1, true
}

// parsesAsYAML reports whether data is a stream of YAML documents
// without a syntax error.
func parsesAsYAML(data []byte) bool {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			return errors.Is(err, io.EOF)
		}
	}
}
