package proxy

import (
	"bufio"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/firsthop/firsthop/model"
)

// Class 5 of the hostile catalogue: upgrade abuse. Only WebSocket may
// turn a connection into a tunnel, and only when the backend agrees with
// a 101 for exactly that. A tunnel is a way past routing (whatever the
// client sends next goes to the backend unparsed), so every other answer
// must leave the client connection speaking HTTP, parsed and routed by
// firsthop request by request.

const wsHeaders = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"

// onlyWS routes Exact /ws and nothing else, so that a request the client
// smuggles after it has no route.
func onlyWS(s *model.TableSpec) {
	s.Routes = []model.Route{{Path: "/ws", PathType: model.PathExact, Backend: "b"}}
}

// switching is a backend's 101 for upgrade.
func switching(upgrade string) string {
	return "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: " + upgrade + "\r\n\r\n"
}

// TestHostileUpgradeRequests: upgrade requests other than a WebSocket one
// are served as the plain HTTP/1.1 requests they also are: the backend
// sees no Upgrade and no Connection: upgrade, so it cannot switch.
func TestHostileUpgradeRequests(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, headers string }{
		{"an h2c upgrade is served as plain HTTP/1.1",
			"Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n"},
		{"a WebSocket upgrade that also offers h2c is not forwarded as an upgrade offering h2c",
			"Connection: Upgrade\r\nUpgrade: websocket, h2c\r\n" + wsHeaders},
		{"an h2c upgrade listed before websocket is not forwarded as an upgrade",
			"Connection: Upgrade\r\nUpgrade: h2c, websocket\r\n" + wsHeaders},
		{"a second Upgrade line offering h2c is not forwarded",
			"Connection: Upgrade\r\nUpgrade: websocket\r\nUpgrade: h2c\r\n" + wsHeaders},
		{"a TLS upgrade is served as plain HTTP/1.1",
			"Connection: Upgrade\r\nUpgrade: TLS/1.2, HTTP/1.1\r\n"},
		{"an upgrade to a made-up protocol is served as plain HTTP/1.1",
			"Connection: Upgrade\r\nUpgrade: firsthop-raw-tcp\r\n"},
		{"a WebSocket Upgrade without Connection: upgrade is not an upgrade",
			"Upgrade: websocket\r\n" + wsHeaders},
		{"a WebSocket Upgrade whose Connection names it on a second line only is not an upgrade of anything else",
			"Connection: keep-alive\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := hostileSetup{}.run(t, "GET /ws HTTP/1.1\r\nHost: app.test\r\n"+c.headers+"\r\n"+
				"GET /after HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n")
			if s := statuses(r.got); len(s) == 0 || s[0] == http.StatusSwitchingProtocols {
				t.Fatalf("client got statuses %v, want a plain answer", s)
			}
			for _, req := range allRequests(r.conns) {
				if req.URI != "/ws" {
					continue
				}
				if up := req.Header.Values("Upgrade"); len(up) > 0 && !(len(up) == 1 && strings.EqualFold(up[0], "websocket")) {
					t.Errorf("backend got Upgrade %q, want none or exactly websocket", up)
				}
				if v := req.Header.Get("Http2-Settings"); v != "" {
					t.Errorf("backend got HTTP2-Settings %q", v)
				}
			}
		})
	}

	t.Run("an upgrade on POST is not a WebSocket upgrade", func(t *testing.T) {
		t.Parallel()
		r := hostileSetup{respond: func(req *http.Request) string { return switching("websocket") }}.run(t,
			"POST /ws HTTP/1.1\r\nHost: app.test\r\nConnection: Upgrade, close\r\nUpgrade: websocket\r\nContent-Length: 0\r\n"+wsHeaders+"\r\n")
		r.wantStatuses(t, http.StatusBadGateway)
		req := onlyRequest(t, r.conns)
		if up := req.Header.Get("Upgrade"); up != "" {
			t.Errorf("backend got Upgrade %q on a POST", up)
		}
	})
	t.Run("CONNECT with a path is not forwarded", func(t *testing.T) {
		t.Parallel()
		r := hostileSetup{}.run(t, "CONNECT /ws HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n")
		r.wantStatuses(t, http.StatusMethodNotAllowed)
		wantNothingForwarded(t, r.conns)
	})
	t.Run("CONNECT to an authority is not forwarded", func(t *testing.T) {
		t.Parallel()
		r := hostileSetup{}.run(t, "CONNECT 127.0.0.1:9901 HTTP/1.1\r\nHost: 127.0.0.1:9901\r\nConnection: close\r\n\r\n")
		if s := statuses(r.got); len(s) != 1 || s[0] < 400 || s[0] >= 500 {
			t.Errorf("client got statuses %v, want one 4xx", s)
		}
		wantNothingForwarded(t, r.conns)
	})
}

