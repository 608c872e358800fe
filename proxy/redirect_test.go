package proxy

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/clientip"
)

func TestRedirectLocation(t *testing.T) {
	t.Parallel()
	prefix := func(v string) *model.PathRewrite { return &model.PathRewrite{Type: model.RewritePrefix, Value: v} }
	cases := []struct {
		name        string
		proto, port string // the listener's scheme and the port the client connected to
		host, uri   string
		rd          model.Redirect
		want        string
	}{
		{"nothing changed keeps the listener's port", "http", "8080", "app.test:8080", "/a?q=1", model.Redirect{}, "http://app.test:8080/a?q=1"},
		{"http to https drops :80", "http", "80", "app.test", "/a", model.Redirect{Scheme: "https"}, "https://app.test/a"},
		{"a scheme drops a listener port that is not its own", "http", "8080", "app.test:8080", "/a", model.Redirect{Scheme: "https"}, "https://app.test/a"},
		{"https to http drops :443", "https", "443", "app.test", "/a", model.Redirect{Scheme: "http"}, "http://app.test/a"},
		{"an explicit port is kept", "http", "80", "app.test", "/a", model.Redirect{Scheme: "https", Port: 8443}, "https://app.test:8443/a"},
		{"an explicit default port is left out", "http", "8080", "app.test", "/a", model.Redirect{Scheme: "https", Port: 443}, "https://app.test/a"},
		{"an explicit port of the other scheme is kept", "https", "443", "app.test", "/a", model.Redirect{Port: 80}, "https://app.test:80/a"},
		{"port 80 on http is left out", "http", "80", "app.test", "/a", model.Redirect{}, "http://app.test/a"},
		{"an unknown listener port is left out", "http", "", "app.test", "/a", model.Redirect{}, "http://app.test/a"},
		{"a new host keeps the listener's port", "http", "8080", "app.test:8080", "/a", model.Redirect{Host: "www.example.com"}, "http://www.example.com:8080/a"},
		{"the request host loses its port and case", "http", "80", "App.Test:9999", "/a", model.Redirect{}, "http://app.test/a"},
		{"an IPv6 request host is bracketed", "http", "8080", "[::1]:8080", "/a", model.Redirect{}, "http://[::1]:8080/a"},
		{"an IPv6 redirect host is bracketed", "http", "80", "app.test", "/a", model.Redirect{Host: "2001:db8::1", Port: 8080}, "http://[2001:db8::1]:8080/a"},
		{"an IPv4 request host", "https", "443", "192.0.2.1", "/a", model.Redirect{}, "https://192.0.2.1/a"},
		{"a full path", "http", "80", "app.test", "/api/a?x=1&y", model.Redirect{Path: &model.PathRewrite{Value: "/new"}}, "http://app.test/new?x=1&y"},
		{"a prefix", "http", "80", "app.test", "/api/a/b", model.Redirect{Path: prefix("/v2")}, "http://app.test/v2/a/b"},
		{"a prefix on the prefix itself", "http", "80", "app.test", "/api", model.Redirect{Path: prefix("/v2")}, "http://app.test/v2"},
		{"a prefix of /", "http", "80", "app.test", "/api/a", model.Redirect{Path: prefix("/")}, "http://app.test/a"},
		{"a prefix of / on the prefix itself", "http", "80", "app.test", "/api", model.Redirect{Path: prefix("/")}, "http://app.test/"},
		{"the path is sent escaped", "http", "80", "app.test", "/api/a%20b", model.Redirect{}, "http://app.test/api/a%20b"},
		{"an empty query is kept", "http", "80", "app.test", "/api?", model.Redirect{}, "http://app.test/api?"},
		{"a # in the query is no fragment", "http", "80", "app.test", "/api?x=1#f", model.Redirect{}, "http://app.test/api?x=1%23f"},
		{"everything at once", "http", "8080", "app.test", "/api/x?k=v", model.Redirect{Scheme: "https", Host: "new.example", Port: 8443, Path: prefix("/b/")},
			"https://new.example:8443/b/x?k=v"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodGet, c.uri, nil)
			r.Host = c.host
			st := &requestState{fwd: forwardContext{proto: c.proto, port: c.port}}
			got, ok := redirectLocation(r, st, &c.rd, "/api")
			if !ok || got != c.want {
				t.Errorf("Location %q (ok %v), want %q", got, ok, c.want)
			}
		})
	}
}

