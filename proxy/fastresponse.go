package proxy

import (
	"bufio"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/http/httpguts"

	"github.com/firsthop/firsthop/proxy/h1"
)

// fastResponse is the http.ResponseWriter of the fast HTTP/1.1 loop (see
// fastConn). It writes a response to an HTTP/1.1 request without a body as
// net/http's server would: status line, the handler's header as it was at
// WriteHeader, Date, Content-Length (computed for a short body the handler
// did not flush) or chunked framing, a sniffed Content-Type, trailers, and
// 1xx responses written at once. It is reused from request to request on
// one connection and is not safe for concurrent use.
type fastResponse struct {
	fc     *fastConn
	req    *http.Request
	header http.Header
	bw     *bufio.Writer // the connection's, for this request

	status      int
	wroteHeader bool  // a final header has been written, logically
	emitted     bool  // its bytes are in bw
	clen        int64 // the handler's Content-Length, -1 without
	written     int64
	chunking    bool
	trailers    []string // declared with the Trailer header
	closeAfter  bool     // the connection ends after this response
	err         error    // the first write error: the connection is done

	// Until the header is emitted, a body is held in pre (up to
	// preHeaderBodySize, net/http's bufferBeforeChunkingSize) so that a
	// short one gets a Content-Length and a Content-Type can be sniffed,
	// and the header as of WriteHeader is kept in snapshot (snapped).
	pre      *[]byte
	snapshot []byte
	snapped  bool
}

// preHeaderBodySize is how much body net/http buffers before it commits
// to the header (its bufferBeforeChunkingSize).
const preHeaderBodySize = 2048

var preHeaderBuffers = sync.Pool{New: func() any { b := make([]byte, 0, preHeaderBodySize); return &b }}

// reset prepares w for req, writing to bw.
func (w *fastResponse) reset(req *http.Request, bw *bufio.Writer) {
	clear(w.header)
	if w.header == nil {
		w.header = make(http.Header)
	}
	*w = fastResponse{fc: w.fc, req: req, header: w.header, bw: bw, clen: -1, snapshot: w.snapshot[:0],
		trailers: w.trailers[:0], closeAfter: req.Close}
}

func (w *fastResponse) Header() http.Header { return w.header }

func (w *fastResponse) WriteHeader(code int) {
	if w.wroteHeader || w.err != nil {
		return
	}
	if code < 100 || code > 999 {
		panic("invalid WriteHeader code " + strconv.Itoa(code))
	}
	if code >= 100 && code <= 199 && code != http.StatusSwitchingProtocols {
		// An informational response goes out at once, with the header as
		// it is (RFC 8297: it is not cleared).
		w.bw.Write(appendStatusLine(w.bw.AvailableBuffer(), code))
		w.writeHeader(w.header, omitTE|omitCL)
		w.bw.WriteString("\r\n")
		w.fail(w.bw.Flush())
		return
	}
	w.wroteHeader = true
	w.status = code
	if cl := w.header["Content-Length"]; len(cl) > 0 && cl[0] != "" {
		if v, err := strconv.ParseInt(cl[0], 10, 64); err == nil && v >= 0 {
			w.clen = v
		} else {
			delete(w.header, "Content-Length")
		}
	}
	w.trailers = w.trailers[:0]
	for _, v := range w.header["Trailer"] {
		for _, k := range strings.Split(v, ",") {
			if k = http.CanonicalHeaderKey(strings.TrimSpace(k)); k != "" && httpguts.ValidTrailerHeader(k) {
				w.trailers = append(w.trailers, k)
			}
		}
	}
	_, haveType := w.header["Content-Type"]
	if !bodyAllowedForStatus(code) || w.clen >= 0 && (haveType || w.req.Method == http.MethodHead) {
		// Nothing the body could change: out now, and the body
		// streams straight after it.
		w.emit(nil, false)
		return
	}
	w.snapshot, w.snapped = w.appendHeader(w.snapshot[:0]), true
}

