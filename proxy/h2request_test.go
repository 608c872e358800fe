package proxy

import (
	"bytes"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/net/http/httpguts"
	"golang.org/x/net/http2/hpack"
)

// fields turns name, value pairs into header fields.
func fields(kv ...string) []hpack.HeaderField {
	out := make([]hpack.HeaderField, 0, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		out = append(out, hpack.HeaderField{Name: kv[i], Value: kv[i+1]})
	}
	return out
}

func TestParseH2Request(t *testing.T) {
	t.Parallel()
	get := func(extra ...string) []string { return h2Request("GET", "/p?q=1", extra...) }
	ok := []struct {
		name      string
		kv        []string
		endStream bool
		check     func(t *testing.T, rq h2RequestHead)
	}{
		{"a plain GET", get("accept", "*/*", "x-a", "1", "x-a", "2"), true, func(t *testing.T, rq h2RequestHead) {
			if rq.method != "GET" || rq.authority != "app.test" || rq.requestURI != "/p?q=1" || rq.url.Path != "/p" ||
				rq.url.RawQuery != "q=1" || rq.contentLength != 0 {
				t.Errorf("got %+v", rq)
			}
			if want := (http.Header{"Accept": {"*/*"}, "X-A": {"1", "2"}}); !reflect.DeepEqual(rq.header, want) {
				t.Errorf("header %v, want %v", rq.header, want)
			}
		}},
		{"a body of unknown length", get(), false, func(t *testing.T, rq h2RequestHead) {
			if rq.contentLength != -1 {
				t.Errorf("content length %d, want -1", rq.contentLength)
			}
		}},
		{"a declared length", h2Request("POST", "/", "content-length", "12"), false, func(t *testing.T, rq h2RequestHead) {
			if rq.contentLength != 12 {
				t.Errorf("content length %d, want 12", rq.contentLength)
			}
		}},
		{"host stands in for a missing :authority, and leaves the header",
			[]string{":method", "GET", ":scheme", "https", ":path", "/", "host", "h.test"}, true, func(t *testing.T, rq h2RequestHead) {
				if rq.authority != "h.test" || rq.header["Host"] != nil {
					t.Errorf("authority %q, header %v", rq.authority, rq.header)
				}
			}},
		{":authority wins over host", get("host", "evil.test"), true, func(t *testing.T, rq h2RequestHead) {
			if rq.authority != "app.test" || rq.header["Host"] != nil {
				t.Errorf("authority %q, header %v", rq.authority, rq.header)
			}
		}},
		{"cookies are joined", get("cookie", "a=1", "cookie", "b=2"), true, func(t *testing.T, rq h2RequestHead) {
			if got := rq.header["Cookie"]; len(got) != 1 || got[0] != "a=1; b=2" {
				t.Errorf("Cookie %q", got)
			}
		}},
		{"te: trailers", get("te", "trailers"), true, nil},
		{"expect: 100-continue is taken out", h2Request("POST", "/", "expect", "100-continue"), false, func(t *testing.T, rq h2RequestHead) {
			if !rq.needsContinue || rq.header["Expect"] != nil {
				t.Errorf("needsContinue %v, header %v", rq.needsContinue, rq.header)
			}
		}},
		{"declared trailers", h2Request("POST", "/", "trailer", "grpc-status, Content-Length, x-b"), false, func(t *testing.T, rq h2RequestHead) {
			if want := (http.Header{"Grpc-Status": nil, "X-B": nil}); !reflect.DeepEqual(rq.trailer, want) || rq.header["Trailer"] != nil {
				t.Errorf("trailer %v, header %v", rq.trailer, rq.header)
			}
		}},
		{"OPTIONS *", h2Request("OPTIONS", "*"), true, nil},
		{"CONNECT to an authority", []string{":method", "CONNECT", ":authority", "app.test:443"}, false, func(t *testing.T, rq h2RequestHead) {
			if rq.url.Host != "app.test:443" || rq.requestURI != "app.test:443" {
				t.Errorf("url %v, uri %q", rq.url, rq.requestURI)
			}
		}},
	}
	for _, c := range ok {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rq, err := parseH2Request(fields(c.kv...), c.endStream, nil)
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if c.check != nil {
				c.check(t, rq)
			}
		})
	}

	bad := []struct {
		name      string
		kv        []string
		endStream bool
	}{
		{"no :method", []string{":scheme", "http", ":authority", "a", ":path", "/"}, true},
		{"no :path", []string{":method", "GET", ":scheme", "http", ":authority", "a"}, true},
		{"an empty :path", h2Request("GET", ""), true},
		{"no :scheme", []string{":method", "GET", ":authority", "a", ":path", "/"}, true},
		{"a :scheme other than http and https", []string{":method", "GET", ":scheme", "ftp", ":authority", "a", ":path", "/"}, true},
		{"a repeated :path", get(":path", "/b"), true},
		{"an unknown pseudo-header", get(":foo", "1"), true},
		{"a response pseudo-header", append([]string{":status", "200"}, get()...), true},
		{":protocol (no extended CONNECT)", append([]string{":protocol", "websocket"}, h2Request("CONNECT", "/ws")...), false},
		{"a pseudo-header after a regular field", []string{":method", "GET", "x-a", "1", ":scheme", "http", ":path", "/"}, true},
		{"an upper-case name", get("X-A", "1"), true},
		{"a name with a space", get("x a", "1"), true},
		{"an empty name", get("", "1"), true},
		{"a CR in a value", get("x-a", "1\r\nx-b: 2"), true},
		{"a NUL in a value", get("x-a", "1\x00"), true},
		{"a LF in :path", h2Request("GET", "/a\nb"), true},
		{"a method with a space", h2Request("GET /x", "/"), true},
		{"connection", get("connection", "close"), true},
		{"keep-alive", get("keep-alive", "1"), true},
		{"proxy-connection", get("proxy-connection", "keep-alive"), true},
		{"transfer-encoding", h2Request("POST", "/", "transfer-encoding", "chunked"), false},
		{"upgrade", get("upgrade", "h2c"), true},
		{"te: gzip", get("te", "gzip"), true},
		{"te twice", get("te", "trailers", "te", "trailers"), true},
		{"userinfo in :authority", []string{":method", "GET", ":scheme", "http", ":authority", "u@app.test", ":path", "/"}, true},
		{"an invalid :authority", []string{":method", "GET", ":scheme", "http", ":authority", "a b", ":path", "/"}, true},
		{"a content-length that is no number", h2Request("POST", "/", "content-length", "x"), false},
		{"a signed content-length", h2Request("POST", "/", "content-length", "+5"), false},
		{"two content-lengths that differ", h2Request("POST", "/", "content-length", "5", "content-length", "6"), false},
		{"a content-length on a request that ends with its headers", h2Request("POST", "/", "content-length", "5"), true},
		{"a :path not in origin form", h2Request("GET", "http://evil.test/"), true},
		{"a relative :path", h2Request("GET", "a/b"), true},
		{"* with GET", h2Request("GET", "*"), true},
		{"CONNECT with :path", []string{":method", "CONNECT", ":authority", "a:1", ":path", "/"}, false},
		{"CONNECT without :authority", []string{":method", "CONNECT"}, false},
	}
	for _, c := range bad {
		t.Run("refused: "+c.name, func(t *testing.T) {
			t.Parallel()
			if rq, err := parseH2Request(fields(c.kv...), c.endStream, nil); err == nil {
				t.Errorf("accepted: %+v", rq)
			}
		})
	}
}

