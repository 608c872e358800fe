package echo

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/firsthop/firsthop/proxy/h1"
)

func TestAcceptKeyRFC6455Example(t *testing.T) {
	t.Parallel()
	// RFC 6455 section 1.3.
	if got, want := acceptKey("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="; got != want {
		t.Errorf("acceptKey = %q, want %q", got, want)
	}
}

// wsClient is one raw WebSocket connection to an echo server.
type wsClient struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

const sampleKey = "dGhlIHNhbXBsZSBub25jZQ=="

// dialWebSocket opens a connection to a new echo server and sends the
// handshake with the given header lines; it returns the client and the
// response to the handshake.
func dialWebSocket(t *testing.T, headers string) (*wsClient, *http.Response) {
	t.Helper()
	srv := httptest.NewUnstartedServer(Handler())
	srv.Config = NewServer()
	srv.Start()
	t.Cleanup(srv.Close)
	conn, err := net.DialTimeout("tcp", srv.Listener.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Write([]byte("GET /chat HTTP/1.1\r\nHost: echo\r\n" + headers + "\r\n")); err != nil {
		t.Fatal(err)
	}
	c := &wsClient{t: t, conn: conn, r: bufio.NewReader(conn)}
	resp, err := http.ReadResponse(c.r, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c, resp
}

const upgradeHeaders = "Connection: keep-alive, Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + sampleKey + "\r\n"

func openWebSocket(t *testing.T) *wsClient {
	t.Helper()
	c, resp := dialWebSocket(t, upgradeHeaders)
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake: %s, want 101", resp.Status)
	}
	if got := resp.Header.Get("Sec-WebSocket-Accept"); got != acceptKey(sampleKey) {
		t.Fatalf("Sec-WebSocket-Accept %q, want %q", got, acceptKey(sampleKey))
	}
	if !h1.ValuesHaveToken(resp.Header["Upgrade"], "websocket") || !h1.ValuesHaveToken(resp.Header["Connection"], "upgrade") {
		t.Fatalf("101 without Upgrade: websocket and Connection: Upgrade: %v", resp.Header)
	}
	return c
}

func (c *wsClient) send(f frame) {
	c.t.Helper()
	if _, err := c.conn.Write(appendMaskedFrame(nil, f, [4]byte{0xa1, 0xb2, 0xc3, 0xd4})); err != nil {
		c.t.Fatal(err)
	}
}

func (c *wsClient) sendRaw(b []byte) {
	c.t.Helper()
	if _, err := c.conn.Write(b); err != nil {
		c.t.Fatal(err)
	}
}

// next reads the server's next frame, which must be unmasked.
func (c *wsClient) next() frame {
	c.t.Helper()
	f, err := readFrame(c.r, 1<<20)
	if err != nil {
		c.t.Fatalf("reading the server's frame: %v", err)
	}
	if f.masked {
		c.t.Fatalf("server frame %+v is masked", f)
	}
	return f
}

// wantClose reads a close frame with code, then the end of the connection.
func (c *wsClient) wantClose(code uint16) {
	c.t.Helper()
	f := c.next()
	if f.opcode != opClose || len(f.payload) < 2 || binary.BigEndian.Uint16(f.payload) != code {
		c.t.Fatalf("got %+v, want a close frame with code %d", f, code)
	}
	if _, err := readFrame(c.r, 1<<20); err == nil {
		c.t.Fatal("a frame after the close frame")
	}
}

func TestWebSocketEchoesMessages(t *testing.T) {
	t.Parallel()
	c := openWebSocket(t)
	c.send(frame{fin: true, opcode: opText, payload: []byte("hello, firsthop")})
	if f := c.next(); f.opcode != opText || !f.fin || string(f.payload) != "hello, firsthop" {
		t.Fatalf("text echo: %+v", f)
	}
	bin := bytes.Repeat([]byte{0, 1, 2, 0xff}, 1000) // a 16-bit length
	c.send(frame{fin: true, opcode: opBinary, payload: bin})
	if f := c.next(); f.opcode != opBinary || !bytes.Equal(f.payload, bin) {
		t.Fatalf("binary echo: opcode %#x, %d bytes", f.opcode, len(f.payload))
	}
	// A fragmented message with a ping between its fragments: the pong
	// comes first, then the whole message as one frame.
	c.send(frame{opcode: opText, payload: []byte("frag")})
	c.send(frame{fin: true, opcode: opPing, payload: []byte("are you there")})
	c.send(frame{fin: true, opcode: opContinuation, payload: []byte("mented")})
	if f := c.next(); f.opcode != opPong || string(f.payload) != "are you there" {
		t.Fatalf("pong: %+v", f)
	}
	if f := c.next(); f.opcode != opText || !f.fin || string(f.payload) != "fragmented" {
		t.Fatalf("fragmented echo: %+v", f)
	}
	c.send(frame{fin: true, opcode: opPong, payload: []byte("unsolicited")}) // ignored
	c.send(frame{fin: true, opcode: opClose, payload: []byte{0x03, 0xe8, 'b', 'y', 'e'}})
	c.wantClose(closeNormal)
}

// TestWebSocketMessagesNearTheLimit: the 64 KiB bound is per message: a
// message after a large one is echoed, and a ping between the fragments of
// a message close to the bound is answered. (Before, the last message's
// length counted against the next, which got 1009.)
func TestWebSocketMessagesNearTheLimit(t *testing.T) {
	t.Parallel()
	c := openWebSocket(t)
	for _, size := range []int{maxMessage, 10 << 10, maxMessage - 10, 1} {
		msg := bytes.Repeat([]byte{'x'}, size)
		c.send(frame{fin: true, opcode: opBinary, payload: msg})
		if f := c.next(); f.opcode != opBinary || !bytes.Equal(f.payload, msg) {
			t.Fatalf("message of %d bytes: echo opcode %#x, %d bytes", size, f.opcode, len(f.payload))
		}
	}
	c.send(frame{opcode: opText, payload: bytes.Repeat([]byte{'y'}, maxMessage)})
	c.send(frame{fin: true, opcode: opPing, payload: []byte("ping")})
	if f := c.next(); f.opcode != opPong || string(f.payload) != "ping" {
		t.Fatalf("ping inside a full message: %+v", f.opcode)
	}
	c.send(frame{fin: true, opcode: opContinuation})
	if f := c.next(); f.opcode != opText || len(f.payload) != maxMessage {
		t.Fatalf("full fragmented message: opcode %#x, %d bytes", f.opcode, len(f.payload))
	}
	c.send(frame{fin: true, opcode: opClose, payload: []byte{0x03, 0xe8}})
	c.wantClose(closeNormal)
}

func TestWebSocketFailsBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		send func(c *wsClient)
		code uint16
	}{
		{"unmasked frame", func(c *wsClient) { c.sendRaw([]byte{0x81, 0x02, 'h', 'i'}) }, closeProtocolError},
		{"reserved bit", func(c *wsClient) { c.sendRaw([]byte{0xC1, 0x80, 0, 0, 0, 0}) }, closeProtocolError},
		{"reserved opcode", func(c *wsClient) { c.sendRaw([]byte{0x83, 0x80, 0, 0, 0, 0}) }, closeProtocolError},
		{"continuation without a message", func(c *wsClient) {
			c.send(frame{fin: true, opcode: opContinuation, payload: []byte("x")})
		}, closeProtocolError},
		{"new message inside a fragmented one", func(c *wsClient) {
			c.send(frame{opcode: opText, payload: []byte("a")})
			c.send(frame{fin: true, opcode: opText, payload: []byte("b")})
		}, closeProtocolError},
		{"text that is not UTF-8", func(c *wsClient) {
			c.send(frame{fin: true, opcode: opText, payload: []byte{0xff, 0xfe}})
		}, closeInvalidData},
		{"frame over the message limit", func(c *wsClient) {
			c.send(frame{fin: true, opcode: opBinary, payload: make([]byte, maxMessage+1)})
		}, closeTooBig},
		{"fragments over the message limit", func(c *wsClient) {
			c.send(frame{opcode: opBinary, payload: make([]byte, maxMessage-10)})
			c.send(frame{fin: true, opcode: opContinuation, payload: make([]byte, 11)})
		}, closeTooBig},
		{"close with one byte", func(c *wsClient) { c.send(frame{fin: true, opcode: opClose, payload: []byte{3}}) }, closeProtocolError},
		{"close with code 1005", func(c *wsClient) {
			c.send(frame{fin: true, opcode: opClose, payload: []byte{0x03, 0xed}})
		}, closeProtocolError},
		{"close without a code", func(c *wsClient) { c.send(frame{fin: true, opcode: opClose}) }, closeNormal},
		{"close with code 4000", func(c *wsClient) {
			c.send(frame{fin: true, opcode: opClose, payload: []byte{0x0f, 0xa0}})
		}, 4000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := openWebSocket(t)
			tt.send(c)
			c.wantClose(tt.code)
		})
	}
}

func TestWebSocketHandshakeNeedsEveryPart(t *testing.T) {
	t.Parallel()
	for name, headers := range map[string]string{
		"no Connection: upgrade": "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + sampleKey + "\r\n",
		"no Upgrade":             "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + sampleKey + "\r\n",
		"version 8":              strings.Replace(upgradeHeaders, "Version: 13", "Version: 8", 1),
		"no key":                 strings.Replace(upgradeHeaders, "Sec-WebSocket-Key: "+sampleKey+"\r\n", "", 1),
		"a key of 15 bytes":      strings.Replace(upgradeHeaders, sampleKey, "AAAAAAAAAAAAAAAAAAAA", 1),
		// Case is folded for ASCII letters only (h1.ValuesHaveToken): a
		// Kelvin sign is not a "k".
		"Upgrade with a Kelvin sign": strings.Replace(upgradeHeaders, "Upgrade: websocket", "Upgrade: websoc\u212aet", 1),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, resp := dialWebSocket(t, headers)
			defer resp.Body.Close()
			var got Request
			if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&got) != nil || got.Path != "/chat" {
				t.Fatalf("%s (%+v), want the JSON echo of the request", resp.Status, got)
			}
		})
	}
}
