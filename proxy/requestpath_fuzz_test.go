package proxy

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
)

// FuzzRequestPath sends arbitrary request-targets through a running
// proxy's handler to backends that say what they received, and checks the
// contract of TestHostileRoutingPaths for every one: a request that
// reaches a backend reaches the one whose route covers the path it
// receives, read once-decoded and cleaned, and still covers it when read
// with ";" starting path parameters or "\" as "/"; the backend's own
// parser accepts what it receives; a request firsthop refuses reaches no
// backend.
func FuzzRequestPath(f *testing.F) {
	for _, s := range []string{
		"/", "/api", "/api/x", "/admin", "/admin/", "/apix", "/api/../admin", "/api/%2e%2e/admin",
		"/api%2F..%2Fadmin", "//admin", "/./admin", "/api/..;/admin", "/admin;x", "/api;x/y",
		"/static;v=2/app.js", "/api/..\\admin", "/api%5C..%5Cadmin", "/x\\y", "/admin%00", "/a%0d%0ab",
		"/api#/../admin", "/api%3F/../admin", "/api/%252e%252e/admin", "/a\xffb", "http://app.test/api/../admin",
		"http://admin.test/x", "*", "/%", "/;/..;/admin", "/admin\\", "/api\\..;\\admin",
	} {
		f.Add(s)
	}
	backends := map[string]netip.AddrPort{}
	spec := TableSpec{}
	for _, name := range []string{"web", "api", "admin"} {
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Backend", name)
			w.Header().Set("X-Seen-Uri", url.QueryEscape(r.RequestURI))
		}))
		f.Cleanup(ts.Close)
		backends[name] = netip.MustParseAddrPort(ts.Listener.Addr().String())
		spec.Backends = append(spec.Backends, Backend{Name: name, Endpoints: []Endpoint{{Addr: backends[name]}}})
	}
	spec.Routes = []Route{
		{Host: "app.test", Path: "/", Backend: "web"},
		{Host: "app.test", Path: "/api", Backend: "api"},
		{Host: "app.test", Path: "/admin", PathType: PathExact, Backend: "admin"},
		{Host: "admin.test", Path: "/", Backend: "admin"},
	}
	p := startProxyWith(f, spec, Options{Listeners: []ListenerSpec{{Name: "public", Address: "127.0.0.1:0"}}})
	// Requests go to the listener's handler directly: no client
	// connection is needed to judge a request-target.
	h := p.srv.listeners["public"].srv.Handler

	f.Fuzz(func(t *testing.T, target string) {
		req, err := http.ReadRequest(bufio.NewReader(strings.NewReader("GET " + target + " HTTP/1.1\r\nHost: app.test\r\n\r\n")))
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
		clean, ok := CleanPath(u.Path)
		if !ok {
			t.Fatalf("%q: backend got %q, not an absolute path", target, seen)
		}
		if req.Host != "app.test" {
			return // absolute-form naming another host
		}
		for _, reading := range []string{clean, dropPathParams(clean), strings.ReplaceAll(clean, `\`, "/"),
			dropPathParams(strings.ReplaceAll(clean, `\`, "/"))} {
			r, _ := CleanPath(reading)
			if cov := coveredBy(r); cov != backend {
				t.Fatalf("%q: backend %s got %q, whose reading %q the route of %s covers", target, backend, seen, r, cov)
			}
		}
		for i := 0; i < len(clean); i++ {
			if c := clean[i]; c < 0x20 || c == 0x7f {
				t.Fatalf("%q: backend got %q, a path with a control character", target, seen)
			}
		}
	})
}