// TestHostileUpgradeAnswers: a WebSocket upgrade that the backend answers
// with anything but a 101 for websocket leaves the client connection in
// HTTP. A request the client sends next on it, hoping it goes down a
// tunnel, is parsed and routed by firsthop: with only /ws routed, a
// request for /internal gets 404 and never reaches the backend (the
// WebSocket smuggling attack).
func TestHostileUpgradeAnswers(t *testing.T) {
	t.Parallel()
	smuggle := "GET /internal HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n"
	cases := []struct {
		name   string
		answer string
		status int // the client's first status
	}{
		{"a 426 answer to an upgrade leaves the connection in HTTP",
			"HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\nContent-Length: 0\r\n\r\n", http.StatusUpgradeRequired},
		{"a 200 answer to an upgrade leaves the connection in HTTP",
			"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", http.StatusOK},
		{"a 400 answer with Upgrade and Connection headers leaves the connection in HTTP",
			"HTTP/1.1 400 Bad Request\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nContent-Length: 0\r\n\r\n", http.StatusBadRequest},
		{"a 101 switching to another protocol is refused",
			switching("h2c"), http.StatusBadGateway},
		{"a 101 switching to websocket and h2c is refused",
			switching("websocket, h2c"), http.StatusBadGateway},
		{"a 101 without an Upgrade header is refused",
			"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n\r\n", http.StatusBadGateway},
		{"a 101 without Connection: upgrade is refused",
			"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n", http.StatusBadGateway},
		{"a 101 with a control character in Upgrade is refused",
			"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\x01\r\n\r\n", http.StatusBadGateway},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := hostileSetup{edit: onlyWS, respond: func(*http.Request) string { return c.answer }}.run(t,
				"GET /ws HTTP/1.1\r\nHost: app.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"+wsHeaders+"\r\n"+smuggle)
			got := statuses(r.got)
			if len(got) == 0 || got[0] != c.status {
				t.Fatalf("client got statuses %v, want %d first", got, c.status)
			}
			if len(got) == 2 && got[1] != http.StatusNotFound {
				t.Errorf("the request after the refused upgrade got %d, want 404 (it is parsed and has no route)", got[1])
			}
			for _, conn := range r.conns {
				if strings.Contains(conn.raw.String(), "/internal") {
					t.Errorf("the smuggled request reached the backend:\n%q", conn.raw.String())
				}
				for _, req := range conn.requests {
					if req.URI != "/ws" {
						t.Errorf("backend got a request for %q", req.URI)
					}
				}
			}
		})
	}
}

// TestHostileUpgradeTunnel: a real WebSocket switch tunnels bytes both
// ways, and closing either end closes the other; nothing of the tunnel
// outlives it (the package's leak check sees to goroutines).
func TestHostileUpgradeTunnel(t *testing.T) {
	t.Parallel()
	for _, closer := range []string{"client", "backend"} {
		t.Run("the "+closer+" closing the tunnel closes the other end", func(t *testing.T) {
			t.Parallel()
			b := startRawBackend(t, func(*http.Request) string { return switching("websocket") })
			spec := oneBackend(b.addr)
			onlyWS(&spec)
			p := startProxy(t, spec, hostileSetup{}.pp)
			c := dialProxy(t, p.addr)
			if _, err := io.WriteString(c, "GET /ws HTTP/1.1\r\nHost: app.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"+wsHeaders+"\r\n"); err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReader(c)
			resp, err := http.ReadResponse(br, nil)
			if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
				t.Fatalf("got %v, %v; want 101", resp, err)
			}
			if _, err := io.WriteString(c, "GET /internal HTTP/1.1\r\n\r\n"); err != nil {
				t.Fatal(err)
			}
			// The tunnel carries the bytes as bytes, unparsed.
			waitFor(t, "the tunnel to deliver the client's bytes", func() bool {
				for _, rc := range b.snapshot() {
					if strings.Contains(rc.raw.String(), "GET /internal") {
						return true
					}
				}
				return false
			})
			switch closer {
			case "client":
				c.Close()
			case "backend":
				b.close()
				_ = c.SetReadDeadline(time.Now().Add(hostileDeadline))
				if _, err := io.ReadAll(br); err != nil {
					t.Errorf("reading the client end after the backend closed: %v", err)
				}
			}
			conns := b.settle(t, p)
			if len(conns) != 1 || len(conns[0].requests) != 1 {
				t.Fatalf("backend connections %+v, want one carrying one request", conns)
			}
		})
	}
}

// waitFor polls cond until it holds, failing t at hostileDeadline.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(hostileDeadline)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestHostileUpgradeHTTP2: HTTP/2 has no Upgrade; its way to a tunnel is
// an extended CONNECT (RFC 8441), which firsthop does not offer.
func TestHostileUpgradeHTTP2(t *testing.T) {
	t.Parallel()
	forH2Servers(t, func(t *testing.T, server model.HTTP2Server) {
		for name, fields := range map[string][]string{
			"an extended CONNECT for websocket is refused": {":method", "CONNECT", ":protocol", "websocket", ":scheme", "http",
				":authority", "app.test", ":path", "/ws", "sec-websocket-version", "13"},
			"a plain CONNECT to an authority is refused": {":method", "CONNECT", ":authority", "127.0.0.1:9901"},
		} {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				b, p := startH2CProxy(t, server)
				h2 := dialH2(t, p.addr)
				h2.headers(1, false, fields...)
				o := h2.await(1)
				h2.conn.Close()
				if o.status != 0 && (o.status < 400 || o.status >= 500) {
					t.Errorf("stream got %v, want it refused (RST_STREAM or 4xx)", o)
				}
				wantNothingForwarded(t, b.settle(t, p))
			})
		}
	})
}
