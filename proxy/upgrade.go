package proxy

import (
	"net/http"

	"github.com/firsthop/firsthop/proxy/h1"
)

// errUnaskedSwitch is the failure of an attempt whose backend answered 101
// Switching Protocols when it was not asked to switch, or switched to
// something else than asked: on the lean path (which forwards no upgrade)
// any 101, through http.Transport one [checkSwitch] refuses. Both paths
// answer it 502 and count it against the endpoint's passive health.
var errUnaskedSwitch = &h1.ProtocolError{What: "101 Switching Protocols not asked for (only a WebSocket upgrade may switch, and only to websocket)"}

// checkSwitch refuses, on http.Transport's path, a 101 Switching Protocols
// answer unless the request forwarded was a WebSocket upgrade and the
// backend switched to exactly that. The reverse proxy makes the same check
// itself, but when its check fails it leaves the backend connection open
// for good; an answer refused here is closed by the attempt.
func checkSwitch(res *http.Response) error {
	if res.StatusCode != http.StatusSwitchingProtocols {
		return nil
	}
	if res.Request != nil && h1.EqualFoldASCII(switchTo(res.Request.Header), "websocket") &&
		h1.EqualFoldASCII(switchTo(res.Header), "websocket") {
		return nil
	}
	return errUnaskedSwitch
}

// switchTo returns the one protocol h's Upgrade names when its Connection
// names "upgrade", else "".
func switchTo(h http.Header) string {
	if up := h["Upgrade"]; len(up) == 1 && h1.ValuesHaveToken(h["Connection"], "upgrade") {
		return up[0]
	}
	return ""
}
