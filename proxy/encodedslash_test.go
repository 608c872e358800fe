package proxy

import (
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/listen"
)

// keptReading is the path a backend that keeps "%2F" encoded serves for
// the escaped path p: an encoded slash is part of a segment (shown here
// as the three characters "%2F"), everything else decoded once, dot
// segments resolved.
func keptReading(p string) string {
	p = strings.ReplaceAll(strings.ReplaceAll(p, "%2F", "%252F"), "%2f", "%252F")
	dec, err := url.PathUnescape(p)
	if err != nil {
		return "(invalid " + p + ")"
	}
	clean, _ := model.CleanPath(dec)
	return clean
}

// TestHostileEncodedSlashes: a route with KeepEncodedSlashes sends "%2F"
// to its backend as it came, and "%2F" cannot move a request into or out
// of such a route: the request is refused when reading "%2F" as "/" and
// reading it as part of a segment would pick different routes. A route
// without it forwards the path it routed on, "%2F" decoded.
func TestHostileEncodedSlashes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, target string
		// backend and uri are where the request must go and the
		// request-target it must carry; backend "" means refused with 400.
		backend, uri string
	}{
		{"an encoded slash is kept for a route that keeps them", "/public/a%2Fb", "public", "/public/a%2Fb"},
		{"a lower-case encoded slash is kept, upper-cased", "/public/a%2fb", "public", "/public/a%2Fb"},
		{"the kept path is cleaned around encoded slashes", "/public//x/./y/../a%2Fb?q=1", "public", "/public/x/a%2Fb?q=1"},
		{"encoded dots inside a kept segment are not dot segments", "/public/a%2F%2e%2e%2Fb", "public", "/public/a%2F..%2Fb"},
		{"a double-encoded slash is a literal", "/public/a%252Fb", "public", "/public/a%252Fb"},
		{"dot-dot with an encoded slash cannot leave a keeping route", "/public/..%2Fadmin", "", ""},
		{"encoded dot-dot with an encoded slash cannot leave a keeping route", "/public/%2e%2e%2Fadmin", "", ""},
		{"several encoded climbs cannot leave a keeping route", "/public/x/..%2F..%2F..%2Fadmin", "", ""},
		{"a keeping route cannot be reached by climbing out of another", "/admin/..%2Fpublic/x", "", ""},
		{"an encoded slash cannot make a keeping route's prefix", "/public%2Fx", "", ""},
		{"a climb that lands in the keeping route itself is refused too", "/public/a%2F..%2F..%2Fb", "", ""},
		{"a path parameter climb with an encoded slash is refused", "/public/..;%2Fadmin", "", ""},
		{"without a keeping route, encoded slashes are decoded as routed", "/api/a%2Fb", "api", "/api/a/b"},
		{"without a keeping route, an encoded climb lands where it routes", "/api%2F..%2Fadmin", "admin", "/admin"},
		{"a plain dot-dot into a keeping route is resolved as before", "/admin/../public/a", "public", "/public/a"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			backends := map[string]*rawBackend{}
			spec := model.TableSpec{Routes: []model.Route{
				{Host: "app.test", Path: "/", Backend: "web"},
				{Host: "app.test", Path: "/public", Backend: "public", KeepEncodedSlashes: true},
				{Host: "app.test", Path: "/api", Backend: "api"},
				{Host: "app.test", Path: "/admin", Backend: "admin"},
			}}
			for _, name := range []string{"web", "public", "api", "admin"} {
				backends[name] = startRawBackend(t, nil)
				spec.Backends = append(spec.Backends, model.Backend{Name: name, Endpoints: []model.Endpoint{{Addr: backends[name].addr}}})
			}
			p := startProxy(t, spec, listen.Policy{})
			got := sendRaw(t, p.addr, "GET "+c.target+" HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n")
			if len(got) != 1 {
				t.Fatalf("got %d responses, want 1", len(got))
			}
			reached, uri := "", ""
			for name, b := range backends {
				if reqs := allRequests(b.settle(t, p)); len(reqs) > 0 {
					reached, uri = name, reqs[0].URI
				}
			}
			if c.backend == "" {
				if got[0].status != http.StatusBadRequest || reached != "" {
					t.Fatalf("got %d at backend %q (%q), want 400 and no backend", got[0].status, reached, uri)
				}
				return
			}
			if got[0].status != http.StatusOK || reached != c.backend || uri != c.uri {
				t.Fatalf("got %d at backend %q with %q, want 200 at %s with %q", got[0].status, reached, uri, c.backend, c.uri)
			}
		})
	}
}

