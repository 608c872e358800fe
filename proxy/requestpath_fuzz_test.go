package proxy

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/firsthop/firsthop/model"
)

// FuzzRequestPath sends arbitrary request-targets through a running
// proxy's handler to backends that say what they received, and checks the
// contract of TestHostileRoutingPaths for every one: a request that
// reaches a backend reaches the one whose route covers the path it
// receives, read once-decoded and cleaned, and still covers it when read
// with ";" starting path parameters or "\" as "/"; the backend's own
// parser accepts what it receives; a request firsthop refuses reaches no
// backend. The host keep.test has the same routes with KeepEncodedSlashes
// on two of them; on both hosts the route must also cover the path read
// with "%2F" as part of a segment (keptReading), as a backend that keeps
// encoded slashes reads it.
func FuzzRequestPath(f *testing.F) {
	for _, s := range []string{
		"/", "/api", "/api/x", "/admin", "/admin/", "/apix", "/api/../admin", "/api/%2e%2e/admin",
		"/api%2F..%2Fadmin", "//admin", "/./admin", "/api/..;/admin", "/admin;x", "/api;x/y",
		"/static;v=2/app.js", "/api/..\\admin", "/api%5C..%5Cadmin", "/x\\y", "/admin%00", "/a%0d%0ab",
		"/api#/../admin", "/api%3F/../admin", "/api/%252e%252e/admin", "/a\xffb", "http://app.test/api/../admin",
		"http://admin.test/x", "*", "/%", "/;/..;/admin", "/admin\\", "/api\\..;\\admin",
		"/api/a%2Fb", "/api%2Fx", "/api/..%2Fadmin", "/admin%2F", "/x/..%2F..%2Fapi", "/api%2f%2e%2e%2fadmin", "/a%252Fb",
		"http://keep.test/api%2F..%2Fadmin",
	} {
		f.Add(s)
	}
	backends := map[string]netip.AddrPort{}
	spec := model.TableSpec{}
	for _, name := range []string{"web", "api", "admin"} {
		backends[name] = serveHTTPBackend(f, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Backend", name)
			w.Header().Set("X-Seen-Uri", url.QueryEscape(r.RequestURI))
		}))
		spec.Backends = append(spec.Backends, model.Backend{Name: name, Endpoints: []model.Endpoint{{Addr: backends[name]}}})
	}
	spec.Routes = []model.Route{
		{Host: "app.test", Path: "/", Backend: "web"},
		{Host: "app.test", Path: "/api", Backend: "api"},
		{Host: "app.test", Path: "/admin", PathType: model.PathExact, Backend: "admin"},
		{Host: "admin.test", Path: "/", Backend: "admin"},
		{Host: "keep.test", Path: "/", Backend: "web", KeepEncodedSlashes: true},
		{Host: "keep.test", Path: "/api", Backend: "api", KeepEncodedSlashes: true},
		{Host: "keep.test", Path: "/admin", PathType: model.PathExact, Backend: "admin"},
	}
	p := startProxyWith(f, spec, Options{Listeners: []model.ListenerSpec{{Name: "public", Address: "127.0.0.1:0"}}})
	// Requests go to the listener's handler directly: no client
	// connection is needed to judge a request-target.
	h := p.srv.listeners["public"].srv.Handler

	f.Fuzz(func(t *testing.T, target string) {
		for _, host := range []string{"app.test", "keep.test"} {
			checkRequestPath(t, h, target, host)
		}
	})
}

// checkRequestPath is FuzzRequestPath's check of one request-target sent
// with Host host.
func checkRequestPath(t *testing.T, h http.Handler, target, host string) {
	t.Helper()
	req, err := http.ReadRequest(bufio.NewReader(strings.NewReader("GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n")))
	if err != nil {
		return // net/http refuses it before firsthop sees it
	}
	req.RemoteAddr = "192.0.2.1:1234"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	backend := rec.Header().Get("X-Backend")
	if backend == "" {
		if rec.Code < 400 || rec.Code >= 500 {
			t.Fatalf("%q: firsthop answered %d itself", target, rec.Code)
		}
		return
	}
	if rec.Code != http.StatusOK {
		t.Fatalf("%q: backend %s refused what firsthop forwarded: %d", target, backend, rec.Code)
	}
	seen, _ := url.QueryUnescape(rec.Header().Get("X-Seen-Uri"))
	u, err := url.ParseRequestURI(seen)
	if err != nil {
		t.Fatalf("%q: backend got %q, which does not parse: %v", target, seen, err)
	}
	clean, ok := model.CleanPath(u.Path)
	if !ok {
		t.Fatalf("%q: backend got %q, not an absolute path", target, seen)
	}
	if req.Host != "app.test" && req.Host != "keep.test" {
		return // absolute-form naming another host
	}
	kept := keptReading(u.EscapedPath())
	for _, reading := range []string{clean, dropPathParams(clean), strings.ReplaceAll(clean, `\`, "/"),
		dropPathParams(strings.ReplaceAll(clean, `\`, "/")), kept, dropPathParams(kept)} {
		r, _ := model.CleanPath(reading)
		if cov := coveredBy(r); cov != backend {
			t.Fatalf("%q: backend %s got %q, whose reading %q the route of %s covers", target, backend, seen, r, cov)
		}
	}
	for i := 0; i < len(clean); i++ {
		if c := clean[i]; c < 0x20 || c == 0x7f {
			t.Fatalf("%q: backend got %q, a path with a control character", target, seen)
		}
	}
}

// FuzzKeepSlashPath checks keepSlashPath's contract on any escaped path:
// the path to forward decodes to the decoded one, the router's reading is
// clean (no empty or dot segment is left), and reading the forwarded path
// again gives the same three results.
func FuzzKeepSlashPath(f *testing.F) {
	for _, s := range []string{"/a%2Fb", "/p/..%2Fadmin", "/%2e%2e/a", "//a%2F%2F/", "/a%252Fb", "/a%zz", "a", "", "/a%2F.", "/%2F/..%2F"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		route, decoded, escaped, ok := keepSlashPath(p)
		if !ok {
			return
		}
		if u, err := url.PathUnescape(escaped); err != nil || u != decoded {
			t.Fatalf("%q: forwards %q, which decodes to %q (%v), not %q", p, escaped, u, err, decoded)
		}
		if c, _ := model.CleanPath(route); c != route {
			t.Fatalf("%q: router reads %q, which cleans to %q", p, route, c)
		}
		r2, d2, e2, ok2 := keepSlashPath(escaped)
		if !ok2 || r2 != route || d2 != decoded || e2 != escaped {
			t.Fatalf("%q: read again, %q gives %q, %q, %q, %v; want %q, %q, %q", p, escaped, r2, d2, e2, ok2, route, decoded, escaped)
		}
	})
}
