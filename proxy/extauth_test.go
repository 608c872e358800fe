package proxy

import (
	"bufio"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/firsthop/firsthop/model"
)

// readRequest parses a request head as firsthop's server gets it (a
// "#" in the target stays in RawQuery, as http.NewRequest never leaves
// it); ok is false when net/http refuses it.
func readRequest(host, target string) (*http.Request, bool) {
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader("GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n")))
	return r, err == nil
}

func TestAuthHTTPHost(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]string{
		"app.test": "app.test", "App.Test.:8080": "app.test:8080", "app.test:": "app.test", "app.test:443": "app.test:443",
		"[::1]:8080": "[::1]:8080", "[::1]": "[::1]", "::1": "[::1]", "192.0.2.1:80": "192.0.2.1:80",
		"app.test:0": "", "app.test:65536": "", "app.test:080": "", "app.test:+80": "", "app.test:80x": "",
		"app.test:1@evil.test": "", "app.test:1/x": "", "[::1]x": "", "[::1]:": "[::1]", "[::1]:8x": "",
	} {
		if got := authHTTPHost(raw, model.CanonicalHost(raw)); got != want {
			t.Errorf("authHTTPHost(%q) = %q, want %q", raw, got, want)
		}
	}
}

func TestExpandAuthVariables(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, template, host, target, want string }{
		{"the variables", "$scheme://$http_host/x?h=$host&u=$request_uri&e=$escaped_request_uri", "App.Test:8080", "/a?b=c",
			"http://app.test:8080/x?h=app.test&u=/a?b=c&e=%2Fa%3Fb%3Dc"},
		{"a fragment in a query value", "/check?u=$request_uri", "app.test", "/a?x=1#frag", "/check?u=/a?x=1%23frag"},
		{"a parameter smuggled in a query value", "/check?u=$request_uri&v=1", "app.test", "/a?x=1&admin=1", "/check?u=/a?x=1%26admin=1&v=1"},
		{"the request URI as the path keeps its query", "/auth$request_uri", "app.test", "/a?x=1&y=2#f", "/auth/a?x=1&y=2%23f"},
		{"a Host whose port is no number", "/check?h=$http_host&host=$host", "app.test:1@evil.test", "/", "/check?h=&host=app.test"},
		{"a Host that is no host", "/check?h=$http_host&host=$host", "a,b", "/", "/check?h=&host="},
		{"no variables", "/check?a=$", "app.test", "/#", "/check?a=$"},
	}
	for _, c := range cases {
		r, ok := readRequest(c.host, c.target)
		if !ok {
			t.Fatalf("%s: net/http refused the request", c.name)
		}
		st := &requestState{fwd: forwardContext{proto: "http"}}
		if got := expandAuthVariables(c.template, r, st, url.QueryEscape); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

// FuzzAuthURL: whatever Host and target a client sends (that net/http
// lets through), the auth URL of a Path using every variable parses, has
// no fragment or userinfo, names the auth service's address, and has
// exactly the Path's query parameters.
func FuzzAuthURL(f *testing.F) {
	for _, s := range [][2]string{
		{"app.test", "/a"}, {"App.Test:8080", "/a?x=1#frag&admin=1"}, {"[::1]:80", "/?#"}, {"app.test:1@evil.test", "/"},
		{"a,b", "/a&b=c"}, {"app.test:80#", "/a?u=1&u=2"},
	} {
		f.Add(s[0], s[1])
	}
	const path = "/check?s=$scheme&h=$host&hh=$http_host&u=$request_uri&e=$escaped_request_uri"
	f.Fuzz(func(t *testing.T, host, target string) {
		r, ok := readRequest(host, target)
		if !ok || strings.ContainsAny(host, "\r\n") {
			return
		}
		st := &requestState{fwd: forwardContext{proto: "http"}}
		raw := "http://127.0.0.1:1" + expandAuthVariables(path, r, st, url.QueryEscape)
		u, err := url.Parse(raw)
		if err != nil {
			return // askAuth fails: the request gets 500, no auth request goes out
		}
		if u.Fragment != "" || u.User != nil || u.Host != "127.0.0.1:1" || u.Path != "/check" {
			t.Fatalf("auth URL %q for Host %q, target %q: fragment %q, user %v, host %q, path %q", raw, host, target, u.Fragment, u.User, u.Host, u.Path)
		}
		q, _ := url.ParseQuery(u.RawQuery)
		if len(q) != 5 {
			t.Fatalf("auth URL %q for Host %q, target %q: parameters %v, want s, h, hh, u, e", raw, host, target, q)
		}
		for _, k := range []string{"s", "h", "hh", "u", "e"} {
			if len(q[k]) != 1 {
				t.Fatalf("auth URL %q for Host %q, target %q: %s is %q, want one value", raw, host, target, k, q[k])
			}
		}
	})
}
