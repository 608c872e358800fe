package proxy

import (
	"errors"
	"net/http"

	"github.com/firsthop/firsthop/proxy/h1"
)

var errUnexpectedSwitch = errors.New("backend switched protocols without being asked for a WebSocket upgrade")

// checkSwitch is the reverse proxy's ModifyResponse hook. It refuses a 101
// Switching Protocols answer unless the request forwarded was a WebSocket
// upgrade and the backend switched to exactly that. The reverse proxy
// makes the same check itself, but when its check fails it leaves the
// backend connection open for good; an answer refused here is closed.
func checkSwitch(res *http.Response) error {
	if res.StatusCode != http.StatusSwitchingProtocols {
		return nil
	}
	if res.Request != nil && h1.EqualFoldASCII(switchTo(res.Request.Header), "websocket") &&
		h1.EqualFoldASCII(switchTo(res.Header), "websocket") {
		return nil
	}
	return errUnexpectedSwitch
}

// switchTo returns the one protocol h's Upgrade names when its Connection
// names "upgrade", else "".
func switchTo(h http.Header) string {
	if up := h["Upgrade"]; len(up) == 1 && h1.ValuesHaveToken(h["Connection"], "upgrade") {
		return up[0]
	}
	return ""
}
