package config

import (
	"fmt"
	"strings"
	"testing"
)

func TestCheckText(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   string
		want string // "" for valid, else "line:col: fragment"
	}{
		{name: "empty", in: ""},
		{name: "plain", in: "node: a\n"},
		{name: "tab and CRLF", in: "node:\ta\r\n"},
		{name: "byte order mark", in: "\ufeffnode: a\n"},
		{name: "next line", in: "node: a\u0085b", want: "1:8: line separator U+0085"},
		{name: "line separator", in: "a: 1\u2028b: 2", want: "1:5: line separator U+2028"},
		{name: "paragraph separator", in: "a: 1\nb: \u2029", want: "2:4: line separator U+2029"},
		{name: "lone carriage return", in: "a: 1\rb: 2\r\n", want: "1:5: a carriage return not followed by a line feed"},
		{name: "carriage return at end", in: "a: 1\r", want: "1:5: a carriage return"},
		{name: "non-ASCII", in: "# café ☕ 𝄞\n"},
		{name: "NUL", in: "node: a\x00", want: "1:8: control character U+0000"},
		{name: "escape", in: "a: 1\nb: \x1b[31m\n", want: "2:4: control character U+001B"},
		{name: "DEL", in: "a: \x7f", want: "1:4: control character U+007F"},
		{name: "C1 control", in: "a: \u0090", want: "1:4: control character U+0090"},
		{name: "noncharacter", in: "a: \ufffe", want: "1:4: control character U+FFFE"},
		{name: "column counts characters", in: "# ééé\nb: ü\x01", want: "2:5: control character U+0001"},
		{name: "invalid byte", in: "a: b\n\xff", want: "2:1: invalid UTF-8 (byte 0xff)"},
		{name: "truncated sequence", in: "a: \xc3", want: "1:4: invalid UTF-8 (byte 0xc3)"},
		{name: "UTF-16", in: "\xff\xfea\x00", want: "1:1: invalid UTF-8 (byte 0xff)"},
		{name: "surrogate", in: "a: \xed\xa0\x80", want: "1:4: invalid UTF-8"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			line, col, msg, ok := checkText([]byte(tc.in))
			if tc.want == "" {
				if !ok {
					t.Errorf("checkText(%q) = %d:%d: %s, want ok", tc.in, line, col, msg)
				}
				return
			}
			got := fmt.Sprintf("%d:%d: %s", line, col, msg)
			if ok || !strings.HasPrefix(got, tc.want) {
				t.Errorf("checkText(%q) = %q (ok=%v), want prefix %q", tc.in, got, ok, tc.want)
			}
		})
	}
}
