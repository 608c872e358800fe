package echo

import (
	"bufio"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/firsthop/firsthop/proxy/h1"
)

// WebSocket limits of the echo server: a message (all its fragments) of
// at most maxMessage bytes, and at most wsIdle between two frames.
const (
	maxMessage = 64 << 10
	wsIdle     = 2 * time.Minute
)

// webSocketGUID is the fixed GUID of the Sec-WebSocket-Accept computation
// (RFC 6455 section 1.3).
const webSocketGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// acceptKey returns the Sec-WebSocket-Accept value answering key.
func acceptKey(key string) string {
	h := sha1.Sum([]byte(key + webSocketGUID))
	return base64.StdEncoding.EncodeToString(h[:])
}

// isWebSocketRequest reports whether r is an HTTP/1.1 WebSocket opening
// handshake (RFC 6455 section 4.2.1) the echo server can accept: a GET
// with Connection naming upgrade, Upgrade websocket, version 13 and a key
// that is 16 bytes in base64.
func isWebSocketRequest(r *http.Request) bool {
	if r.Method != http.MethodGet || r.ProtoMajor != 1 || r.ProtoMinor < 1 {
		return false
	}
	if !h1.ValuesHaveToken(r.Header["Connection"], "upgrade") || !h1.ValuesHaveToken(r.Header["Upgrade"], "websocket") {
		return false
	}
	if r.Header.Get("Sec-WebSocket-Version") != "13" {
		return false
	}
	key, err := base64.StdEncoding.DecodeString(r.Header.Get("Sec-WebSocket-Key"))
	return err == nil && len(key) == 16
}

// serveWebSocket completes the opening handshake of r and echoes every
// text and binary message back as one frame, answers pings with pongs
// and a close with a close, then closes the connection. A message over
// maxMessage bytes closes with 1009, a protocol violation (an unmasked
// frame, a reserved bit or opcode, a stray continuation) with 1002, and
// a text message that is not UTF-8 with 1007.
func serveWebSocket(w http.ResponseWriter, r *http.Request) {
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		http.Error(w, "WebSocket needs a hijackable HTTP/1.1 connection", http.StatusInternalServerError)
		return
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Time{})
	head := "HTTP/1.1 101 Switching Protocols\r\n" +
		"Upgrade: websocket\r\n" +
		"Connection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: " + acceptKey(r.Header.Get("Sec-WebSocket-Key")) + "\r\n\r\n"
	if _, err := brw.WriteString(head); err != nil {
		return
	}
	if err := brw.Flush(); err != nil {
		return
	}
	_ = echoFrames(conn, brw.Reader)
}

// echoFrames runs the echo session on conn, reading frames from r (which
// may hold bytes already read from conn). It returns why it ended: nil
// after a close handshake.
func echoFrames(conn net.Conn, r *bufio.Reader) error {
	var msg []byte // the message being assembled from fragments
	var msgOp byte // its opcode; 0 when none is in progress
	for {
		_ = conn.SetDeadline(time.Now().Add(wsIdle))
		f, err := readFrame(r, maxMessage-len(msg))
		if err == nil && !f.masked {
			err = protocolError("unmasked frame from a client")
		}
		if err != nil {
			var fe *frameError
			if errors.As(err, &fe) {
				return fail(conn, fe.code, err)
			}
			return err
		}
		switch f.opcode {
		case opPing:
			if err := writeFrame(conn, frame{fin: true, opcode: opPong, payload: f.payload}); err != nil {
				return err
			}
		case opPong:
		case opClose:
			return closeReply(conn, f.payload)
		case opText, opBinary:
			if msgOp != 0 {
				return fail(conn, closeProtocolError, protocolError("new message before the last one's final fragment"))
			}
			msgOp, msg = f.opcode, append(msg[:0], f.payload...)
		case opContinuation:
			if msgOp == 0 {
				return fail(conn, closeProtocolError, protocolError("continuation frame outside a message"))
			}
			msg = append(msg, f.payload...)
		}
		if isControl(f.opcode) || !f.fin {
			continue
		}
		if msgOp == opText && !utf8.Valid(msg) {
			return fail(conn, closeInvalidData, errors.New("websocket: text message is not UTF-8"))
		}
		if err := writeFrame(conn, frame{fin: true, opcode: msgOp, payload: msg}); err != nil {
			return err
		}
		msgOp, msg = 0, msg[:0]
	}
}

// closeReply answers a client's close frame with payload: the same status
// code, or 1000 for a close without one, or 1002 for a malformed one (a
// lone byte, a code that may not be sent, a reason that is not UTF-8).
func closeReply(conn net.Conn, payload []byte) error {
	code := uint16(closeNormal)
	switch {
	case len(payload) == 1:
		code = closeProtocolError
	case len(payload) >= 2:
		code = binary.BigEndian.Uint16(payload)
		if !sendableCloseCode(code) || !utf8.Valid(payload[2:]) {
			code = closeProtocolError
		}
	}
	return writeClose(conn, code)
}

// sendableCloseCode reports whether an endpoint may send code in a close
// frame (RFC 6455 section 7.4): the defined codes other than 1004-1006
// and 1015, and 3000-4999.
func sendableCloseCode(code uint16) bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1014:
		return true
	default:
		return code >= 3000 && code <= 4999
	}
}

// fail sends a close frame with code and returns why.
func fail(conn net.Conn, code uint16, why error) error {
	_ = writeClose(conn, code)
	return why
}

func writeClose(conn net.Conn, code uint16) error {
	return writeFrame(conn, frame{fin: true, opcode: opClose, payload: binary.BigEndian.AppendUint16(nil, code)})
}

func writeFrame(w io.Writer, f frame) error {
	_, err := w.Write(appendFrame(nil, f))
	return err
}
