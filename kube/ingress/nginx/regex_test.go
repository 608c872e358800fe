package nginx

import (
	"strings"
	"testing"

	"github.com/firsthop/firsthop/model"
)

// TestCompileRegexPCRE checks that every PCRE-only construct is refused
// with its name, and that what RE2 shares with PCRE compiles.
func TestCompileRegexPCRE(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern string
		want    string // "" means it compiles
	}{
		{`^/api/(v[0-9]+)/(.*)`, ""},
		{`\Qa.b\E`, ""},
		{`(?<name>x)`, ""},
		{`[[:alpha:]]+`, ""},
		{`(?i)ABC`, ""},
		{`a(?=b)`, "lookahead"},
		{`a(?!b)`, "lookahead"},
		{`(?<=a)b`, "lookbehind"},
		{`(?<!a)b`, "lookbehind"},
		{`(a)\1`, "backreference"},
		{`(?<n>a)\k<n>`, "backreference"},
		{`a*+`, "possessive"},
		{`a++b`, "possessive"},
		{`a{2}+`, "possessive"},
		{`(?>ab)`, "atomic group"},
		{`(a|(?R))`, "recursion"},
		{`(a)(?1)`, "recursion"},
		{`(?(1)a|b)`, "conditional"},
		{`(?|(a)|(b))`, "branch reset"},
		{`a(?#comment)`, "comment"},
		{`(?x) a b`, "flag RE2 lacks"},
		{`a\Kb`, `escape \K`},
		{`\Gabc`, `escape \G`},
		{`abc\Z`, `escape \Z`},
		{`(`, "not a regular expression"},
		{`[a-`, "not a regular expression"},
	}
	for _, tt := range tests {
		_, err := CompileRegex(tt.pattern)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("CompileRegex(%q): %v", tt.pattern, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("CompileRegex(%q) = %v; want an error naming %q", tt.pattern, err, tt.want)
		}
	}
}

// TestCompileRegexPath checks ingress-nginx's meaning of a regex path:
// case-insensitive, anchored at the start only; a top-level alternation
// is grouped (nginx's is not).
func TestCompileRegexPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path, request string
		match         bool
	}{
		{"/api", "/api", true},
		{"/api", "/API/users", true},
		{"/api", "/apifoo", true},
		{"/api", "/v1/api", false},
		{"/api$", "/api/x", false},
		{"/foo(/|$)(.*)", "/foo", true},
		{"/foo(/|$)(.*)", "/foobar", false},
		{"/a|/b", "/b/x", true},
		{"/a|/b", "/x/b", false}, // nginx: ^/a|/b, true
		{"/[0-9]+/x", "/12/x", true},
	}
	for _, tt := range tests {
		rp, err := CompileRegexPath(tt.path)
		if err != nil {
			t.Errorf("CompileRegexPath(%q): %v", tt.path, err)
			continue
		}
		if got := rp.MatchString(tt.request); got != tt.match {
			t.Errorf("path %q, request %q: match %v; want %v", tt.path, tt.request, got, tt.match)
		}
	}
	rp, err := CompileRegexPath("/something(/|$)(.*)")
	if err != nil {
		t.Fatal(err)
	}
	if got := model.ExpandRegexRewrite("/$2", "/Something/new", rp.FindStringSubmatchIndex("/Something/new")); got != "/new" {
		t.Errorf("rewrite /$2 of /Something/new = %q; want /new", got)
	}
	for _, bad := range []string{"api", "/a(?=b)", "/a\nb", "/(", "/" + strings.Repeat("a", 2000)} {
		if _, err := CompileRegexPath(bad); err == nil {
			t.Errorf("CompileRegexPath(%q) succeeded", bad)
		}
	}
}
