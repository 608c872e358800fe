package echo

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// WebSocket opcodes (RFC 6455 section 5.2).
const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xA
)

// maxControlPayload is the largest payload of a control frame (RFC 6455
// section 5.5).
const maxControlPayload = 125

// frame is one WebSocket frame, its payload unmasked.
type frame struct {
	fin     bool
	opcode  byte
	masked  bool
	payload []byte
}

// isControl reports whether op is a control opcode (close, ping, pong and
// the reserved 0xB-0xF).
func isControl(op byte) bool { return op&0x8 != 0 }

// frameError is a frame that breaks RFC 6455: the connection is failed
// with a close frame carrying code.
type frameError struct {
	code uint16 // closeProtocolError or closeTooBig
	msg  string
}

func (e *frameError) Error() string { return "websocket: " + e.msg }

// Close codes the echo server sends (RFC 6455 section 7.4.1).
const (
	closeNormal        = 1000
	closeProtocolError = 1002
	closeInvalidData   = 1007
	closeTooBig        = 1009
)

func protocolError(format string, args ...any) error {
	return &frameError{code: closeProtocolError, msg: fmt.Sprintf(format, args...)}
}

// readFrame reads one frame from r. A data frame's payload longer than
// max is refused with a closeTooBig [frameError] before any of it is read,
// so a length field cannot make it allocate more than max bytes; a control
// frame, which may come between the fragments of a message of any size,
// is bounded by its own 125 bytes instead. It checks what can
// be checked on one frame: no reserved bits (no extension is negotiated),
// a known opcode, and control frames unfragmented and at most 125 bytes.
// Whether the frame had to be masked is the caller's to decide. The error
// is io.EOF only when r ends before the frame's first byte.
func readFrame(r *bufio.Reader, max int) (frame, error) {
	var head [2]byte
	if _, err := io.ReadFull(r, head[:1]); err != nil {
		return frame{}, err
	}
	if _, err := io.ReadFull(r, head[1:]); err != nil {
		return frame{}, unexpected(err)
	}
	f := frame{fin: head[0]&0x80 != 0, opcode: head[0] & 0x0F, masked: head[1]&0x80 != 0}
	if rsv := head[0] & 0x70; rsv != 0 {
		return frame{}, protocolError("reserved bits %#x set without an extension", rsv)
	}
	switch f.opcode {
	case opContinuation, opText, opBinary, opClose, opPing, opPong:
	default:
		return frame{}, protocolError("reserved opcode %#x", f.opcode)
	}
	n := uint64(head[1] & 0x7F)
	switch n {
	case 126:
		var ext [2]byte
		if _, err := io.ReadFull(r, ext[:]); err != nil {
			return frame{}, unexpected(err)
		}
		n = uint64(binary.BigEndian.Uint16(ext[:]))
	case 127:
		var ext [8]byte
		if _, err := io.ReadFull(r, ext[:]); err != nil {
			return frame{}, unexpected(err)
		}
		n = binary.BigEndian.Uint64(ext[:])
		if n>>63 != 0 {
			return frame{}, protocolError("64-bit payload length with its most significant bit set")
		}
	}
	if isControl(f.opcode) && (!f.fin || n > maxControlPayload) {
		return frame{}, protocolError("control frame %#x fragmented or longer than %d bytes", f.opcode, maxControlPayload)
	}
	if !isControl(f.opcode) && n > uint64(max) {
		return frame{}, &frameError{code: closeTooBig, msg: fmt.Sprintf("frame of %d bytes, more than %d", n, max)}
	}
	var mask [4]byte
	if f.masked {
		if _, err := io.ReadFull(r, mask[:]); err != nil {
			return frame{}, unexpected(err)
		}
	}
	f.payload = make([]byte, n)
	if _, err := io.ReadFull(r, f.payload); err != nil {
		return frame{}, unexpected(err)
	}
	if f.masked {
		for i := range f.payload {
			f.payload[i] ^= mask[i%4]
		}
	}
	return f, nil
}

// unexpected turns an io.EOF in the middle of a frame into
// io.ErrUnexpectedEOF.
func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// appendFrame appends f to b as a server sends it: unmasked, with the
// shortest length encoding. f.masked is ignored.
func appendFrame(b []byte, f frame) []byte {
	first := f.opcode & 0x0F
	if f.fin {
		first |= 0x80
	}
	n := len(f.payload)
	switch {
	case n <= 125:
		b = append(b, first, byte(n))
	case n <= 0xFFFF:
		b = append(b, first, 126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, first, 127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	return append(b, f.payload...)
}
