package h1

import (
	"bufio"
	"errors"
	"strconv"
)

// ErrInvalidRequest is returned by the request writers for a method,
// request target, field name or field value that cannot be sent as is:
// writing it would change the request's framing.
var ErrInvalidRequest = errors.New("h1: request cannot be written: invalid method, target or header field")

// WriteRequestLine writes "method target HTTP/1.1" and CRLF, the target
// being the concatenation of parts (so that a path and a query need not be
// joined first). method must be a token and the target non-empty, with no
// space, control character or DEL.
func WriteRequestLine(w *bufio.Writer, method string, target ...string) error {
	if !isTokenString(method) {
		return ErrInvalidRequest
	}
	n := 0
	for _, part := range target {
		n += len(part)
		for i := 0; i < len(part); i++ {
			if c := part[i]; c <= ' ' || c == 0x7f {
				return ErrInvalidRequest
			}
		}
	}
	if n == 0 {
		return ErrInvalidRequest
	}
	w.WriteString(method)
	w.WriteByte(' ')
	for _, part := range target {
		w.WriteString(part)
	}
	_, err := w.WriteString(" HTTP/1.1\r\n")
	return err
}

// WriteField writes "name: value" and CRLF. name must be a token and value
// must hold no control character other than HTAB (so no CR or LF).
func WriteField(w *bufio.Writer, name, value string) error {
	if !validField(name, value) {
		return ErrInvalidRequest
	}
	return writeField(w, name, value)
}

// WriteFieldBytes is [WriteField] with the value in a byte slice.
func WriteFieldBytes(w *bufio.Writer, name string, value []byte) error {
	if !isTokenString(name) {
		return ErrInvalidRequest
	}
	for _, c := range value {
		if !validValueByte(c) {
			return ErrInvalidRequest
		}
	}
	return writeField(w, name, value)
}

// writeField writes a checked field in one piece when it fits the buffer.
func writeField[V string | []byte](w *bufio.Writer, name string, value V) error {
	if w.Available() < len(name)+len(value)+4 {
		w.WriteString(name)
		w.WriteString(": ")
		w.Write([]byte(value))
		_, err := w.WriteString("\r\n")
		return err
	}
	b := w.AvailableBuffer()
	b = append(b, name...)
	b = append(b, ": "...)
	b = append(b, value...)
	b = append(b, "\r\n"...)
	_, err := w.Write(b)
	return err
}

// WriteContentLength writes "Content-Length: n" and CRLF.
func WriteContentLength(w *bufio.Writer, n int64) error {
	w.WriteString("Content-Length: ")
	w.Write(strconv.AppendInt(w.AvailableBuffer(), n, 10))
	_, err := w.WriteString("\r\n")
	return err
}

// validField reports whether name is a token and value a field value
// [WriteField] may write.
func validField(name, value string) bool {
	if !isTokenString(name) {
		return false
	}
	for i := 0; i < len(value); i++ {
		if !validValueByte(value[i]) {
			return false
		}
	}
	return true
}

func isTokenString(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !tokenTable[s[i]] {
			return false
		}
	}
	return true
}

// ChunkedWriter writes a body in chunked transfer coding to W: each
// non-empty Write is one chunk. Close writes the last chunk and the
// trailer section. It does not flush W.
type ChunkedWriter struct{ W *bufio.Writer }

// Write writes p as one chunk.
func (cw ChunkedWriter) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	cw.W.Write(strconv.AppendUint(cw.W.AvailableBuffer(), uint64(len(p)), 16))
	cw.W.WriteString("\r\n")
	cw.W.Write(p)
	if _, err := cw.W.WriteString("\r\n"); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Close writes the last chunk, the trailer fields and the empty line that
// ends the body. A field that cannot be written makes it fail with
// [ErrInvalidRequest] before anything is written.
func (cw ChunkedWriter) Close(trailer []Field) error {
	for _, f := range trailer {
		if !validField(f.Name, f.Value) {
			return ErrInvalidRequest
		}
	}
	cw.W.WriteString("0\r\n")
	for _, f := range trailer {
		if err := WriteField(cw.W, f.Name, f.Value); err != nil {
			return err
		}
	}
	_, err := cw.W.WriteString("\r\n")
	return err
}
