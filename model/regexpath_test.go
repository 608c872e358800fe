package model

import (
	"strings"
	"testing"
)

func TestCompileRegexPath(t *testing.T) {
	t.Parallel()
	cases := []struct {
		expr, path string
		want       bool
	}{
		{"/foo", "/foo", true},
		{"/foo", "/foobar", true}, // anchored at the start only
		{"/foo", "/FOO/x", true},  // case-insensitive
		{"/foo", "/x/foo", false}, // anchored at the start
		{"/a|/b", "/b/c", true},
		{"/a|/b", "/x/b", false}, // the alternation is grouped
		{"/something(/|$)(.*)", "/something", true},
		{"/something(/|$)(.*)", "/somethingelse", false},
		{`/v\d+/users`, "/V12/USERS/7", true},
	}
	for _, c := range cases {
		re, err := CompileRegexPath(c.expr)
		if err != nil {
			t.Fatalf("CompileRegexPath(%q): %v", c.expr, err)
		}
		if got := re.MatchString(c.path); got != c.want {
			t.Errorf("%q matches %q: %v, want %v", c.expr, c.path, got, c.want)
		}
	}
}

func TestCompileRegexPathRefuses(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, expr, want string }{
		{"not RE2", "/(?=x)", "invalid regular expression"},
		{"too long", "/" + strings.Repeat("a", MaxRegexPathLength), "more than 1024"},
		{"too large a program", "/(a{100}){100}", "invalid regular expression"}, // RE2's own bound
		{"too many instructions", "/" + strings.Repeat("[a-z]{1000}", 12), "instructions, more than"},
		// Each compiles once wrapped, but not on its own: the wrapping
		// group would no longer hold it, nor the anchor bind it.
		{"escapes its group", `/public)|(?:.*/admin`, "invalid regular expression"},
		{"closes its group", `/a)(?:`, "invalid regular expression"},
	}
	for _, c := range cases {
		if _, err := CompileRegexPath(c.expr); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: CompileRegexPath = %v, want an error containing %q", c.name, err, c.want)
		}
	}
}

func TestExpandRegexRewrite(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, expr, template, path, want string }{
		{"ingress-nginx's example", "/something(/|$)(.*)", "/$2", "/something/new", "/new"},
		{"the prefix alone", "/something(/|$)(.*)", "/$2", "/something", "/"},
		{"no leading slash: one is prepended", "/something(/|$)(.*)", "$2", "/something/a/b", "/a/b"},
		{"the whole match", "/api", "/v2$0", "/API/x", "/v2/API"},
		{"braces", "/(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)", "/${10}/$1", "/abcdefghij", "/j/a"},
		{"$10 is $1 then 0", "/(a)", "/$10", "/a", "/a0"},
		{"$$ is a dollar", "/(a)", "/$$1", "/a", "/$1"},
		{"an unmatched group is empty", "/(x)?(a)", "/$1-$2", "/a", "/-a"},
		{"a group the expression lacks is empty", "/(a)", "/$1$7", "/a", "/a"},
		{"dot segments are resolved, never above /", `/([^/]*)/(.*)`, "/x/../../../$2", "/a/etc/passwd", "/etc/passwd"},
		{"captures cannot climb", `/a(.*)`, "/.$1", "/a./b", "/b"},
		{"slashes merged", `/a(.*)`, "/x/$1", "/a/b", "/x/b"},
		{"a trailing slash is kept", `/a(.*)`, "/x$1", "/a/b/", "/x/b/"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			re, err := CompileRegexPath(c.expr)
			if err != nil {
				t.Fatal(err)
			}
			m := re.FindStringSubmatchIndex(c.path)
			if m == nil {
				t.Fatalf("%q does not match %q", c.expr, c.path)
			}
			if got := ExpandRegexRewrite(c.template, c.path, m); got != c.want {
				t.Errorf("ExpandRegexRewrite(%q, %q) = %q, want %q", c.template, c.path, got, c.want)
			}
		})
	}
}

// FuzzExpandRegexRewrite: whatever the request path, the rewritten path
// starts with "/" and is clean: no dot segment, no "//".
func FuzzExpandRegexRewrite(f *testing.F) {
	f.Add("/something(/|$)(.*)", "/$2", "/something/../x")
	f.Add(`/a(.*)`, "/.$1", "/a./b")
	f.Add(`/(.*)`, "$1", "/..")
	f.Fuzz(func(t *testing.T, expr, template, p string) {
		re, err := CompileRegexPath(expr)
		if err != nil || checkRegexRewrite(template) != "" {
			return
		}
		m := re.FindStringSubmatchIndex(p)
		if m == nil {
			return
		}
		got := ExpandRegexRewrite(template, p, m)
		if clean, ok := CleanPath(got); !ok || clean != got {
			t.Errorf("ExpandRegexRewrite(%q, %q) on %q = %q, not a clean absolute path", template, p, expr, got)
		}
	})
}

func TestValidateRegexRoutes(t *testing.T) {
	t.Parallel()
	a := []Backend{{Name: "a"}}
	rw := func(v string) *Rewrite { return &Rewrite{Path: &PathRewrite{Type: RewriteRegex, Value: v}} }
	ok := TableSpec{Backends: a, Routes: []Route{
		{Path: "/something(/|$)(.*)", PathType: PathRegex, Backend: "a", Rewrite: rw("/$2")},
		{Path: "/x(.*)", PathType: PathRegex, Backend: "a", Rewrite: rw("$1")},
		{Path: "/x(.*)", Backend: "a"},
		{Path: "/y", PathType: PathRegex, Backend: "a", Rewrite: rw("/$2")}, // a group it lacks is empty
	}}
	if err := ok.Validate(); err != nil {
		t.Errorf("Validate() = %v", err)
	}
	tests := []struct {
		name  string
		route Route
		want  string
	}{
		{"not RE2", Route{Path: "/(?!x)", PathType: PathRegex, Backend: "a"}, "invalid regular expression"},
		{"too long", Route{Path: "/" + strings.Repeat("a", 2000), PathType: PathRegex, Backend: "a"}, "more than 1024"},
		{"escapes the start anchor", Route{Path: `/public)|(?:.*/admin`, PathType: PathRegex, Backend: "a"}, "invalid regular expression"},
		{"regex rewrite on a prefix route", Route{Path: "/x", Backend: "a", Rewrite: rw("/$1")}, "route whose path type is RegularExpression"},
		{"regex rewrite in a redirect", Route{Path: "/(x)", PathType: PathRegex, Redirect: &Redirect{Path: &PathRewrite{Type: RewriteRegex, Value: "/$1"}}}, "route whose path type is RegularExpression"},
		{"a bare dollar", Route{Path: "/(x)", PathType: PathRegex, Backend: "a", Rewrite: rw("/$x")}, `"$" must be followed`},
		{"a query", Route{Path: "/(x)", PathType: PathRegex, Backend: "a", Rewrite: rw("/$1?a=b")}, "the query is kept"},
		{"a control character", Route{Path: "/(x)", PathType: PathRegex, Backend: "a", Rewrite: rw("/$1\n")}, "control character"},
		{"unclosed brace", Route{Path: "/(x)", PathType: PathRegex, Backend: "a", Rewrite: rw("/${1")}, `"$" must be followed`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			spec := TableSpec{Backends: a, Routes: []Route{tc.route}}
			if err := spec.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate() = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}
