package h1

import (
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

// readBody reads the head and the whole body of the response in raw,
// through a 4 KiB read buffer as a Conn has, and returns the body, its
// trailer, and what was left unread.
func readBody(raw, method string) (body string, trailer []Field, rest string, err error) {
	r, br, err := readHeadSize(raw, method, readBufferSize)
	if err != nil {
		return "", nil, "", err
	}
	var b Body
	b.reset(br, r.Framing, r.ContentLength, 1<<10)
	got, err := io.ReadAll(&b)
	left, _ := io.ReadAll(br)
	return string(got), b.Trailer, string(left), err
}

func TestBody(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, raw string
		method    string
		body      string
		trailer   []Field
		rest      string
	}{
		{name: "length", raw: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloNEXT", body: "hello", rest: "NEXT"},
		{name: "zero length", raw: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nNEXT", rest: "NEXT"},
		{name: "HEAD ignores the length", raw: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nNEXT", method: "HEAD", rest: "NEXT"},
		{name: "204 ignores what follows", raw: "HTTP/1.1 204 No Content\r\n\r\nNEXT", rest: "NEXT"},
		{name: "until close", raw: "HTTP/1.1 200 OK\r\n\r\nall of this", body: "all of this"},
		{name: "chunked", raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
			"5\r\nhello\r\n1A\r\n" + strings.Repeat("z", 26) + "\r\n0\r\n\r\nNEXT",
			body: "hello" + strings.Repeat("z", 26), rest: "NEXT"},
		{name: "chunk extensions", raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
			"5;name=value\r\nhello\r\n3 ; x=\"y\"\r\nabc\r\n0;last\r\n\r\n", body: "helloabc"},
		{name: "trailers", raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: Grpc-Status\r\n\r\n" +
			"2\r\nok\r\n0\r\ngrpc-status: 0\r\nX-Sum:  abc \r\n\r\nNEXT",
			body: "ok", trailer: []Field{{"Grpc-Status", "0"}, {"X-Sum", "abc"}}, rest: "NEXT"},
		{name: "upper-case hex", raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
			"A\r\n0123456789\r\n0\r\n\r\n", body: "0123456789"},
		{name: "16 hex digits", raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
			"0000000000000002\r\nok\r\n0\r\n\r\n", body: "ok"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			method := tc.method
			if method == "" {
				method = "GET"
			}
			body, trailer, rest, err := readBody(tc.raw, method)
			if err != nil {
				t.Fatalf("error %v", err)
			}
			if body != tc.body || rest != tc.rest || !reflect.DeepEqual(trailer, tc.trailer) {
				t.Errorf("body %q trailer %q rest %q, want %q %q %q", body, trailer, rest, tc.body, tc.trailer, tc.rest)
			}
		})
	}
}

func TestBodyRejects(t *testing.T) {
	t.Parallel()
	chunked := "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	tests := map[string]struct {
		raw  string
		want error // nil: any ProtocolError
	}{
		"length cut short":        {"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello", io.ErrUnexpectedEOF},
		"chunked cut short":       {chunked + "5\r\nhel", io.ErrUnexpectedEOF},
		"chunked without end":     {chunked + "5\r\nhello\r\n", io.ErrUnexpectedEOF},
		"no last chunk CRLF":      {chunked + "5\r\nhello\r\n0\r\n", io.ErrUnexpectedEOF},
		"empty size":              {chunked + "\r\nhello\r\n0\r\n\r\n", nil},
		"size with 0x":            {chunked + "0x5\r\nhello\r\n0\r\n\r\n", nil},
		"negative size":           {chunked + "-5\r\nhello\r\n0\r\n\r\n", nil},
		"17 hex digits":           {chunked + "00000000000000005\r\nhello\r\n0\r\n\r\n", nil},
		"size overflowing int64":  {chunked + "8000000000000000\r\n", nil},
		"leading space":           {chunked + " 5\r\nhello\r\n0\r\n\r\n", nil},
		"trailing space, no ext":  {chunked + "5 \r\nhello\r\n0\r\n\r\n", nil},
		"bare LF after size":      {chunked + "5\nhello\r\n0\r\n\r\n", nil},
		"bare LF after data":      {chunked + "5\r\nhello\n0\r\n\r\n", nil},
		"data longer than size":   {chunked + "3\r\nhello\r\n0\r\n\r\n", nil},
		"control in extension":    {chunked + "5;a\x00\r\nhello\r\n0\r\n\r\n", nil},
		"bare LF ending trailers": {chunked + "0\r\nX: y\n\r\n", nil},
		"obs-fold in trailers":    {chunked + "0\r\nX: y\r\n z\r\n\r\n", nil},
		"bad trailer name":        {chunked + "0\r\nX Y: z\r\n\r\n", nil},
		"huge trailers":           {chunked + "0\r\nX: " + strings.Repeat("a", 2000) + "\r\n\r\n", ErrHeadTooLarge},
		"size line too long":      {chunked + "5;" + strings.Repeat("e", 5000) + "\r\nhello\r\n0\r\n\r\n", nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, _, _, err := readBody(tc.raw, "GET")
			var pe *ProtocolError
			switch {
			case tc.want == nil && !errors.As(err, &pe):
				t.Errorf("error %v, want a ProtocolError", err)
			case tc.want != nil && err != tc.want:
				t.Errorf("error %v, want %v", err, tc.want)
			}
		})
	}
}
