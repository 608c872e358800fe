package h1

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// Framing says how a response body is delimited.
type Framing uint8

const (
	// NoBody: the response has no body (a response to HEAD, 1xx, 204, 304).
	NoBody Framing = iota
	// Length: the body is Response.ContentLength bytes.
	Length
	// Chunked: the body is in chunked transfer coding.
	Chunked
	// UntilClose: the body runs until the backend closes the connection.
	UntilClose
)

// Response is the head of one response.
type Response struct {
	StatusCode int
	// ProtoMinor is 0 for HTTP/1.0 and 1 for HTTP/1.1.
	ProtoMinor int
	// Fields holds every header field in the order received: names
	// canonical, values without surrounding whitespace. The strings share
	// one allocation per head and stay valid for as long as the caller
	// keeps them, whatever happens to the connection.
	Fields  []Field
	Framing Framing
	// ContentLength is the Content-Length value, -1 without one.
	ContentLength int64
	// spans is ParseResponseHead's scratch, kept for reuse.
	spans []span
	// KeepAlive reports whether the head lets the connection carry another
	// exchange after this response: HTTP/1.1 without "Connection: close",
	// or HTTP/1.0 with "Connection: keep-alive", and never with a body
	// delimited by the close.
	KeepAlive bool
	// ConnectionOptions reports whether a Connection field lists an option
	// other than "close" and "keep-alive": field names a proxy must drop.
	ConnectionOptions bool
}

// Get returns the value of the first field named name (canonical), or "".
func (r *Response) Get(name string) string {
	for _, f := range r.Fields {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

// ProtocolError is a syntax or framing error in what a backend sent. The
// connection that carried it must be closed.
type ProtocolError struct{ What string }

func (e *ProtocolError) Error() string { return "h1: malformed response from backend: " + e.What }

// ErrHeadTooLarge is returned when a response head (or a trailer section)
// exceeds the caller's limit.
var ErrHeadTooLarge = errors.New("h1: response head too large")

var (
	errStatusLine   = &ProtocolError{"bad status line"}
	errVersion      = &ProtocolError{"unsupported HTTP version"}
	errStatusCode   = &ProtocolError{"status code outside 100-599"}
	errFieldLine    = &ProtocolError{"bad header field line"}
	errObsFold      = &ProtocolError{"obsolete line folding"}
	errFieldName    = &ProtocolError{"bad header field name"}
	errFieldValue   = &ProtocolError{"control character in header field value"}
	errBareCR       = &ProtocolError{"CR not followed by LF"}
	errCL           = &ProtocolError{"bad Content-Length"}
	errCLConflict   = &ProtocolError{"conflicting Content-Length values"}
	errTE           = &ProtocolError{"unsupported Transfer-Encoding"}
	errTEInHTTP10   = &ProtocolError{"Transfer-Encoding in an HTTP/1.0 response"}
	errTruncated    = &ProtocolError{"head without an ending empty line"}
	errChunkSize    = &ProtocolError{"bad chunk size line"}
	errChunkEnd     = &ProtocolError{"chunk data not followed by CRLF"}
	errTrailerLine  = &ProtocolError{"trailer line not ended by CRLF"}
	errChunkTooLong = &ProtocolError{"chunk size line too long"}
)

// headReader accumulates one head from a bufio.Reader, line by line, into
// buf. A read that fails (a deadline, say) may be resumed by calling read
// again: what was read so far stays in buf.
type headReader struct {
	buf       []byte
	lineStart int // offset in buf of the line being read
}

func (h *headReader) reset() {
	if cap(h.buf) > 64<<10 {
		h.buf = nil // do not keep a huge head's buffer on a pooled connection
	}
	h.buf, h.lineStart = h.buf[:0], 0
}

// read reads until the empty line that ends a head, appending to h.buf,
// and returns nil once it has the whole head. It returns io.EOF when the
// stream ended before the first byte, io.ErrUnexpectedEOF when it ended
// inside the head, ErrHeadTooLarge past max bytes, or br's error.
func (h *headReader) read(br *bufio.Reader, max int) error {
	for {
		piece, err := br.ReadSlice('\n')
		if len(h.buf)+len(piece) > max {
			return ErrHeadTooLarge
		}
		h.buf = append(h.buf, piece...)
		switch err {
		case nil:
			line := h.buf[h.lineStart:]
			if h.lineStart > 0 && (len(line) == 1 || len(line) == 2 && line[0] == '\r') {
				return nil
			}
			h.lineStart = len(h.buf)
		case bufio.ErrBufferFull:
			// A line longer than br's buffer: keep appending.
		case io.EOF:
			if len(h.buf) == 0 {
				return io.EOF
			}
			return io.ErrUnexpectedEOF
		default:
			return err
		}
	}
}

// started reports whether any byte of the head has been read.
func (h *headReader) started() bool { return len(h.buf) > 0 }

// cutLine splits the first line off b. The line is returned without its
// LF and without one CR before it; any other CR in it is an error.
func cutLine(b []byte) (line, rest []byte, err error) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return nil, nil, errTruncated
	}
	line, rest = b[:i], b[i+1:]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	if bytes.IndexByte(line, '\r') >= 0 {
		return nil, nil, errBareCR
	}
	return line, rest, nil
}

