package listen

import (
	"bytes"
	"encoding/binary"
	"errors"

	"github.com/pires/go-proxyproto"
)

// This file finds where a PROXY header starts and ends in the first bytes of
// a connection. Parsing the framed bytes is left to go-proxyproto (see
// header.go); framing is ours because go-proxyproto's v1 reader refuses a
// line that does not arrive in a single read, and the header timeout, not the
// segmentation of the stream, is what bounds a slow sender here.

// Signatures and sizes from the PROXY protocol specification.
var (
	sigV1 = []byte("PROXY")
	sigV2 = []byte("\r\n\r\n\x00\r\nQUIT\n")
)

const (
	// maxV1Len is the longest v1 header, CRLF included.
	maxV1Len = 107
	// v2FixedLen is the v2 signature, version/command, family and length.
	v2FixedLen = 16
)

// sigKind says what the start of a connection looks like.
type sigKind uint8

const (
	// sigPending: the bytes so far are a proper prefix of a signature (or
	// there are none); more are needed to tell.
	sigPending sigKind = iota
	// sigNone: the bytes do not start with a PROXY signature.
	sigNone
	// sigV1: the bytes start with the v1 signature "PROXY".
	sigV1Kind
	// sigV2: the bytes start with the 12-byte v2 signature.
	sigV2Kind
)

// matchSignature reports whether b starts with a PROXY signature, does not,
// or is too short to tell.
func matchSignature(b []byte) sigKind {
	switch {
	case len(b) >= len(sigV1) && bytes.Equal(b[:len(sigV1)], sigV1):
		return sigV1Kind
	case len(b) >= len(sigV2) && bytes.Equal(b[:len(sigV2)], sigV2):
		return sigV2Kind
	case isPrefix(b, sigV1) || isPrefix(b, sigV2):
		return sigPending
	default:
		return sigNone
	}
}

// isPrefix reports whether b (shorter than sig) is a prefix of sig.
func isPrefix(b, sig []byte) bool {
	return len(b) < len(sig) && bytes.Equal(b, sig[:len(b)])
}

var (
	errV1TooLong = errors.New("PROXY v1 header longer than 107 bytes")
	errV2Version = errors.New("PROXY v2 header with an unsupported version or command")
	errV2TooLong = errors.New("PROXY v2 header longer than the configured maximum")
)

// headerLen returns the length of the header of kind k at the start of b, or
// 0 when b does not hold all of it yet. It returns an error as soon as the
// bytes in b show the header cannot be valid: a v1 line with no LF in its
// first 107 bytes, a v2 version/command byte other than 0x20 (LOCAL) or 0x21
// (PROXY), or a v2 length over [proxyproto.MaxV2HeaderSize]. Everything else
// is checked by the parser once the header is complete.
func headerLen(b []byte, k sigKind) (int, error) {
	switch k {
	case sigV1Kind:
		if i := bytes.IndexByte(b[:min(len(b), maxV1Len)], '\n'); i >= 0 {
			return i + 1, nil
		}
		if len(b) >= maxV1Len {
			return 0, errV1TooLong
		}
		return 0, nil
	case sigV2Kind:
		if len(b) > len(sigV2) {
			if vc := b[len(sigV2)]; vc != byte(proxyproto.LOCAL) && vc != byte(proxyproto.PROXY) {
				return 0, errV2Version
			}
		}
		if len(b) < v2FixedLen {
			return 0, nil
		}
		n := binary.BigEndian.Uint16(b[14:16])
		if n > proxyproto.MaxV2HeaderSize {
			return 0, errV2TooLong
		}
		if total := v2FixedLen + int(n); len(b) >= total {
			return total, nil
		}
		return 0, nil
	default:
		panic("listen: headerLen called without a signature")
	}
}

// wantBytes returns how many bytes a buffer holding b should have room
// for, so that the next read can complete the header of kind k at its start.
func wantBytes(b []byte, k sigKind) int {
	if k == sigV2Kind && len(b) >= v2FixedLen {
		return v2FixedLen + int(binary.BigEndian.Uint16(b[14:16]))
	}
	return maxV1Len
}
