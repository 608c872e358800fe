package proxy

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/listen"
)

// h2cBackend is a gRPC-shaped upstream speaking HTTP/2 without TLS: it
// streams one line per request line it reads and ends with trailers.
func h2cBackend(t *testing.T) netip.AddrPort {
	t.Helper()
	return serveHTTPBackend(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor != 2 {
			http.Error(w, "want HTTP/2", http.StatusHTTPVersionNotSupported)
			return
		}
		w.Header().Set("Trailer", "Grpc-Status, Grpc-Message")
		w.Header().Set("Content-Type", "application/grpc")
		sc := bufio.NewScanner(r.Body)
		n := 0
		for sc.Scan() {
			n++
			fmt.Fprintf(w, "echo %s\n", sc.Text())
			w.(http.Flusher).Flush()
		}
		w.Header().Set("Grpc-Status", "0")
		w.Header().Set("Grpc-Message", fmt.Sprintf("%d-messages", n))
	}), h2cOnly)
}

func TestGRPCStyleStreamingWithTrailersOverH2C(t *testing.T) {
	t.Parallel()
	forH2Servers(t, func(t *testing.T, server model.HTTP2Server) {
		spec := model.TableSpec{
			Routes:   []model.Route{{Path: "/", Backend: "grpc"}},
			Backends: []model.Backend{{Name: "grpc", Protocol: model.ProtocolH2C, Endpoints: []model.Endpoint{{Addr: h2cBackend(t)}}}},
		}
		p := startProxyWith(t, spec, Options{Listeners: []model.ListenerSpec{{Name: "h2c", Address: "127.0.0.1:0", H2C: true, HTTP2Server: server}}})

		var protocols http.Protocols
		protocols.SetUnencryptedHTTP2(true)
		tr := &http.Transport{Protocols: &protocols}
		t.Cleanup(tr.CloseIdleConnections)
		pr, pw := io.Pipe()
		req, _ := http.NewRequest(http.MethodPost, "http://"+p.addr+"/pkg.Service/Stream", pr)
		req.Header.Set("Content-Type", "application/grpc")
		respc := make(chan *http.Response, 1)
		errc := make(chan error, 1)
		go func() {
			resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Do(req)
			if err != nil {
				errc <- err
				return
			}
			respc <- resp
		}()
		// Streaming: the first reply must arrive while the request is still open.
		fmt.Fprintln(pw, "one")
		var resp *http.Response
		select {
		case resp = <-respc:
		case err := <-errc:
			t.Fatal(err)
		case <-time.After(10 * time.Second):
			t.Fatal("no response headers while the request stream is open")
		}
		defer resp.Body.Close()
		if resp.ProtoMajor != 2 {
			t.Fatalf("client got %s, want HTTP/2", resp.Proto)
		}
		br := bufio.NewReader(resp.Body)
		if line, err := br.ReadString('\n'); err != nil || line != "echo one\n" {
			t.Fatalf("first streamed reply %q, %v", line, err)
		}
		fmt.Fprintln(pw, "two")
		if line, err := br.ReadString('\n'); err != nil || line != "echo two\n" {
			t.Fatalf("second streamed reply %q, %v", line, err)
		}
		pw.Close()
		if rest, _ := io.ReadAll(br); len(rest) != 0 {
			t.Errorf("unexpected trailing body %q", rest)
		}
		if s, m := resp.Trailer.Get("Grpc-Status"), resp.Trailer.Get("Grpc-Message"); s != "0" || m != "2-messages" {
			t.Errorf("trailers Grpc-Status=%q Grpc-Message=%q, want 0 and 2-messages", s, m)
		}
	})
}

// webSocketBackend accepts an Upgrade: websocket request with 101 and then
// echoes raw bytes; a request without an upgrade gets 200 "plain".
func webSocketBackend(t *testing.T) netip.AddrPort {
	t.Helper()
	return serveHTTPBackend(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			io.WriteString(w, "plain upgrade="+r.Header.Get("Upgrade"))
			return
		}
		c, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer c.Close()
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
		brw.Flush()
		io.Copy(c, brw)
	}))
}

// dialUpgrade opens a connection to addr and sends an upgrade request.
func dialUpgrade(t *testing.T, addr, upgrade string) (net.Conn, *bufio.Reader, *http.Response) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(c, "GET /ws HTTP/1.1\r\nHost: app.test\r\nConnection: Upgrade\r\nUpgrade: %s\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", upgrade)
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c, br, resp
}

func TestWebSocketRoundTrip(t *testing.T) {
	t.Parallel()
	p := startProxy(t, oneBackend(webSocketBackend(t)), listen.Policy{})
	c, br, resp := dialUpgrade(t, p.addr, "websocket")
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("status %d, want 101", resp.StatusCode)
	}
	for _, msg := range []string{"hello", "world"} {
		if _, err := io.WriteString(c, msg); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, len(msg))
		if _, err := io.ReadFull(br, buf); err != nil || string(buf) != msg {
			t.Fatalf("echo %q, %v; want %q", buf, err, msg)
		}
	}
}

func TestOnlyWebSocketMaySwitchProtocols(t *testing.T) {
	t.Parallel()
	p := startProxy(t, oneBackend(webSocketBackend(t)), listen.Policy{})
	for _, upgrade := range []string{"h2c", "TLS/1.2", "websocketx"} {
		t.Run(upgrade, func(t *testing.T) {
			_, br, resp := dialUpgrade(t, p.addr, upgrade)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d, want 200 (served as plain HTTP/1.1)", resp.StatusCode)
			}
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 100))
			if string(body) != "plain upgrade=" {
				t.Errorf("backend saw %q, want no Upgrade header at all", body)
			}
			_ = br
		})
	}
}

func TestDrainClosesWebSocketsAtTheDeadline(t *testing.T) {
	t.Parallel()
	spec := oneBackend(webSocketBackend(t))
	srv := NewServer(Options{
		Logger:      quietLogger(),
		Listeners:   []model.ListenerSpec{{Name: "public", Address: "127.0.0.1:0"}},
		GracePeriod: 300 * time.Millisecond,
	})
	if err := srv.Apply(spec); err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	c, br, resp := dialUpgrade(t, srv.Addr("public").String(), "websocket")
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("status %d, want 101", resp.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve returned %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after the grace period with a WebSocket open")
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := br.ReadByte(); err == nil {
		t.Error("the tunnelled connection is still open after the drain")
	} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Error("the tunnelled connection was not closed at the deadline")
	}
}