// ParseResponseHead parses head — a status line, header field lines and the
// empty line ending them, each line ended by LF or CRLF — as the response
// to a request with method, into r (whose Fields slice is reused). head is
// modified: field names are canonicalised in place.
func ParseResponseHead(head []byte, method string, r *Response) error {
	fields, spans := r.Fields[:0], r.spans[:0]
	if cap(fields) > maxKeptFields {
		// Do not keep a huge head's field list on a pooled connection.
		fields, spans = nil, nil
	}
	*r = Response{Fields: fields, ContentLength: -1, spans: spans}
	line, rest, err := cutLine(head)
	if err != nil {
		return err
	}
	if err := parseStatusLine(line, r); err != nil {
		return err
	}
	// One pass over the field lines: check them, canonicalise names, and
	// note where names and values lie (cap arithmetic gives offsets).
	for p := rest; ; {
		line, p, err = cutLine(p)
		if err != nil {
			return err
		}
		if len(line) == 0 {
			break
		}
		name, value, err := checkField(line)
		if err != nil {
			return err
		}
		ns, vs := cap(rest)-cap(name), cap(rest)-cap(value)
		r.spans = append(r.spans, span{int32(ns), int32(ns + len(name)), int32(vs), int32(vs + len(value))})
	}
	// One string for the whole head, fields sliced from it.
	str := string(rest)
	if cap(r.Fields) < len(r.spans) {
		r.Fields = make([]Field, 0, len(r.spans))
	}
	for _, sp := range r.spans {
		r.Fields = append(r.Fields, Field{Name: str[sp.ns:sp.ne], Value: str[sp.vs:sp.ve]})
	}
	return r.frame(method)
}

// maxKeptFields is the most fields whose list a Response keeps for reuse.
const maxKeptFields = 128

// span locates a field's name and value in a head.
type span struct{ ns, ne, vs, ve int32 }

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

func trimOWSString(s string) string {
	for s != "" && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for s != "" && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// parseStatusLine parses "HTTP/1.x NNN[ reason]".
func parseStatusLine(line []byte, r *Response) error {
	if len(line) < 12 || string(line[:7]) != "HTTP/1." || line[8] != ' ' {
		return errStatusLine
	}
	switch line[7] {
	case '0', '1':
		r.ProtoMinor = int(line[7] - '0')
	default:
		return errVersion
	}
	code := 0
	for _, c := range line[9:12] {
		if c < '0' || c > '9' {
			return errStatusLine
		}
		code = code*10 + int(c-'0')
	}
	if code < 100 || code > 599 {
		return errStatusCode
	}
	r.StatusCode = code
	if len(line) > 12 {
		if line[12] != ' ' {
			return errStatusLine
		}
		for _, c := range line[13:] {
			if !validValueByte(c) {
				return errStatusLine
			}
		}
	}
	return nil
}

// checkField checks one field line and canonicalises its name in place,
// returning the name and the trimmed value.
func checkField(line []byte) (name, value []byte, err error) {
	if line[0] == ' ' || line[0] == '\t' {
		return nil, nil, errObsFold
	}
	colon := bytes.IndexByte(line, ':')
	if colon < 0 {
		return nil, nil, errFieldLine
	}
	name = line[:colon]
	if !isToken(name) {
		return nil, nil, errFieldName
	}
	value = trimOWS(line[colon+1:])
	for _, c := range value {
		if !validValueByte(c) {
			return nil, nil, errFieldValue
		}
	}
	canonicalize(name)
	return name, value, nil
}

// frame decides the body's framing and the connection's persistence from
// the fields, refusing the ambiguous combinations.
func (r *Response) frame(method string) error {
	var chunked, closeConn, keepAlive bool
	for _, f := range r.Fields {
		switch f.Name {
		case "Content-Length":
			n, ok := parseContentLength(f.Value)
			if !ok {
				return errCL
			}
			if r.ContentLength >= 0 && r.ContentLength != n {
				return errCLConflict
			}
			r.ContentLength = n
		case "Transfer-Encoding":
			// Exactly one field, naming exactly one coding: chunked.
			if chunked || !EqualFoldASCII(f.Value, "chunked") {
				return errTE
			}
			chunked = true
		case "Connection":
			for v := f.Value; v != ""; {
				var tok string
				tok, v = NextElement(v)
				switch {
				case EqualFoldASCII(tok, "close"):
					closeConn = true
				case EqualFoldASCII(tok, "keep-alive"):
					keepAlive = true
				case tok != "":
					r.ConnectionOptions = true
				}
			}
		}
	}
	if chunked && r.ProtoMinor == 0 {
		return errTEInHTTP10
	}
	smuggled := chunked && r.ContentLength >= 0
	if smuggled {
		// RFC 9112 6.3: Transfer-Encoding overrides Content-Length, and
		// an intermediary removes the Content-Length before forwarding.
		// Such a response may be an attempt at response splitting, so
		// its connection carries nothing after it.
		r.dropField("Content-Length")
		r.ContentLength = -1
	}
	r.KeepAlive = !closeConn && !smuggled && (r.ProtoMinor == 1 || keepAlive)
	switch {
	case method == "HEAD" || r.StatusCode < 200 || r.StatusCode == 204 || r.StatusCode == 304:
		r.Framing = NoBody
	case chunked:
		r.Framing = Chunked
	case r.ContentLength >= 0:
		r.Framing = Length
	default:
		r.Framing = UntilClose
		r.KeepAlive = false
	}
	return nil
}

// dropField removes the fields named name (canonical).
func (r *Response) dropField(name string) {
	kept := r.Fields[:0]
	for _, f := range r.Fields {
		if f.Name != name {
			kept = append(kept, f)
		}
	}
	clear(r.Fields[len(kept):])
	r.Fields = kept
}

// parseContentLength parses 1 to 18 decimal digits.
func parseContentLength(v string) (int64, bool) {
	if v == "" || len(v) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}