// TestRedirectRefusesHostsThatAreNotHosts: a request Host that net/http
// (and the fast loop) accept but that is no DNS name or IP address cannot
// become the host of a Location: the request is refused.
func TestRedirectRefusesHostsThatAreNotHosts(t *testing.T) {
	t.Parallel()
	for _, host := range []string{"a,b", "evil.test;x=y", "a!b", "a$b", "(a)", "a'b", "a*b", "a+b", "a=b", "a~b", "a&b", "x%2F%2Fevil.test",
		"[fe80::1%25eth0]", "[::1", "a]b", "a:1:2", ""} {
		r := httptest.NewRequest(http.MethodGet, "/a", nil)
		r.Host = host
		st := &requestState{fwd: forwardContext{proto: "http", port: "80"}}
		if loc, ok := redirectLocation(r, st, &model.Redirect{}, "/"); ok {
			t.Errorf("Host %q gave Location %q, want a refusal", host, loc)
		}
		// A redirect to a host of the route's own is not the request's.
		if loc, ok := redirectLocation(r, st, &model.Redirect{Host: "app.test"}, "/"); !ok || loc != "http://app.test/a" {
			t.Errorf("Host %q with a redirect host gave %q (ok %v), want http://app.test/a", host, loc, ok)
		}
	}
}

// TestRedirectAndRespondThroughListeners: on every serving path a
// redirect route answers with its Location and status and a direct
// answer with its status, type and body, the route's response headers on
// both, nothing forwarded; a Host that cannot be redirected to gets 400.
func TestRedirectAndRespondThroughListeners(t *testing.T) {
	onEveryPath(t, func(t *testing.T, path actionPath) {
		sb := startRawBackend(t, nil)
		resp := &model.HeaderModifier{Set: []model.Header{{Name: "X-Route", Value: "r"}}}
		spec := model.TableSpec{
			Routes: []model.Route{
				{Path: "/old", Redirect: &model.Redirect{Scheme: "https", Status: 301,
					Path: &model.PathRewrite{Type: model.RewritePrefix, Value: "/new"}}, ResponseHeaders: resp},
				{Path: "/moved", Redirect: &model.Redirect{Host: "other.test", Path: &model.PathRewrite{Value: "/x"}}},
				{Path: "/teapot", Respond: &model.DirectResponse{Status: 418, Body: "short and stout", ContentType: "text/x-tea"}, ResponseHeaders: resp},
				{Path: "/empty", Respond: &model.DirectResponse{Status: 204}},
				{Path: "/", Backend: "b"},
			},
			Backends: []model.Backend{{Name: "b", Endpoints: []model.Endpoint{{Addr: sb.addr}}}},
		}
		addr, _ := actionProxy(t, spec, path)
		port := portOf(addr)
		cases := []struct {
			raw, method string
			status      int
			header      http.Header
			body        string
		}{
			{"GET /old/a/./b?q=1 HTTP/1.1\r\nHost: App.Test:" + port + "\r\n\r\n", "GET", 301,
				http.Header{"Location": {"https://app.test/new/a/b?q=1"}, "X-Route": {"r"}, "Content-Length": {"0"}}, ""},
			{"GET /old/a?q=1#f HTTP/1.1\r\nHost: app.test\r\n\r\n", "GET", 301,
				http.Header{"Location": {"https://app.test/new/a?q=1%23f"}}, ""},
			{"GET /moved HTTP/1.1\r\nHost: app.test\r\n\r\n", "GET", 302,
				http.Header{"Location": {"http://other.test:" + port + "/x"}, "Content-Length": {"0"}}, ""},
			{"GET /old HTTP/1.1\r\nHost: a,b\r\n\r\n", "GET", 400, nil, "firsthop: the request's host cannot be used in a redirect\n"},
			{"GET /teapot HTTP/1.1\r\nHost: app.test\r\n\r\n", "GET", 418,
				http.Header{"Content-Type": {"text/x-tea"}, "Content-Length": {"15"}, "X-Route": {"r"}}, "short and stout"},
			{"HEAD /teapot HTTP/1.1\r\nHost: app.test\r\n\r\n", "HEAD", 418,
				http.Header{"Content-Type": {"text/x-tea"}, "Content-Length": {"15"}, "X-Route": {"r"}}, ""},
			{"GET /empty HTTP/1.1\r\nHost: app.test\r\n\r\n", "GET", 204, http.Header{}, ""},
		}
		for _, c := range cases {
			got := exchangeRaw(t, addr, c.raw, c.method)
			if got.Status != c.status || got.Body != c.body {
				t.Errorf("%q: got %d %q, want %d %q", c.raw, got.Status, got.Body, c.status, c.body)
			}
			for k, v := range c.header {
				if g := got.Header[k]; len(g) != len(v) || len(v) > 0 && g[0] != v[0] {
					t.Errorf("%q: %s = %q, want %q", c.raw, k, g, v)
				}
			}
		}
		if reqs := sb.requests(); len(reqs) != 0 {
			t.Errorf("the backend got %d requests, want none", len(reqs))
		}
	})
}

