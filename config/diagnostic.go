package config

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// Diagnostic is one finding about a configuration file: an error or a lint
// warning, with the place it refers to.
type Diagnostic struct {
	// File is the file name given to [Parse] or [Load]. Empty means the
	// finding is not about a file (for example a bad NODE_NAME).
	File string

	// Line and Column are 1-based. Zero means unknown: Column is zero when
	// the YAML parser reports a line only, and both are zero for findings
	// about the whole file (an empty file).
	Line, Column int

	// Message says what is wrong, naming the setting ("listeners[0].address")
	// and, where there is a choice, what is allowed.
	Message string
}

// String formats d as "file:line:column: message", leaving out the parts
// that are empty or zero.
func (d Diagnostic) String() string {
	var b strings.Builder
	if d.File != "" {
		b.WriteString(d.File)
		b.WriteByte(':')
	}
	if d.Line > 0 {
		b.WriteString(strconv.Itoa(d.Line))
		b.WriteByte(':')
		if d.Column > 0 {
			b.WriteString(strconv.Itoa(d.Column))
			b.WriteByte(':')
		}
	}
	if b.Len() > 0 {
		b.WriteByte(' ')
	}
	b.WriteString(d.Message)
	return b.String()
}

// Errors is every problem found in a configuration file, in file order.
// [Parse] and [Load] return it as their error; use [errors.As] to get it.
type Errors []Diagnostic

// Error returns one line per problem, each as [Diagnostic.String] formats it.
func (e Errors) Error() string {
	if len(e) == 0 {
		return "no errors"
	}
	lines := make([]string, len(e))
	for i, d := range e {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}

// sortDiagnostics orders ds by position, keeping the order of findings at
// the same place. Findings without a line come first.
func sortDiagnostics(ds []Diagnostic) {
	slices.SortStableFunc(ds, func(a, b Diagnostic) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
}