// TestEncodedSlashesKeptOnTheTransportPath: the route option holds on
// http.Transport's path (an h2c backend) as on the lean one.
func TestEncodedSlashesKeptOnTheTransportPath(t *testing.T) {
	t.Parallel()
	h2c := h2cURIBackend(t)
	p := startProxy(t, model.TableSpec{
		Routes:   []model.Route{{Path: "/", Backend: "b", KeepEncodedSlashes: true}},
		Backends: []model.Backend{{Name: "b", Protocol: model.ProtocolH2C, Endpoints: []model.Endpoint{{Addr: h2c}}}},
	}, listen.Policy{})
	resp, err := rawRequest(t, p.addr, nil, "GET /v2//library%2Fnginx/./tags HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got, want := resp.Header.Get("X-Request-Uri"), "/v2/library%2Fnginx/tags"; resp.StatusCode != http.StatusOK || got != want {
		t.Errorf("got %d, backend saw %q, want 200 and %q", resp.StatusCode, got, want)
	}
}

// h2cURIBackend starts an h2c backend that answers with the request-target
// it received in X-Request-Uri.
func h2cURIBackend(t *testing.T) netip.AddrPort {
	t.Helper()
	return serveHTTPBackend(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Uri", r.RequestURI)
	}), h2cOnly)
}

func TestKeepSlashPath(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in                string
		route, decoded, escaped string
		ok                      bool
	}{
		{"an encoded slash stays in its segment", "/a%2Fb/c", "/a%2Fb/c", "/a/b/c", "/a%2Fb/c", true},
		{"lower case is read alike", "/a%2fb", "/a%2Fb", "/a/b", "/a%2Fb", true},
		{"dot segments around it are resolved", "/x/./y/../a%2Fb", "/x/a%2Fb", "/x/a/b", "/x/a%2Fb", true},
		{"a dot-dot glued to it is no dot segment", "/p/..%2Fadmin", "/p/..%2Fadmin", "/p/../admin", "/p/..%2Fadmin", true},
		{"an encoded dot-dot segment is one", "/p/%2e%2e/admin", "/admin", "/admin", "/admin", true},
		{"dot-dots cannot climb above the root", "/../../a%2Fb", "/a%2Fb", "/a/b", "/a%2Fb", true},
		{"empty segments are merged", "//a%2F%2Fb//", "/a%2F%2Fb/", "/a//b/", "/a%2F%2Fb/", true},
		{"a trailing slash is kept", "/a%2Fb/", "/a%2Fb/", "/a/b/", "/a%2Fb/", true},
		{"a trailing dot-dot leaves no slash", "/a/b%2Fc/..", "/a", "/a", "/a", true},
		{"everything resolved is the root", "/a/..", "/", "/", "/", true},
		{"other escapes are decoded and written canonically", "/a%20b%2Fc%41", "/a b%2FcA", "/a b/cA", "/a%20b%2FcA", true},
		{"a double-encoded slash is a literal", "/a%252Fb", "/a%2Fb", "/a%2Fb", "/a%252Fb", true},
		{"an encoded NUL is decoded, for pathAmbiguity to refuse", "/a%00%2Fb", "/a\x00%2Fb", "/a\x00/b", "/a%00%2Fb", true},
		{"a relative path is refused", "a%2Fb", "", "", "", false},
		{"the empty path is refused", "", "", "", "", false},
		{"a bad escape is refused", "/a%2Fb%zz", "", "", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			route, decoded, escaped, ok := keepSlashPath(c.in)
			if route != c.route || decoded != c.decoded || escaped != c.escaped || ok != c.ok {
				t.Errorf("keepSlashPath(%q) = %q, %q, %q, %v; want %q, %q, %q, %v",
					c.in, route, decoded, escaped, ok, c.route, c.decoded, c.escaped, c.ok)
			}
			if ok {
				if u, err := url.PathUnescape(escaped); err != nil || u != decoded {
					t.Errorf("escaped %q decodes to %q (%v), want %q", escaped, u, err, decoded)
				}
			}
		})
	}
}

func TestHasEncodedSlash(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]bool{
		"": false, "/a/b": false, "/a%2Fb": true, "/a%2fb": true, "/a%252Fb": false, "/a%2": false, "%2F": true, "/a%2e": false,
	} {
		if got := hasEncodedSlash(in); got != want {
			t.Errorf("hasEncodedSlash(%q) = %v, want %v", in, got, want)
		}
	}
}
