package proxy

import (
	"net/http"
	"testing"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/listen"
)

// TestIsWebSocketUpgradeFoldsASCIIOnly pins the one comma-token rule
// (h1.ValuesHaveToken): letters compare ignoring ASCII case only, so an
// Upgrade a backend with a Unicode case fold could read as "websocket"
// ("websoc\u212aet", with a Kelvin sign) is no WebSocket upgrade here.
func TestIsWebSocketUpgradeFoldsASCIIOnly(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		method     string
		upgrade    []string
		connection []string
		want       bool
	}{
		{"websocket", http.MethodGet, []string{"websocket"}, []string{"Upgrade"}, true},
		{"case ignored", http.MethodGet, []string{"WebSocket"}, []string{"keep-alive, UPGRADE"}, true},
		{"not a GET", http.MethodPost, []string{"websocket"}, []string{"upgrade"}, false},
		{"Connection does not name upgrade", http.MethodGet, []string{"websocket"}, []string{"keep-alive"}, false},
		{"another protocol offered too", http.MethodGet, []string{"websocket", "h2c"}, []string{"upgrade"}, false},
		{"Kelvin sign in Upgrade", http.MethodGet, []string{"websoc\u212aet"}, []string{"upgrade"}, false},
		{"long s in Upgrade", http.MethodGet, []string{"web\u017focket"}, []string{"upgrade"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := &http.Request{Method: tc.method, Header: http.Header{"Upgrade": tc.upgrade, "Connection": tc.connection}}
			if got := isWebSocketUpgrade(r); got != tc.want {
				t.Errorf("isWebSocketUpgrade(Upgrade %q, Connection %q) = %v, want %v", tc.upgrade, tc.connection, got, tc.want)
			}
		})
	}
}

// TestUnaskedSwitchCountsAgainstTheEndpoint: a 101 the request did not ask
// for is one failure (errUnaskedSwitch) on both upstream paths: answered
// 502 and counted against the endpoint's passive health, as any malformed
// answer is. Through http.Transport it used to count as a success.
func TestUnaskedSwitchCountsAgainstTheEndpoint(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, request string
	}{
		{"lean path, a request without an upgrade", "GET /ws HTTP/1.1\r\nHost: app.test\r\n\r\n"},
		{"http.Transport, a WebSocket upgrade answered with h2c",
			"GET /ws HTTP/1.1\r\nHost: app.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" + wsHeaders + "\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := startRawBackend(t, func(*http.Request) string { return switching("h2c") })
			spec := oneBackend(b.addr)
			onlyWS(&spec)
			spec.Backends[0].PassiveHealth = model.PassiveHealth{Failures: 100}
			p := startProxy(t, spec, listen.Policy{})
			// The next request, unrouted, reaches no backend and closes.
			got := sendRaw(t, p.addr, tc.request+"GET /other HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n")
			if s := statuses(got); len(s) == 0 || s[0] != http.StatusBadGateway {
				t.Fatalf("client got statuses %v, want 502", s)
			}
			if n := p.srv.endpoints.get(b.addr).failures.Load(); n != 1 {
				t.Errorf("the endpoint has %d consecutive failures, want 1", n)
			}
		})
	}
}
