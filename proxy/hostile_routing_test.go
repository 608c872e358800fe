package proxy

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/listen"
)

// Class 4 of the hostile catalogue: routing tricks. The client writes a
// host or a path that firsthop and a backend could read differently, to
// reach a backend (or a part of one) through a route that does not cover
// it. The route chosen and the path forwarded must agree: the backend
// that gets the request must be the one whose route covers the path it
// receives, read as a backend reads paths; where backends disagree among
// themselves about a path, firsthop refuses it.

// routingSetup is a table with three hosts' worth of routes, each to its
// own raw backend:
//
//	app.test   /        Prefix -> web
//	app.test   /api     Prefix -> api
//	app.test   /admin   Exact  -> admin
//	admin.test /        Prefix -> admin
//
// Nothing serves other hosts.
type routingSetup struct {
	p        *testProxy
	backends map[string]*rawBackend
}

func startRouting(t *testing.T) *routingSetup {
	t.Helper()
	s := &routingSetup{backends: map[string]*rawBackend{}}
	spec := model.TableSpec{Headers: model.ForwardedHeaders{XForwardedFor: model.HeaderAppend, Forwarded: model.HeaderAppend, XRealIP: true}}
	for _, name := range []string{"web", "api", "admin"} {
		b := startRawBackend(t, nil)
		s.backends[name] = b
		spec.Backends = append(spec.Backends, model.Backend{Name: name, Endpoints: []model.Endpoint{{Addr: b.addr}}})
	}
	spec.Routes = []model.Route{
		{Host: "app.test", Path: "/", Backend: "web"},
		{Host: "app.test", Path: "/api", Backend: "api"},
		{Host: "app.test", Path: "/admin", PathType: model.PathExact, Backend: "admin"},
		{Host: "admin.test", Path: "/", Backend: "admin"},
	}
	s.p = startProxy(t, spec, listen.Policy{})
	return s
}

// routed is where one request went.
type routed struct {
	status  int
	backend string // "" when no backend received it
	req     seenRequest
}

// send writes one request and returns where it went, once the proxy has
// stopped (so it can be called once per setup).
func (s *routingSetup) send(t *testing.T, raw string) routed {
	t.Helper()
	got := sendRaw(t, s.p.addr, raw)
	if len(got) != 1 {
		t.Fatalf("client got %d responses, want 1", len(got))
	}
	r := routed{status: got[0].status}
	for name, b := range s.backends {
		conns := b.settle(t, s.p)
		for _, c := range conns {
			if c.parseErr != nil {
				t.Fatalf("backend %s could not parse what it got: %v\n%q", name, c.parseErr, c.raw.String())
			}
		}
		switch reqs := allRequests(conns); {
		case len(reqs) == 0:
		case len(reqs) > 1 || r.backend != "":
			t.Fatalf("one request reached backends more than once")
		default:
			r.backend, r.req = name, reqs[0]
		}
	}
	return r
}

// backendPath is the path a backend serves for a request-target: decoded
// once, dot segments resolved, as Go's servers and most others read it.
func backendPath(t testing.TB, uri string) string {
	t.Helper()
	u, err := url.ParseRequestURI(uri)
	if err != nil {
		t.Fatalf("the backend got a request-target it cannot parse: %q", uri)
	}
	clean, ok := model.CleanPath(u.Path)
	if !ok {
		t.Fatalf("the backend got a request-target that is not an absolute path: %q", uri)
	}
	return clean
}

// coveredBy reports which backend's route covers path on app.test, the
// way the routing table above is meant.
func coveredBy(path string) string {
	switch {
	case path == "/admin":
		return "admin"
	case path == "/api" || strings.HasPrefix(path, "/api/"):
		return "api"
	}
	return "web"
}

