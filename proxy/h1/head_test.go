package h1

import (
	"bufio"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

// readHead reads one response head from raw as ReadResponse would, through
// a 16-byte read buffer so that long lines span several reads.
func readHead(raw, method string) (*Response, *bufio.Reader, error) {
	return readHeadSize(raw, method, 16)
}

func readHeadSize(raw, method string, size int) (*Response, *bufio.Reader, error) {
	br := bufio.NewReaderSize(strings.NewReader(raw), size)
	c := &Conn{br: br, maxHead: 1 << 10}
	r, err := c.ReadResponse(method)
	return r, br, err
}

func TestParseResponseHead(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		raw       string
		method    string
		status    int
		framing   Framing
		length    int64
		keepAlive bool
		fields    []Field
	}{
		{name: "length", raw: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\n",
			status: 200, framing: Length, length: 5, keepAlive: true,
			fields: []Field{{"Content-Length", "5"}, {"Content-Type", "text/plain"}}},
		{name: "names canonicalised, values trimmed", raw: "HTTP/1.1 200 OK\r\ncontent-length:5\r\nx-a-B:  v w \t\r\n\r\n",
			status: 200, framing: Length, length: 5, keepAlive: true,
			fields: []Field{{"Content-Length", "5"}, {"X-A-B", "v w"}}},
		{name: "chunked", raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n",
			status: 200, framing: Chunked, length: -1, keepAlive: true,
			fields: []Field{{"Transfer-Encoding", "Chunked"}}},
		{name: "chunked wins over Content-Length, which is dropped, and the connection closes",
			raw:    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX: y\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
			status: 200, framing: Chunked, length: -1,
			fields: []Field{{"X", "y"}, {"Transfer-Encoding", "chunked"}}},
		{name: "chunked before Content-Length: the same",
			raw:    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n",
			status: 200, framing: Chunked, length: -1,
			fields: []Field{{"Transfer-Encoding", "chunked"}}},
		{name: "a 204 with both has no body and closes",
			raw:    "HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n",
			status: 204, framing: NoBody, length: -1,
			fields: []Field{{"Transfer-Encoding", "chunked"}}},
		{name: "no length: until close", raw: "HTTP/1.1 200 OK\r\nX: y\r\n\r\n",
			status: 200, framing: UntilClose, length: -1, fields: []Field{{"X", "y"}}},
		{name: "connection close", raw: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive, Close\r\n\r\n",
			status: 200, framing: Length, length: 0,
			fields: []Field{{"Content-Length", "0"}, {"Connection", "keep-alive, Close"}}},
		{name: "HTTP/1.0 closes by default", raw: "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n",
			status: 200, framing: Length, length: 1, fields: []Field{{"Content-Length", "1"}}},
		{name: "HTTP/1.0 keep-alive", raw: "HTTP/1.0 200 OK\r\nContent-Length: 1\r\nConnection: keep-alive\r\n\r\n",
			status: 200, framing: Length, length: 1, keepAlive: true,
			fields: []Field{{"Content-Length", "1"}, {"Connection", "keep-alive"}}},
		{name: "HEAD has no body", raw: "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", method: "HEAD",
			status: 200, framing: NoBody, length: 100, keepAlive: true, fields: []Field{{"Content-Length", "100"}}},
		{name: "204 has no body", raw: "HTTP/1.1 204 No Content\r\n\r\n", status: 204, framing: NoBody, length: -1, keepAlive: true},
		{name: "304 has no body", raw: "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n",
			status: 304, framing: NoBody, length: -1, keepAlive: true, fields: []Field{{"Transfer-Encoding", "chunked"}}},
		{name: "1xx", raw: "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n",
			status: 103, framing: NoBody, length: -1, keepAlive: true, fields: []Field{{"Link", "</a>"}}},
		{name: "bare LF lines", raw: "HTTP/1.1 200 OK\nContent-Length: 2\n\n",
			status: 200, framing: Length, length: 2, keepAlive: true, fields: []Field{{"Content-Length", "2"}}},
		{name: "no reason phrase", raw: "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n",
			status: 200, framing: Length, length: 0, keepAlive: true, fields: []Field{{"Content-Length", "0"}}},
		{name: "identical repeated Content-Length", raw: "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n",
			status: 200, framing: Length, length: 3, keepAlive: true,
			fields: []Field{{"Content-Length", "3"}, {"Content-Length", "3"}}},
		{name: "empty value and obs-text", raw: "HTTP/1.1 200 OK\r\nA:\r\nB: caf\xc3\xa9\r\nContent-Length: 0\r\n\r\n",
			status: 200, framing: Length, length: 0, keepAlive: true,
			fields: []Field{{"A", ""}, {"B", "caf\xc3\xa9"}, {"Content-Length", "0"}}},
		{name: "a line longer than the read buffer", raw: "HTTP/1.1 200 OK\r\nX-Long: " + strings.Repeat("v", 100) + "\r\nContent-Length: 0\r\n\r\n",
			status: 200, framing: Length, length: 0, keepAlive: true,
			fields: []Field{{"X-Long", strings.Repeat("v", 100)}, {"Content-Length", "0"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			method := tc.method
			if method == "" {
				method = "GET"
			}
			r, _, err := readHead(tc.raw, method)
			if err != nil {
				t.Fatalf("error %v", err)
			}
			if r.StatusCode != tc.status || r.Framing != tc.framing || r.ContentLength != tc.length || r.KeepAlive != tc.keepAlive {
				t.Errorf("got status %d framing %d length %d keep-alive %v, want %d %d %d %v",
					r.StatusCode, r.Framing, r.ContentLength, r.KeepAlive, tc.status, tc.framing, tc.length, tc.keepAlive)
			}
			if len(r.Fields) != 0 || len(tc.fields) != 0 {
				if !reflect.DeepEqual(r.Fields, tc.fields) {
					t.Errorf("fields %q, want %q", r.Fields, tc.fields)
				}
			}
		})
	}
}

func TestParseResponseHeadRejects(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"empty status line":                   "\r\nHTTP/1.1 200 OK\r\n\r\n",
		"HTTP/2 in a status line":             "HTTP/2.0 200 OK\r\n\r\n",
		"HTTP/1.2":                            "HTTP/1.2 200 OK\r\n\r\n",
		"lower-case version":                  "http/1.1 200 OK\r\n\r\n",
		"two-digit status":                    "HTTP/1.1 20 OK\r\n\r\n",
		"four-digit status":                   "HTTP/1.1 2000 OK\r\n\r\n",
		"status 099":                          "HTTP/1.1 099 X\r\n\r\n",
		"status 600":                          "HTTP/1.1 600 X\r\n\r\n",
		"tab after status":                    "HTTP/1.1 200\tOK\r\n\r\n",
		"control in reason":                   "HTTP/1.1 200 O\x01K\r\n\r\n",
		"obs-fold":                            "HTTP/1.1 200 OK\r\nX: a\r\n b\r\nContent-Length: 0\r\n\r\n",
		"space before colon":                  "HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\n",
		"no colon":                            "HTTP/1.1 200 OK\r\nContent-Length\r\n\r\n",
		"empty name":                          "HTTP/1.1 200 OK\r\n: v\r\n\r\n",
		"bad name byte":                       "HTTP/1.1 200 OK\r\nX(Y): v\r\n\r\n",
		"NUL in value":                        "HTTP/1.1 200 OK\r\nX: a\x00b\r\n\r\n",
		"bare CR in value":                    "HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n",
		"DEL in value":                        "HTTP/1.1 200 OK\r\nX: a\x7fb\r\n\r\n",
		"Content-Length not a number":         "HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\n",
		"Content-Length with a sign":          "HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n",
		"Content-Length negative":             "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
		"Content-Length empty":                "HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n",
		"Content-Length list":                 "HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n",
		"Content-Length huge":                 "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
		"Content-Length conflict":             "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
		"Transfer-Encoding gzip":              "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
		"Transfer-Encoding gzip, chunked":     "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
		"Transfer-Encoding chunked twice":     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
		"Transfer-Encoding identity":          "HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\r\n",
		"Transfer-Encoding empty":             "HTTP/1.1 200 OK\r\nTransfer-Encoding: \r\n\r\n",
		"Transfer-Encoding in HTTP/1.0":       "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
		"bad Content-Length even on 304":      "HTTP/1.1 304 Not Modified\r\nContent-Length: x\r\n\r\n",
		"Transfer-Encoding with vertical tab": "HTTP/1.1 200 OK\r\nTransfer-Encoding: \x0bchunked\r\n\r\n",
	}
	for name, raw := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, _, err := readHead(raw, "GET")
			var pe *ProtocolError
			if !errors.As(err, &pe) {
				t.Errorf("error %v, want a ProtocolError", err)
			}
		})
	}
}