// FuzzParseH2Request decodes the input as an HPACK header block, as the
// server's reader does, and checks what parseH2Request accepts: nothing
// malformed reaches a handler, whatever the bytes.
func FuzzParseH2Request(f *testing.F) {
	var buf bytes.Buffer
	enc := hpack.NewEncoder(&buf)
	seed := func(kv ...string) {
		buf.Reset()
		for _, hf := range fields(kv...) {
			_ = enc.WriteField(hf)
		}
		f.Add(bytes.Clone(buf.Bytes()), false)
		f.Add(bytes.Clone(buf.Bytes()), true)
	}
	seed(h2Request("GET", "/a?b=c", "accept", "*/*", "cookie", "a=1", "cookie", "b=2")...)
	seed(h2Request("POST", "/", "content-length", "3", "trailer", "x-t", "te", "trailers", "expect", "100-continue")...)
	seed(":method", "CONNECT", ":authority", "a:443")
	seed(h2Request("GET", "/", "connection", "close", "X-Up", "1")...)
	f.Fuzz(func(t *testing.T, block []byte, endStream bool) {
		var fs []hpack.HeaderField
		dec := hpack.NewDecoder(4096, func(hf hpack.HeaderField) { fs = append(fs, hf) })
		dec.SetMaxStringLength(16 << 10)
		if _, err := dec.Write(block); err != nil || dec.Close() != nil {
			return
		}
		rq, err := parseH2Request(fs, endStream, nil)
		if err != nil {
			return
		}
		if !validMethod(rq.method) || rq.url == nil {
			t.Fatalf("accepted method %q, url %v", rq.method, rq.url)
		}
		if rq.method != http.MethodConnect && !strings.HasPrefix(rq.requestURI, "/") && rq.requestURI != "*" {
			t.Fatalf("accepted :path %q", rq.requestURI)
		}
		if strings.ContainsAny(rq.authority, "\r\n\x00 @") {
			t.Fatalf("accepted :authority %q", rq.authority)
		}
		if endStream && rq.contentLength != 0 || rq.contentLength < -1 {
			t.Fatalf("content length %d, endStream %v", rq.contentLength, endStream)
		}
		for k, vv := range rq.header {
			if !httpguts.ValidHeaderFieldName(k) || k != http.CanonicalHeaderKey(k) || h2ConnectionHeaders[strings.ToLower(k)] || k == "Host" {
				t.Fatalf("accepted field %q", k)
			}
			for _, v := range vv {
				if !httpguts.ValidHeaderFieldValue(v) {
					t.Fatalf("accepted value %q of %s", v, k)
				}
			}
			if k == "Te" && (len(vv) != 1 || vv[0] != "trailers") {
				t.Fatalf("accepted TE %q", vv)
			}
		}
	})
}