func (w *fastResponse) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.err != nil {
		return 0, w.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	if !bodyAllowedForStatus(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	w.written += int64(len(p))
	if w.clen >= 0 && w.written > w.clen {
		return 0, http.ErrContentLength
	}
	if !w.emitted {
		if w.pre == nil {
			w.pre = preHeaderBuffers.Get().(*[]byte)
		}
		if len(*w.pre)+len(p) <= preHeaderBodySize {
			*w.pre = append(*w.pre, p...)
			return len(p), nil
		}
		// More than fits: commit to the header with what came first,
		// as net/http does when its buffer fills.
		w.emitPre(false, p)
	}
	w.writeBody(p)
	if w.err != nil {
		return 0, w.err
	}
	return len(p), nil
}

// WriteString is Write for a string.
func (w *fastResponse) WriteString(s string) (int, error) { return w.Write([]byte(s)) }

// Flush sends the header and the body written so far.
func (w *fastResponse) Flush() {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !w.emitted {
		w.emitPre(false, nil)
	}
	w.fail(w.bw.Flush())
}

// FlushError is Flush reporting the write error, for
// http.ResponseController.
func (w *fastResponse) FlushError() error {
	w.Flush()
	return w.err
}

// finish ends the response once the handler has returned and reports
// whether the connection may carry another request.
func (w *fastResponse) finish() bool {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !w.emitted {
		w.emitPre(true, nil)
	}
	if w.chunking && w.err == nil {
		w.bw.WriteString("0\r\n")
		if t := w.finalTrailers(); t != nil {
			_ = t.Write(w.bw)
		}
		w.bw.WriteString("\r\n")
	}
	if w.err == nil {
		// The last write waits for the client's next request, unless
		// there is none to wait for.
		armed := !w.closeAfter && w.fc.armAwait()
		w.fail(w.bw.Flush())
		if armed {
			w.fc.await.disarm()
		}
	}
	w.releasePre()
	return w.err == nil && !w.closeAfter
}

func (w *fastResponse) releasePre() {
	if w.pre != nil {
		*w.pre = (*w.pre)[:0]
		preHeaderBuffers.Put(w.pre)
		w.pre = nil
	}
}

// emitPre emits the header with the body held so far, then that body;
// next is what is about to be written after it, which counts for sniffing
// the type (net/http sniffs its first buffer-full).
func (w *fastResponse) emitPre(done bool, next []byte) {
	var pre []byte
	if w.pre != nil {
		pre = *w.pre
	}
	first := pre
	if len(pre) < sniffLen && len(next) > 0 {
		var buf [sniffLen]byte
		first = append(append(buf[:0], pre...), next[:min(len(next), sniffLen-len(pre))]...)
	}
	w.emit(first, done)
	w.writeBody(pre)
	w.releasePre()
}

// sniffLen is how much of a body http.DetectContentType looks at.
const sniffLen = 512

// writeBody writes body bytes in the response's framing.
func (w *fastResponse) writeBody(p []byte) {
	if len(p) == 0 || w.err != nil || w.req.Method == http.MethodHead {
		return
	}
	if w.chunking {
		w.bw.Write(strconv.AppendUint(w.bw.AvailableBuffer(), uint64(len(p)), 16))
		w.bw.WriteString("\r\n")
		w.bw.Write(p)
		_, err := w.bw.WriteString("\r\n")
		w.fail(err)
		return
	}
	_, err := w.bw.Write(p)
	w.fail(err)
}

func (w *fastResponse) fail(err error) {
	if err != nil && w.err == nil {
		w.err = err
		w.closeAfter = true
	}
}

// omit is a set of header fields a response leaves out: framing fields
// net/http drops for a status or a framing, and a handler's Connection it
// replaces.
type omit uint8

const (
	omitTE         omit = 1 << iota // Transfer-Encoding (firsthop writes its own)
	omitCL                          // Content-Length
	omitCT                          // Content-Type
	omitConnection                  // Connection
)

func (o omit) has(k string) bool {
	switch k {
	case "Transfer-Encoding":
		return o&omitTE != 0
	case "Content-Length":
		return o&omitCL != 0
	case "Content-Type":
		return o&omitCT != 0
	case "Connection":
		return o&omitConnection != 0
	}
	return false
}

// omitFor returns what a response with status leaves out (net/http's
// suppressedHeaders): 1xx and 204 no length, 304 no type and length.
func omitFor(status int) omit {
	switch {
	case status == http.StatusNotModified:
		return omitTE | omitCL | omitCT
	case !bodyAllowedForStatus(status):
		return omitTE | omitCL
	}
	return omitTE
}

// emit writes the status line and header, with what net/http's server
// adds to a handler's header (chunkWriter.writeHeader): a Content-Length
// for a body complete at the end of the handler (done), a sniffed
// Content-Type, Date, the framing, and "Connection: close" when the
// connection ends with this response. first is the start of the body.
func (w *fastResponse) emit(first []byte, done bool) {
	w.emitted = true
	h := w.header
	code := w.status
	isHEAD := w.req.Method == http.MethodHead
	var small [16]headerField
	fields, prefixedTrailers := sortedFields(h, small[:0])
	hasTrailers := len(w.trailers) > 0 || prefixedTrailers
	var contentLength, contentType, date string
	if done && !hasTrailers && bodyAllowedForStatus(code) && w.clen < 0 && (!isHEAD || len(first) > 0) {
		w.clen = int64(len(first))
		contentLength = strconv.Itoa(len(first))
	}
	leave := omitFor(code)
	if bodyAllowedForStatus(code) {
		_, haveType := h["Content-Type"]
		if ce := h["Content-Encoding"]; !haveType && (len(ce) == 0 || ce[0] == "") && len(first) > 0 {
			contentType = http.DetectContentType(first)
		}
	}
	if _, ok := h["Date"]; !ok {
		date = httpDate()
	}
	if !isHEAD && bodyAllowedForStatus(code) && w.clen < 0 {
		w.chunking = true
		leave |= omitCL
	}
	conn := h["Connection"]
	closeListed := len(conn) > 0 && h1.ValuesHaveToken(conn, "close")
	if w.fc.fs.draining.Load() || closeListed {
		w.closeAfter = true
	}
	if w.closeAfter && !closeListed && len(conn) > 0 {
		// net/http replaces the handler's Connection with "close".
		leave |= omitConnection
		w.snapped = false
	}
	b := w.bw.AvailableBuffer()
	b = appendStatusLine(b, code)
	if w.snapped {
		b = append(b, w.snapshot...)
	} else {
		b = appendFields(b, fields, leave)
	}
	if contentLength != "" {
		b = append(append(append(b, "Content-Length: "...), contentLength...), "\r\n"...)
	}
	if contentType != "" {
		b = append(append(append(b, "Content-Type: "...), contentType...), "\r\n"...)
	}
	if date != "" {
		b = append(append(append(b, "Date: "...), date...), "\r\n"...)
	}
	if w.chunking {
		b = append(b, "Transfer-Encoding: chunked\r\n"...)
	}
	if w.closeAfter && !closeListed {
		b = append(b, "Connection: close\r\n"...)
	}
	b = append(b, "\r\n"...)
	_, err := w.bw.Write(b)
	w.fail(err)
}

// appendHeader returns dst with the header as WriteHeader leaves it for a
// response whose framing is still open: all but Transfer-Encoding and
// the trailer values. (A Content-Length it holds stays; it has none when
// the response ends up chunked.)
func (w *fastResponse) appendHeader(dst []byte) []byte {
	var small [16]headerField
	fields, _ := sortedFields(w.header, small[:0])
	return appendFields(dst, fields, omitTE)
}

// writeHeader writes h but the fields in leave to bw.
func (w *fastResponse) writeHeader(h http.Header, leave omit) {
	var small [16]headerField
	fields, _ := sortedFields(h, small[:0])
	w.bw.Write(appendFields(w.bw.AvailableBuffer(), fields, leave))
}

// headerField is one key of a header with its values.
type headerField struct {
	key    string
	values []string
}

// sortedFields appends h's fields to dst sorted by key, as net/http writes
// them, leaving out those set with http.TrailerPrefix, which it reports.
func sortedFields(h http.Header, dst []headerField) (fields []headerField, prefixedTrailers bool) {
	for k, vv := range h {
		if strings.HasPrefix(k, http.TrailerPrefix) {
			prefixedTrailers = true
			continue
		}
		dst = append(dst, headerField{k, vv})
	}
	for i := 1; i < len(dst); i++ { // a handful of keys: insertion sort
		for j := i; j > 0 && dst[j].key < dst[j-1].key; j-- {
			dst[j], dst[j-1] = dst[j-1], dst[j]
		}
	}
	return dst, prefixedTrailers
}

// appendFields appends fields but those in leave in net/http's form,
// newlines in values turned to spaces.
func appendFields(dst []byte, fields []headerField, leave omit) []byte {
	for _, f := range fields {
		if leave != 0 && leave.has(f.key) {
			continue
		}
		for _, v := range f.values {
			dst = append(dst, f.key...)
			dst = append(dst, ": "...)
			if strings.IndexByte(v, '\r') < 0 && strings.IndexByte(v, '\n') < 0 {
				dst = append(dst, v...)
			} else {
				for i := 0; i < len(v); i++ {
					c := v[i]
					if c == '\r' || c == '\n' {
						c = ' '
					}
					dst = append(dst, c)
				}
			}
			dst = append(dst, "\r\n"...)
		}
	}
	return dst
}

// finalTrailers returns the trailer fields, as net/http's finalTrailers
// does: those set with http.TrailerPrefix and the declared ones.
func (w *fastResponse) finalTrailers() http.Header {
	var t http.Header
	for k, vv := range w.header {
		if kk, ok := strings.CutPrefix(k, http.TrailerPrefix); ok {
			if t == nil {
				t = make(http.Header)
			}
			t[kk] = vv
		}
	}
	for _, k := range w.trailers {
		if t == nil {
			t = make(http.Header)
		}
		for _, v := range w.header[k] {
			t.Add(k, v)
		}
	}
	return t
}

// appendStatusLine appends "HTTP/1.1 code text" and CRLF.
func appendStatusLine(dst []byte, code int) []byte {
	dst = append(dst, "HTTP/1.1 "...)
	dst = strconv.AppendInt(dst, int64(code), 10)
	if text := http.StatusText(code); text != "" {
		dst = append(append(dst, ' '), text...)
	} else {
		dst = strconv.AppendInt(append(dst, " status code "...), int64(code), 10)
	}
	return append(dst, "\r\n"...)
}

// bodyAllowedForStatus reports whether a response with status may have a
// body (not 1xx, 204 or 304).
func bodyAllowedForStatus(status int) bool {
	return !(status >= 100 && status <= 199 || status == http.StatusNoContent || status == http.StatusNotModified)
}

// cachedDate is a Date header value and the second it is for.
type cachedDate struct {
	sec int64
	s   string
}

var dateCache atomic.Pointer[cachedDate]

// httpDate returns the current time in the Date header's format, formatted
// once per second.
func httpDate() string {
	now := time.Now()
	sec := now.Unix()
	if d := dateCache.Load(); d != nil && d.sec == sec {
		return d.s
	}
	d := &cachedDate{sec: sec, s: now.UTC().Format(http.TimeFormat)}
	dateCache.Store(d)
	return d.s
}
