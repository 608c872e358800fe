package proxy

import (
	"io"
	"mime"
	"net/http"
	"net/textproto"
	"strings"

	"github.com/firsthop/firsthop/proxy/h1"
)

// This file hands an HTTP/1.1 backend's response to the client on the lean
// path, as httputil.ReverseProxy does: end-to-end header fields copied,
// hop-by-hop ones dropped, 1xx forwarded, trailers announced and passed
// on, and the body flushed as it comes when its length is unknown.

// copyResponseHeader adds the end-to-end fields of resp to h: all but the
// hop-by-hop fields and those its Connection fields name. The values share
// one allocation. It returns the trailer names a chunked response
// announces, or an error for an announcement naming a field that may not be
// a trailer.
func copyResponseHeader(h http.Header, resp *h1.Response) (announced []string, err error) {
	n, conn := 0, false
	for _, f := range resp.Fields {
		conn = conn || f.Name == "Connection"
		if !isHopHeader(f.Name) {
			n++
		}
	}
	// h is a fresh response's header: a name is new unless an earlier
	// field had it, which is cheaper to tell than a map lookup.
	fresh := len(h) == 0
	vals := make([]string, 0, n)
	for i, f := range resp.Fields {
		if f.Name == "Trailer" && resp.Framing == h1.Chunked {
			if announced, err = appendTrailerNames(announced, f.Value); err != nil {
				return nil, err
			}
			continue
		}
		if isHopHeader(f.Name) {
			continue
		}
		// Only "close" and "keep-alive" listed: they name Close and the
		// (hop-by-hop) Keep-Alive, so the full check is for other options.
		if conn && (resp.ConnectionOptions || f.Name == "Close") && namedByConnectionField(resp.Fields, f.Name) {
			continue
		}
		if !fresh || seenBefore(resp.Fields[:i], f.Name) {
			if old, ok := h[f.Name]; ok {
				h[f.Name] = append(old, f.Value)
				continue
			}
		}
		vals = append(vals, f.Value)
		h[f.Name] = vals[len(vals)-1 : len(vals) : len(vals)]
	}
	return announced, nil
}

// seenBefore reports whether a field of fields is named name.
func seenBefore(fields []h1.Field, name string) bool {
	for _, f := range fields {
		if f.Name == name {
			return true
		}
	}
	return false
}

// namedByConnectionField reports whether one of the Connection fields
// lists the canonical name k.
func namedByConnectionField(fields []h1.Field, k string) bool {
	for _, f := range fields {
		if f.Name == "Connection" && h1.HasToken(f.Value, k) {
			return true
		}
	}
	return false
}

// errBadTrailerName is a Trailer announcement naming a framing field.
var errBadTrailerName = &h1.ProtocolError{What: "Trailer names a framing field"}

// appendTrailerNames appends the canonical names listed in a Trailer
// field value; a framing field there (as http.Transport also refuses) is
// an error.
func appendTrailerNames(names []string, v string) ([]string, error) {
	for _, name := range strings.Split(v, ",") {
		name = textproto.CanonicalMIMEHeaderKey(textproto.TrimString(name))
		switch name {
		case "":
			continue
		case "Transfer-Encoding", "Trailer", "Content-Length":
			return nil, errBadTrailerName
		}
		names = append(names, name)
	}
	return names, nil
}

// forward1xx sends an informational response to the client with its
// fields, as httputil.ReverseProxy does, and leaves w's header empty again.
func forward1xx(w http.ResponseWriter, resp *h1.Response) {
	h := w.Header()
	for _, f := range resp.Fields {
		h.Add(f.Name, f.Value)
	}
	w.WriteHeader(resp.StatusCode)
	clear(h)
}

// flushesEachWrite reports whether the client must get each piece of the
// body as it arrives: when the length is unknown (a stream) or the body is
// an event stream, which is httputil.ReverseProxy's rule.
func flushesEachWrite(resp *h1.Response) bool {
	if resp.Framing == h1.Chunked || resp.Framing == h1.UntilClose {
		return true
	}
	ct := resp.Get("Content-Type")
	if ct == "" || !strings.HasPrefix(strings.ToLower(ct), "text/event-stream") {
		return false
	}
	mt, _, _ := mime.ParseMediaType(ct)
	return mt == "text/event-stream"
}

// errClientWrite marks a failure to write to the client, as opposed to one
// reading the backend.
type errClientWrite struct{ error }

// copyBody copies the response body to w, flushing after each write when
// flush is set. It returns nil at the body's end.
func copyBody(w http.ResponseWriter, body *h1.Body, flush bool) error {
	bufp := copyBuffers.get()
	defer copyBuffers.put(bufp)
	buf := *bufp
	var flusher http.Flusher
	if flush {
		flusher, _ = unwrapWriter(w).(http.Flusher)
	}
	for {
		n, err := body.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return errClientWrite{werr}
			}
			if flusher != nil {
				flusher.Flush()
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// unwrapWriter returns the writer under firsthop's status recorder.
func unwrapWriter(w http.ResponseWriter) http.ResponseWriter {
	if r, ok := w.(*statusRecorder); ok {
		return r.ResponseWriter
	}
	return w
}

// passTrailers hands the trailer fields of a finished chunked body to the
// client as httputil.ReverseProxy does: when every field received was
// announced they are set as declared trailers, otherwise all of them with
// http.TrailerPrefix. Fields that may not be trailers are dropped.
func passTrailers(w http.ResponseWriter, announced []string, received []h1.Field) {
	if len(announced) == 0 && len(received) == 0 {
		return
	}
	// Force chunking, so that net/http does not compute a length for a
	// short body and drop the trailers.
	if f, ok := unwrapWriter(w).(http.Flusher); ok {
		f.Flush()
	}
	declared := true
	for _, f := range received {
		if !containsString(announced, f.Name) {
			declared = false
			break
		}
	}
	h := w.Header()
	for _, f := range received {
		if forbiddenTrailer(f.Name) {
			continue
		}
		if declared {
			h.Add(f.Name, f.Value)
		} else {
			h.Add(http.TrailerPrefix+f.Name, f.Value)
		}
	}
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
