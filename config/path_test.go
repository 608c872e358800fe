package config

import (
	"strings"
	"testing"
)

func TestCheckPath(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   string
		want string // "" for valid, else an error fragment
	}{
		{name: "root", in: "/"},
		{name: "simple", in: "/api"},
		{name: "trailing slash", in: "/api/"},
		{name: "deep", in: "/api/v1/users"},
		{name: "dots in names", in: "/a.b/c..d/.well-known"},
		{name: "non-ASCII", in: "/café"},
		{name: "relative", in: "api", want: `must start with "/"`},
		{name: "empty", in: "", want: `must start with "/"`},
		{name: "double slash", in: "/a//b", want: `not clean: write "/a/b"`},
		{name: "leading double slash", in: "//a", want: `not clean: write "/a"`},
		{name: "dot", in: "/a/./b", want: `not clean: write "/a/b"`},
		{name: "dot dot", in: "/a/../b", want: `not clean: write "/b"`},
		{name: "dot dot at end", in: "/a/..", want: `not clean: write "/"`},
		{name: "dot at end", in: "/a/.", want: `not clean: write "/a"`},
		{name: "dot dot above root", in: "/../a", want: `not clean: write "/a"`},
		{name: "query", in: "/a?b", want: "no query or fragment"},
		{name: "fragment", in: "/a#b", want: "no query or fragment"},
		{name: "percent", in: "/a%2fb", want: "percent-encoding is not supported"},
		{name: "space", in: "/a b", want: "contains a space"},
		{name: "control", in: "/a\nb", want: "control character U+000A"},
		{name: "path parameter", in: "/api;v=1", want: "could never be reached"},
		{name: "backslash", in: `/a\b`, want: "could never be reached"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := checkPath(tc.in)
			if tc.want == "" {
				if err != nil {
					t.Errorf("checkPath(%q) = %v, want nil", tc.in, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("checkPath(%q) = %v, want error containing %q", tc.in, err, tc.want)
			}
		})
	}
}
