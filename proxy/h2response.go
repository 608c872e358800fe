package proxy

import (
	"errors"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/http/httpguts"
	"golang.org/x/net/http2"
)

// h2Response is the http.ResponseWriter of a lean HTTP/2 stream. It
// writes a response as net/http's HTTP/2 server does: the header as of
// WriteHeader, a Content-Length for a body complete when the handler
// returns, a sniffed Content-Type, Date; the body in DATA frames;
// trailers (declared with Trailer, or set with http.TrailerPrefix) in a
// last HEADERS frame. Until the header goes out, up to h2ResBufferSize of
// body is held, so that a short response goes out in one piece with its
// length. It implements Flush (http.Flusher), FlushError,
// SetReadDeadline, SetWriteDeadline and EnableFullDuplex for
// http.ResponseController. It is used by the handler's goroutine only.
type h2Response struct {
	st     *h2Stream
	header http.Header

	status      int
	wroteHeader bool          // a final header has been written, logically
	fields      []headerField // the header as of WriteHeader, in fieldBuf when few
	fieldBuf    [8]headerField
	sentHeader  bool // its frame is written
	complete    bool // the last frame is written (under mu)
	isHead      bool
	clen        int64 // the handler's Content-Length, -1 without
	written     int64
	trailers    []string // declared with the Trailer header
	err         error

	buf *[]byte // body held, from h2ResBuffers
}

// h2ResBufferSize is how much body a response holds before it writes:
// one frame of the size the listener reads.
const h2ResBufferSize = maxH2FrameSize

var h2ResBuffers = sync.Pool{New: func() any { b := make([]byte, 0, h2ResBufferSize); return &b }}

func (w *h2Response) init(st *h2Stream) {
	*w = h2Response{st: st, header: make(http.Header), clen: -1, isHead: st.req.Method == http.MethodHead}
}

func (w *h2Response) Header() http.Header { return w.header }

func (w *h2Response) WriteHeader(code int) {
	if w.wroteHeader || w.err != nil {
		return
	}
	if code < 100 || code > 999 {
		panic("invalid WriteHeader code " + strconv.Itoa(code))
	}
	if code >= 100 && code <= 199 {
		if code != http.StatusSwitchingProtocols {
			w.writeInformational(code)
		}
		return
	}
	w.wroteHeader = true
	w.status = code
	w.fields, _ = sortedFields(w.header, w.fieldBuf[:0])
	if cl := w.header["Content-Length"]; len(cl) > 0 {
		if v, err := strconv.ParseInt(cl[0], 10, 64); err == nil && v >= 0 {
			w.clen = v
		}
	}
	for _, v := range w.header["Trailer"] {
		for _, k := range strings.Split(v, ",") {
			if k = http.CanonicalHeaderKey(strings.TrimSpace(k)); k != "" && httpguts.ValidTrailerHeader(k) {
				w.trailers = append(w.trailers, k)
			}
		}
	}
}

// writeInformational writes a 1xx response with the header as it is.
func (w *h2Response) writeInformational(code int) {
	c := w.st.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if w.st.closed || w.sentHeader {
		return
	}
	var small [16]headerField
	fields, _ := sortedFields(w.header, small[:0])
	c.startBlockLocked()
	c.encodeLocked(":status", strconv.Itoa(code))
	c.encodeFieldsLocked(fields)
	c.writeBlockLocked(w.st.id, false)
	c.kickLocked()
}

func (w *h2Response) Write(p []byte) (int, error) {
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
	if w.isHead {
		return len(p), nil
	}
	if w.buf == nil {
		w.buf = h2ResBuffers.Get().(*[]byte)
	}
	if len(*w.buf)+len(p) <= cap(*w.buf) {
		*w.buf = append(*w.buf, p...)
		return len(p), nil
	}
	if err := w.send(p, false); err != nil {
		return 0, err
	}
	return len(p), nil
}

// WriteString is Write for a string.
func (w *h2Response) WriteString(s string) (int, error) { return w.Write([]byte(s)) }

// Flush writes the header and the body held so far.
func (w *h2Response) Flush() { _ = w.FlushError() }

// FlushError is Flush reporting a failure, for http.ResponseController.
func (w *h2Response) FlushError() error {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.err != nil {
		return w.err
	}
	return w.send(nil, false)
}