// TestHostileRoutingPaths: encoded, dot-segment and separator tricks in
// the path. Either the request is refused (400) and reaches nobody, or
// the backend that gets it is the one whose route covers the path it
// receives.
func TestHostileRoutingPaths(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, target string
		// backend and path are where the request must go, and the path
		// the backend must serve; backend "" means refused with 400.
		backend, path string
	}{
		{"a dot-dot segment out of /api reaches the route of where it lands", "/api/../admin", "admin", "/admin"},
		{"percent-encoded dot-dot is decoded before routing", "/api/%2e%2e/admin", "admin", "/admin"},
		{"upper-case percent-encoded dot-dot is decoded before routing", "/api/%2E%2E/admin", "admin", "/admin"},
		{"half-encoded dot-dot is decoded before routing", "/api/.%2e/admin", "admin", "/admin"},
		{"dot-dot with an encoded slash is resolved before routing", "/api/..%2fadmin", "admin", "/admin"},
		{"encoded slashes around dot-dot are resolved before routing", "/api%2f..%2fadmin", "admin", "/admin"},
		{"dot-dot cannot climb above the root", "/../../api/x", "api", "/api/x"},
		{"deep dot-dots land where they land", "/api/x/y/../../../admin", "admin", "/admin"},
		{"a doubled slash is merged before routing", "//admin", "admin", "/admin"},
		{"a doubled slash inside a prefix is merged before routing", "/api//x", "api", "/api/x"},
		{"a single-dot segment is dropped before routing", "/./admin", "admin", "/admin"},
		{"a scheme-relative target is a path, not a host", "//admin.test/x", "web", "/admin.test/x"},
		{"an absolute-form target's path is cleaned like any other", "http://app.test/api/../admin", "admin", "/admin"},
		{"a fragment marker does not hide a dot-dot", "/api#/../admin", "admin", "/admin"},
		{"an encoded question mark does not hide a dot-dot", "/api%3F/../admin", "admin", "/admin"},
		{"an encoded slash without dot segments is one path for router and backend", "/api%2Fx", "api", "/api/x"},
		{"a double-encoded dot-dot is not decoded twice", "/api/%252e%252e/admin", "api", "/api/%2e%2e/admin"},
		{"a longer segment sharing the prefix is not the prefix", "/apix", "web", "/apix"},
		{"a trailing slash is not the Exact path", "/admin/", "web", "/admin/"},
		{"a backslash dot-dot out of /api is refused", "/api/..\\admin", "", ""},
		{"an encoded backslash dot-dot out of /api is refused", "/api%5C..%5Cadmin", "", ""},
		{"a backslash dot-dot into /api is refused", "/x\\..\\api\\x", "", ""},
		{"a backslash that changes no route is forwarded escaped", "/x\\y", "web", "/x\\y"},
		{"a Tomcat path-parameter dot-dot out of /api is refused", "/api/..;/admin", "", ""},
		{"an encoded-semicolon dot-dot out of /api is refused", "/api/..%3b/admin", "", ""},
		{"a path parameter on the Exact path is refused", "/admin;jsessionid=1", "", ""},
		{"a path parameter inside a prefix is refused", "/api;x/y", "", ""},
		{"a path parameter that changes no route is forwarded", "/static;v=2/app.js", "web", "/static;v=2/app.js"},
		{"an encoded NUL is refused", "/admin%00", "", ""},
		{"an encoded CRLF is refused", "/api%0d%0aX-Forwarded-For:%206.6.6.6", "", ""},
		{"an encoded tab is refused", "/admin%09", "", ""},
		{"a raw non-UTF-8 byte is forwarded escaped", "/a\xffb", "web", "/a\xffb"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := startRouting(t)
			r := s.send(t, "GET "+c.target+" HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n")
			if c.backend == "" {
				if r.status != http.StatusBadRequest || r.backend != "" {
					t.Fatalf("got status %d at backend %q (request-target %q), want 400 and no backend", r.status, r.backend, r.req.URI)
				}
				return
			}
			if r.status != http.StatusOK || r.backend != c.backend {
				t.Fatalf("got status %d at backend %q, want 200 at %s", r.status, r.backend, c.backend)
			}
			got := backendPath(t, r.req.URI)
			if got != c.path {
				t.Errorf("backend %s serves path %q (request-target %q), want %q", r.backend, got, r.req.URI, c.path)
			}
			if cov := coveredBy(got); cov != r.backend {
				t.Errorf("backend %s got path %q, which the route of %s covers", r.backend, got, cov)
			}
		})
	}
}

// TestHostileRoutingHosts: hosts with ports, dots, case and absolute-form
// targets. The backend chosen is the one of the host it is told about in
// Host and X-Forwarded-Host.
func TestHostileRoutingHosts(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, target, host string
		backend            string // "" means no route: 404 and no backend
		status             int
		wantHost           string // the Host the backend must see
	}{
		{"an upper-case Host routes like the lower-case one", "/x", "APP.TEST", "web", 200, "APP.TEST"},
		{"a Host with a trailing dot routes like the one without", "/x", "app.test.", "web", 200, "app.test."},
		{"a Host with a port routes like the one without", "/x", "app.test:8080", "web", 200, "app.test:8080"},
		{"a Host with a trailing dot and a port routes like the one without", "/x", "ADMIN.test.:80", "admin", 200, "ADMIN.test.:80"},
		{"a Host with two trailing dots matches no route", "/x", "app.test..", "", 404, ""},
		{"a Host with two ports matches no route", "/x", "app.test:80:80", "", 404, ""},
		{"a Host with userinfo is refused", "/x", "admin.test@app.test", "", 400, ""},
		{"a Host with a leading dot matches no route", "/x", ".app.test", "", 404, ""},
		{"a Host with a non-ASCII look-alike letter is refused", "/x", "app.t\u0435st", "", 400, ""},
		{"a Host with a backslash is refused", "/x", "admin.test\\app.test", "", 400, ""},
		{"a Host with a space is refused", "/x", "admin.test app.test", "", 400, ""},
		{"an absolute-form target names the host routed and forwarded", "http://admin.test/x", "app.test", "admin", 200, "admin.test"},
		{"an absolute-form target with userinfo names the host after the @", "http://app.test@admin.test/x", "app.test", "admin", 200, "admin.test"},
		{"an absolute-form target with a port names the host routed", "http://admin.test:9999/x", "app.test", "admin", 200, "admin.test:9999"},
		{"an https absolute-form target on a plain listener routes by its host", "https://admin.test/x", "app.test", "admin", 200, "admin.test"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := startRouting(t)
			r := s.send(t, fmt.Sprintf("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", c.target, c.host))
			if r.status != c.status || r.backend != c.backend {
				t.Fatalf("got status %d at backend %q, want %d at %q", r.status, r.backend, c.status, c.backend)
			}
			if c.backend == "" {
				return
			}
			if r.req.Host != c.wantHost {
				t.Errorf("backend got Host %q, want %q", r.req.Host, c.wantHost)
			}
			if xfh := r.req.Header.Get("X-Forwarded-Host"); xfh != c.wantHost {
				t.Errorf("backend got X-Forwarded-Host %q, want %q", xfh, c.wantHost)
			}
		})
	}
}

func TestDropPathParams(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"/":                    "/",
		"/a/b":                 "/a/b",
		"/a;x/b":               "/a/b",
		"/a/..;/b":             "/a/../b",
		"/a;x":                 "/a",
		"/;x/a":                "//a",
		"/a;x;y/b;z/":          "/a/b/",
		"/login;jsessionid=ab": "/login",
	} {
		if got := dropPathParams(in); got != want {
			t.Errorf("dropPathParams(%q) = %q, want %q", in, got, want)
		}
	}
}
