package config

import (
	"errors"
	"strings"
	"testing"
)

// TestSyntaxErrorPosition checks that a YAML syntax error is reported at
// the offending line and column, not at the start of the enclosing block
// that the YAML parser names.
func TestSyntaxErrorPosition(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		yaml      string
		line, col int
		msg       string
	}{
		{name: "listener key indented one space too little",
			yaml: "listeners:\n  - name: a\n    address: 127.0.0.1:80\n    tls: true\n   accessLog: true\n",
			line: 5, col: 4, msg: "did not find expected '-' indicator"},
		{name: "listener key at the list's indent",
			yaml: "listeners:\n  - name: a\n    address: 127.0.0.1:80\n  proxyProtocol: {mode: off}\n",
			line: 4, col: 3, msg: "did not find expected '-' indicator"},
		{name: "top-level key indented",
			yaml: "admin:\n  address: 127.0.0.1:1\n node: a\n",
			line: 3, col: 2, msg: "did not find expected key"},
		{name: "key indented too far after a blank line",
			yaml: "listeners:\n  - name: a\n    address: 127.0.0.1:80\n\n    tls: true\n      h2c: true\n",
			line: 6, col: 10, msg: "mapping values are not allowed in this context"},
		{name: "unclosed flow list",
			yaml: "listeners:\n  - name: a\n    address: [127.0.0.1:80\nnode: a\n",
			line: 3, col: 14, msg: "did not find expected ',' or ']'"},
		{name: "unclosed quote",
			yaml: "listeners:\n  - name: a\n    address: \"127.0.0.1:80\nnode: a\n",
			line: 3, col: 14, msg: "found unexpected end of stream"},
		{name: "list item in a mapping",
			yaml: "node: a\n- zone\n",
			line: 2, col: 1, msg: "did not find expected key"},
		{name: "tab indent",
			yaml: "listeners:\n\t- {name: a}\n",
			line: 2, col: 1, msg: "found character that cannot start any token"},
		{name: "reserved indicator",
			yaml: "node: @a\n",
			line: 1, col: 7, msg: "found character that cannot start any token"},
		{name: "two colons on the first line",
			yaml: "node: a: b\n",
			line: 1, col: 8, msg: "mapping values are not allowed in this context"},
		{name: "after flow collections spanning lines",
			yaml: "clientIP: {trustedProxies: [10.0.0.0/8,\n  10.1.0.0/16]}\nlisteners: [{name: a,\n  address: 127.0.0.1:80}]\n node: a\n",
			line: 5, col: 2, msg: "did not find expected key"},
		{name: "column counts characters",
			yaml: "zone: \"é\"\nnode: é: b\n",
			line: 2, col: 8, msg: "mapping values are not allowed in this context"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse("f.yaml", []byte(tc.yaml), Options{})
			var errs Errors
			if !errors.As(err, &errs) || len(errs) != 1 {
				t.Fatalf("Parse error = %v, want one syntax error", err)
			}
			got := errs[0]
			if got.Line != tc.line || got.Column != tc.col {
				t.Errorf("position %d:%d, want %d:%d (%s)", got.Line, got.Column, tc.line, tc.col, got)
			}
			if want := "YAML syntax error: " + tc.msg; !strings.Contains(got.Message, want) {
				t.Errorf("message %q, want it to contain %q", got.Message, want)
			}
		})
	}
}

// TestSyntaxErrorPositionInALargeFile checks that the search stays within
// its budget for a file of 3,000 lines with the error in the middle.
func TestSyntaxErrorPositionInALargeFile(t *testing.T) {
	t.Parallel()
	item := "  - name: a\n    address: 127.0.0.1:80\n"
	yaml := "listeners:\n" + strings.Repeat(item, 1500) + "   bad: x\n" + strings.Repeat(item, 1500)
	_, err := Parse("f.yaml", []byte(yaml), Options{})
	var errs Errors
	if !errors.As(err, &errs) || len(errs) != 1 {
		t.Fatalf("Parse error = %v, want one syntax error", err)
	}
	if got := errs[0]; got.Line != 3002 || got.Column != 4 {
		t.Errorf("position %d:%d, want 3002:4 (%s)", got.Line, got.Column, got)
	}
}
