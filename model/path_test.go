package model

import "testing"

func TestCleanPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"/", "/", true},
		{"/a/b", "/a/b", true},
		{"/a/b/", "/a/b/", true},
		{"/a//b", "/a/b", true},
		{"//a", "/a", true},
		{"/a/./b", "/a/b", true},
		{"/a/../b", "/b", true},
		{"/../../etc/passwd", "/etc/passwd", true},
		{"/a/..", "/", true},
		{"/a/.", "/a", true},
		{"/a/../", "/", true},
		{"/.well-known/x", "/.well-known/x", true},
		{"/a/..b/c", "/a/..b/c", true},
		{"", "", false},
		{"*", "", false},
		{"a/b", "", false},
	}
	for _, tc := range tests {
		got, ok := CleanPath(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("CleanPath(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestCanonicalHost(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"app.example.com":      "app.example.com",
		"App.Example.COM":      "app.example.com",
		"app.example.com:8443": "app.example.com",
		"app.example.com.":     "app.example.com",
		"app.example.com.:80":  "app.example.com",
		"[::1]:8080":           "::1",
		"[::1]":                "::1",
		"::1":                  "::1",
		"127.0.0.1:80":         "127.0.0.1",
		"":                     "",
		"*.example.com":        "*.example.com",
	} {
		if got := CanonicalHost(in); got != want {
			t.Errorf("CanonicalHost(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPrefixPath(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"/": "/", "//": "/", "/a": "/a", "/a/": "/a", "/a//": "/a", "/a/b/": "/a/b"} {
		if got := PrefixPath(in); got != want {
			t.Errorf("PrefixPath(%q) = %q, want %q", in, got, want)
		}
	}
}