// SetReadDeadline bounds the reads of the request body (zero: no bound).
func (w *h2Response) SetReadDeadline(t time.Time) error {
	st := w.st
	st.c.mu.Lock()
	defer st.c.mu.Unlock()
	if st.readTimer != nil {
		st.readTimer.Stop()
		st.readTimer = nil
	}
	st.readTimedOut = false
	switch {
	case t.IsZero():
	case !t.After(time.Now()):
		st.readTimedOut = true
		st.cond.Broadcast()
	default:
		st.readTimer = time.AfterFunc(time.Until(t), func() {
			st.c.mu.Lock()
			st.readTimedOut = true
			st.cond.Broadcast()
			st.c.mu.Unlock()
		})
	}
	return nil
}

// SetWriteDeadline bounds the waits of the response's writes for the
// client's flow-control window (zero: the idle timeout only); past it the
// stream is reset.
func (w *h2Response) SetWriteDeadline(t time.Time) error {
	w.st.c.mu.Lock()
	w.st.writeDeadline = t
	w.st.c.wcond.Broadcast()
	w.st.c.mu.Unlock()
	return nil
}

// EnableFullDuplex reports nil: an HTTP/2 stream is always full duplex.
func (w *h2Response) EnableFullDuplex() error { return nil }

// finish ends the response once the handler has returned, and closes the
// stream: done both ways, or reset (NO_ERROR) when the client is still
// sending a body nobody reads (RFC 9113 section 8.1).
func (w *h2Response) finish() {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.err == nil && w.clen >= 0 && w.written < w.clen && bodyAllowedForStatus(w.status) && !w.isHead {
		// Shorter than its Content-Length: what there is goes out, then
		// a reset, so that the client does not take it for whole (as
		// net/http's HTTP/2 server does).
		_ = w.send(nil, false)
		w.err = errH2ShortBody
		c := w.st.c
		c.mu.Lock()
		if !w.st.closed {
			c.resetLocked(w.st.id, http2.ErrCodeInternal)
		}
		c.mu.Unlock()
	}
	if w.err == nil {
		w.err = w.send(nil, true)
	}
	if w.buf != nil {
		*w.buf = (*w.buf)[:0]
		h2ResBuffers.Put(w.buf)
		w.buf = nil
	}
	st, c := w.st, w.st.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if !st.closed {
		if st.remoteDone {
			c.closeStreamLocked(st, nil)
		} else {
			c.resetLocked(st.id, http2.ErrCodeNo)
		}
	}
	c.kickLocked()
}

// errH2ShortBody is a response that ended short of its Content-Length.
var errH2ShortBody = errors.New("http2: handler wrote less than its Content-Length")

