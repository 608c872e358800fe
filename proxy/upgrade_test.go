package proxy

import (
	"net/http"
	"testing"
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
