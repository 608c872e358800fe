package proxy

import (
	"net/http"
	"testing"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/listen"
)

// TestTraceIsRefusedUnlessTheRouteAllowsIt: TRACE echoes the request back,
// cookies and credentials included, to whatever script can make a page
// send it; firsthop answers it 405 itself, on the fast loop and on
// net/http's path alike, unless the route allows it (Route.AllowTrace).
func TestTraceIsRefusedUnlessTheRouteAllowsIt(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, raw string
		forwarded bool
	}{
		{"HTTP/1.1 TRACE (the fast loop) is refused", "TRACE /x HTTP/1.1\r\nHost: app.test\r\nCookie: s=1\r\nConnection: close\r\n\r\n", false},
		{"HTTP/1.0 TRACE (net/http's path) is refused", "TRACE /x HTTP/1.0\r\nHost: app.test\r\n\r\n", false},
		{"TRACE with a body (net/http's path) is refused", "TRACE /x HTTP/1.1\r\nHost: app.test\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi", false},
		{"trace in lower case is refused too (some backends fold methods)", "trace /x HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n", false},
		{"TRACE on the default backend is refused", "TRACE /x HTTP/1.1\r\nHost: other.test\r\nConnection: close\r\n\r\n", false},
		{"TRACE on a route that allows it is forwarded (fast loop)", "TRACE /diag/x HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n", true},
		{"TRACE on a route that allows it is forwarded (net/http)", "TRACE /diag/x HTTP/1.0\r\nHost: app.test\r\n\r\n", true},
		{"GET is not affected", "GET /x HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := startRawBackend(t, nil)
			p := startProxy(t, model.TableSpec{
				Routes: []model.Route{
					{Host: "app.test", Path: "/", Backend: "b"},
					{Host: "app.test", Path: "/diag", Backend: "b", AllowTrace: true},
				},
				DefaultBackend: "b",
				Backends:       []model.Backend{{Name: "b", Endpoints: []model.Endpoint{{Addr: b.addr}}}},
			}, listen.Policy{})
			got := sendRaw(t, p.addr, c.raw)
			reqs := allRequests(b.settle(t, p))
			if len(got) != 1 {
				t.Fatalf("got %d responses, want 1", len(got))
			}
			if !c.forwarded {
				if got[0].status != http.StatusMethodNotAllowed || len(reqs) != 0 {
					t.Fatalf("got %d (%q) with %d requests forwarded, want 405 and none", got[0].status, got[0].body, len(reqs))
				}
				if want := "firsthop: TRACE is not allowed on this route\n"; got[0].body != want {
					t.Errorf("body %q, want %q", got[0].body, want)
				}
				return
			}
			if got[0].status != http.StatusOK || len(reqs) != 1 {
				t.Fatalf("got %d with %d requests forwarded, want 200 and one", got[0].status, len(reqs))
			}
		})
	}
}