// send writes the header if it has not been, then the body held and
// extra; final says the handler has returned: the stream ends, with the
// trailers if any.
func (w *h2Response) send(extra []byte, final bool) error {
	var held []byte
	if w.buf != nil {
		held = *w.buf
	}
	bodyLen := len(held) + len(extra)
	var trailers http.Header
	if final {
		trailers = w.finalTrailers()
	}
	st, c := w.st, w.st.c
	if w.isHead && final {
		bodyLen = int(w.written) // for its Content-Length, as net/http
	}
	if final && !w.sentHeader {
		// Let the handlers made runnable with this one add their
		// responses first: one write carries them all.
		runtime.Gosched()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st.closed || c.werr != nil {
		return errH2StreamClosed
	}
	if !w.sentHeader {
		if w.emitHeaderLocked(held, extra, final, bodyLen, trailers) {
			w.completeLocked()
			c.kickLocked()
			return nil
		}
	}
	if !w.isHead {
		end := final && len(trailers) == 0
		if len(held) > 0 || len(extra) == 0 && end {
			if err := st.writeDataLocked(held, end && len(extra) == 0); err != nil {
				return err
			}
			if w.buf != nil {
				*w.buf = held[:0]
			}
		}
		if len(extra) > 0 {
			if err := st.writeDataLocked(extra, end); err != nil {
				return err
			}
		}
		if final && len(trailers) > 0 {
			c.startBlockLocked()
			for k, vv := range trailers {
				lk := c.lowerName(k)
				if !validLowerFieldName(lk) || h2ConnectionHeaders[lk] {
					continue
				}
				for _, v := range vv {
					if httpguts.ValidHeaderFieldValue(v) {
						c.encodeLocked(lk, v)
					}
				}
			}
			c.writeBlockLocked(st.id, true)
		}
	}
	if final {
		w.completeLocked()
	}
	c.kickLocked()
	return nil
}

// completeLocked notes that the response's last frame is in the write
// buffer. A stream whose request is over too is closed now, before that
// frame is written: a client that answers the END_STREAM at once finds
// the stream closed (RFC 9113 section 5.1), not half closed.
func (w *h2Response) completeLocked() {
	w.complete = true
	if w.st.remoteDone {
		w.st.c.closeStreamLocked(w.st, nil)
	}
}

// emitHeaderLocked writes the response's HEADERS frame, with what
// net/http's server adds, and reports whether it ended the stream (no
// body, no trailers). held and extra are the start of the body, bodyLen
// all of it when final.
func (w *h2Response) emitHeaderLocked(held, extra []byte, final bool, bodyLen int, trailers http.Header) bool {
	c := w.st.c
	w.sentHeader = true
	var clen, ctype, date string
	if w.clen >= 0 {
		clen = strconv.FormatInt(w.clen, 10)
	} else if final && bodyAllowedForStatus(w.status) && (bodyLen > 0 || !w.isHead) {
		clen = strconv.Itoa(bodyLen)
	}
	if bodyAllowedForStatus(w.status) && bodyLen > 0 {
		_, haveType := w.header["Content-Type"]
		if ce := w.header["Content-Encoding"]; !haveType && (len(ce) == 0 || ce[0] == "") {
			first := held
			if len(first) < sniffLen && len(extra) > 0 {
				var buf [sniffLen]byte
				first = append(append(buf[:0], held...), extra[:min(len(extra), sniffLen-len(held))]...)
			}
			ctype = http.DetectContentType(first)
		}
	}
	haveDate := false
	for _, f := range w.fields {
		if f.key == "Date" {
			haveDate = true
		}
		if f.key == "Connection" && len(f.values) > 0 && f.values[0] == "close" && !c.goingAway {
			// As net/http: the connection ends after its streams.
			c.goAwayLocked(http2.ErrCodeNo)
		}
	}
	if !haveDate {
		date = httpDate()
	}
	end := final && len(trailers) == 0 && bodyLen == 0 || w.isHead
	c.startBlockLocked()
	c.encodeLocked(":status", strconv.Itoa(w.status))
	c.encodeFieldsLocked(w.fields)
	if clen != "" {
		c.encodeLocked("content-length", clen)
	}
	if ctype != "" {
		c.encodeLocked("content-type", ctype)
	}
	if date != "" {
		c.encodeLocked("date", date)
	}
	c.writeBlockLocked(w.st.id, end)
	return end
}

// encodeFieldsLocked encodes a response's fields in lower case, leaving
// out the connection-specific ones, TE other than "trailers",
// Content-Length (written by the caller) and invalid names and values.
func (c *h2Conn) encodeFieldsLocked(fields []headerField) {
	for _, f := range fields {
		if f.key == "Content-Length" {
			continue
		}
		k := c.lowerName(f.key)
		if h2ConnectionHeaders[k] || !validLowerFieldName(k) {
			continue
		}
		for _, v := range f.values {
			if !httpguts.ValidHeaderFieldValue(v) || k == "te" && v != "trailers" {
				continue
			}
			c.encodeLocked(k, v)
		}
	}
}

// finalTrailers returns the trailer fields, as net/http's HTTP/2 server
// sends them: those set with http.TrailerPrefix and the declared ones
// that have values; nil without.
func (w *h2Response) finalTrailers() http.Header {
	var t http.Header
	for k, vv := range w.header {
		if kk, ok := strings.CutPrefix(k, http.TrailerPrefix); ok && len(vv) > 0 {
			if t == nil {
				t = make(http.Header)
			}
			t[http.CanonicalHeaderKey(kk)] = vv
		}
	}
	for _, k := range w.trailers {
		if vv := w.header[k]; len(vv) > 0 {
			if t == nil {
				t = make(http.Header)
			}
			t[k] = vv
		}
	}
	return t
}
