package proxy

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"testing"

	"github.com/firsthop/firsthop/model"
)

func TestRewrittenPath(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, prefix, path, raw, typ, value string
		want, wantRaw                       string
	}{
		// Gateway API's ReplacePrefixMatch table.
		{"prefix", "/foo", "/foo/bar", "", "prefix", "/xyz", "/xyz/bar", ""},
		{"a replacement's trailing slash", "/foo", "/foo/bar", "", "prefix", "/xyz/", "/xyz/bar", ""},
		{"the prefix itself", "/foo", "/foo", "", "prefix", "/xyz", "/xyz", ""},
		{"the prefix with a slash", "/foo", "/foo/", "", "prefix", "/xyz", "/xyz/", ""},
		{"to / from the prefix with a slash", "/foo", "/foo/", "", "prefix", "/", "/", ""},
		{"to / from the prefix itself", "/foo", "/foo", "", "prefix", "/", "/", ""},
		{"to / from below the prefix", "/foo", "/foo/bar", "", "prefix", "/", "/bar", ""},
		{"the root prefix", "/", "/foo/bar", "", "prefix", "/v2", "/v2/foo/bar", ""},
		{"the root prefix to /", "/", "/foo/bar", "", "prefix", "/", "/foo/bar", ""},
		{"the root", "/", "/", "", "prefix", "/v2", "/v2/", ""},
		{"not on an element boundary: unchanged", "/foo", "/foobar", "", "prefix", "/x", "/foobar", ""},
		{"a full path", "/foo", "/foo/bar", "", "full", "/x/y", "/x/y", ""},
		{"a full path of /", "/foo", "/foo/bar", "", "full", "/", "/", ""},
		{"kept encoded slashes stay encoded", "/reg", "/reg/a/b/tags", "/reg/a%2Fb/tags", "prefix", "/v2", "/v2/a/b/tags", "/v2/a%2Fb/tags"},
		{"kept encoded slashes under the root", "/", "/a/b", "/a%2Fb", "prefix", "/v2", "/v2/a/b", "/v2/a%2Fb"},
		{"a full path drops the escaped form", "/reg", "/reg/a/b", "/reg/a%2Fb", "full", "/x", "/x", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			pr := &model.PathRewrite{Value: c.value}
			if c.typ == "prefix" {
				pr.Type = model.RewritePrefix
			}
			got, gotRaw := rewrittenPath(c.path, c.raw, pr, c.prefix)
			if got != c.want || gotRaw != c.wantRaw {
				t.Errorf("rewrittenPath(%q, %q, %s %q, %q) = %q, %q; want %q, %q", c.path, c.raw, c.typ, c.value, c.prefix, got, gotRaw, c.want, c.wantRaw)
			}
		})
	}
}

// TestRewriteThroughListeners: on every serving path the backend sees the
// rewritten path with the query kept and the rewritten Host, while the
// forwarding headers carry the client's host.
func TestRewriteThroughListeners(t *testing.T) {
	onEveryPath(t, func(t *testing.T, path actionPath) {
		spec := model.TableSpec{
			Headers: model.ForwardedHeaders{XForwardedFor: model.HeaderAppend, Forwarded: model.HeaderAppend},
			Routes: []model.Route{
				{Path: "/api", Backend: "b", Rewrite: &model.Rewrite{Host: "internal.test",
					Path: &model.PathRewrite{Type: model.RewritePrefix, Value: "/"}}},
				{Path: "/v1", Backend: "b", Rewrite: &model.Rewrite{Path: &model.PathRewrite{Type: model.RewritePrefix, Value: "/v2"}}},
				{Path: "/one", PathType: model.PathExact, Backend: "b", Rewrite: &model.Rewrite{Path: &model.PathRewrite{Value: "/other/place"}}},
				{Path: "/enc", Backend: "b", KeepEncodedSlashes: true, Rewrite: &model.Rewrite{Path: &model.PathRewrite{Type: model.RewritePrefix, Value: "/v2"}}},
			},
			Backends: echoBackends(t, "b"),
		}
		addr, _ := actionProxy(t, spec, path)
		cases := []struct{ uri, path, query, host string }{
			{"/api/x?a=1&b", "/x", "a=1&b", "internal.test"},
			{"/api", "/", "", "internal.test"},
			{"/api/", "/", "", "internal.test"},
			{"/api/./x/../y", "/y", "", "internal.test"},
			{"/v1/users?id=7", "/v2/users", "id=7", "app.test"},
			{"/v1", "/v2", "", "app.test"},
			{"/one?z", "/other/place", "z", "app.test"},
			{"/enc/a%2Fb/c", "/v2/a/b/c", "", "app.test"},
		}
		for _, c := range cases {
			got := echoOf(t, exchangeRaw(t, addr, "GET "+c.uri+" HTTP/1.1\r\nHost: app.test\r\n\r\n", "GET"))
			if got.Path != c.path || got.Query != c.query || got.Host != c.host {
				t.Errorf("%s: backend saw path %q query %q host %q, want %q %q %q", c.uri, got.Path, got.Query, got.Host, c.path, c.query, c.host)
			}
			if xfh := got.Headers.Get("X-Forwarded-Host"); xfh != "app.test" {
				t.Errorf("%s: X-Forwarded-Host %q, want the client's app.test", c.uri, xfh)
			}
		}
	})
}

// TestRewriteKeepsEncodedSlashOnTheWire: a route keeping encoded slashes
// sends "%2F" as it came after a prefix rewrite.
func TestRewriteKeepsEncodedSlashOnTheWire(t *testing.T) {
	t.Parallel()
	sb := startScriptBackend(t, func(c net.Conn, _ *bufio.Reader, r *http.Request, _ []byte) {
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(r.RequestURI), r.RequestURI)
	})
	spec := model.TableSpec{
		Routes: []model.Route{{Path: "/enc", Backend: "b", KeepEncodedSlashes: true,
			Rewrite: &model.Rewrite{Path: &model.PathRewrite{Type: model.RewritePrefix, Value: "/v2"}}}},
		Backends: []model.Backend{{Name: "b", Endpoints: []model.Endpoint{{Addr: sb.addr}}}},
	}
	for _, path := range actionPaths[:2] {
		addr, _ := actionProxy(t, spec, path)
		if got := exchangeRaw(t, addr, "GET /enc/a%2Fb/c?q HTTP/1.1\r\nHost: app.test\r\n\r\n", "GET"); got.Body != "/v2/a%2Fb/c?q" {
			t.Errorf("%s: backend got %q, want /v2/a%%2Fb/c?q", path.name, got.Body)
		}
	}
}