// TestRedirectBelievesTrustedProxies: behind a trusted proxy that ended
// TLS, a redirect keeping the request's scheme and port takes them from
// its X-Forwarded-Proto and -Port, as the forwarding headers do; the same
// headers from a peer that is not trusted change nothing.
func TestRedirectBelievesTrustedProxies(t *testing.T) {
	onEveryPath(t, func(t *testing.T, path actionPath) {
		spec := model.TableSpec{Routes: []model.Route{{Path: "/old", Redirect: &model.Redirect{Path: &model.PathRewrite{Value: "/new"}}}}}
		untrusted, _ := actionProxy(t, spec, path)
		spec.ClientIP = clientip.Policy{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
			Headers: []clientip.Header{clientip.HeaderXForwardedFor}}
		trusted, _ := actionProxy(t, spec, path)
		for _, c := range []struct {
			name, addr, extra, want string
		}{
			{"trusted https on 443", trusted, "X-Forwarded-Proto: https\r\nX-Forwarded-Port: 443\r\n", "https://app.test/new"},
			{"trusted https on 8443", trusted, "X-Forwarded-Proto: https\r\nX-Forwarded-Port: 8443\r\n", "https://app.test:8443/new"},
			{"trusted, right-most values", trusted, "X-Forwarded-Proto: http, https\r\nX-Forwarded-Port: 1, 443\r\n", "https://app.test/new"},
			{"trusted, a port that is no number", trusted, "X-Forwarded-Proto: https\r\nX-Forwarded-Port: 443@evil.test\r\n",
				"https://app.test:" + portOf(trusted) + "/new"},
			{"untrusted", untrusted, "X-Forwarded-Proto: https\r\nX-Forwarded-Port: 443\r\n", "http://app.test:" + portOf(untrusted) + "/new"},
		} {
			res := exchangeRaw(t, c.addr, "GET /old HTTP/1.1\r\nHost: app.test\r\n"+c.extra+"\r\n", "GET")
			if got := res.Header.Get("Location"); res.Status != http.StatusFound || got != c.want {
				t.Errorf("%s: %d %q, want 302 %q", c.name, res.Status, got, c.want)
			}
		}
	})
}
