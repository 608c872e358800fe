package proxy

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/listen"
)

// TestWebSocketThroughFirsthopToEcho runs a real WebSocket exchange
// through the proxy's upgrade path to the built-in echo backend: the
// handshake's Sec-WebSocket-Accept comes back (RFC 6455 section 1.3's
// example key), a text message and a ping are echoed, and a close is
// answered with a close.
func TestWebSocketThroughFirsthopToEcho(t *testing.T) {
	t.Parallel()
	p := startProxy(t, model.TableSpec{
		Headers:  model.ForwardedHeaders{XForwardedFor: model.HeaderAppend, XRealIP: true},
		Routes:   []model.Route{{Path: "/", Backend: "echo"}},
		Backends: []model.Backend{{Name: "echo", Echo: true}},
	}, listen.Policy{})
	c, err := net.DialTimeout("tcp", p.addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	_, err = io.WriteString(c, "GET /chat HTTP/1.1\r\nHost: app.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"+
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
	if err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(c)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Sec-WebSocket-Accept") != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
		t.Fatalf("handshake: %s %v, want 101 with Sec-WebSocket-Accept s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", resp.Status, resp.Header)
	}
	// Client frames are masked; a zero masking key leaves the payload as is.
	exchange := func(name string, send, want []byte) {
		t.Helper()
		if _, err := c.Write(send); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got := make([]byte, len(want))
		if _, err := io.ReadFull(r, got); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%s: got % x (%v), want % x", name, got, err, want)
		}
	}
	exchange("text", []byte{0x81, 0x80 | 5, 0, 0, 0, 0, 'h', 'e', 'l', 'l', 'o'}, []byte{0x81, 5, 'h', 'e', 'l', 'l', 'o'})
	exchange("ping", []byte{0x89, 0x80 | 2, 0, 0, 0, 0, 'h', 'i'}, []byte{0x8A, 2, 'h', 'i'})
	exchange("close", []byte{0x88, 0x80 | 2, 0, 0, 0, 0, 0x03, 0xe8}, []byte{0x88, 2, 0x03, 0xe8})
	if _, err := r.ReadByte(); err != io.EOF {
		t.Errorf("after the close handshake: %v, want the connection closed", err)
	}
}