func TestReadResponseEnds(t *testing.T) {
	t.Parallel()
	if _, _, err := readHead("", "GET"); err != io.EOF {
		t.Errorf("nothing sent: error %v, want io.EOF (the connection closed before a response)", err)
	}
	if _, _, err := readHead("HTTP/1.1 200 OK\r\nContent-Le", "GET"); err != io.ErrUnexpectedEOF {
		t.Errorf("cut-off head: error %v, want io.ErrUnexpectedEOF", err)
	}
	big := "HTTP/1.1 200 OK\r\nX: " + strings.Repeat("a", 2000) + "\r\n\r\n"
	if _, _, err := readHead(big, "GET"); err != ErrHeadTooLarge {
		t.Errorf("2 KB head with a 1 KiB limit: error %v, want ErrHeadTooLarge", err)
	}
}

func TestResponseHeadsInSequence(t *testing.T) {
	t.Parallel()
	// A 100 and a 103 before the final response, on one reader.
	raw := "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s>\r\n\r\n" +
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
	br := bufio.NewReaderSize(strings.NewReader(raw), 16)
	c := &Conn{br: br, maxHead: 1 << 10}
	for _, want := range []int{100, 103, 200} {
		r, err := c.ReadResponse("GET")
		if err != nil || r.StatusCode != want {
			t.Fatalf("got %v, %v; want status %d", r, err, want)
		}
	}
	body, err := io.ReadAll(c.Body())
	if err != nil || string(body) != "ok" || !c.Body().Done() {
		t.Errorf("body %q, %v", body, err)
	}
}
