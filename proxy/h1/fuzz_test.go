package h1

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"testing"
)

// FuzzReadResponse reads arbitrary bytes as a response (with its 1xx heads
// and body) and checks, beyond not panicking, that whatever this package
// accepts net/http accepts too, with the same status, the same body and —
// the point of strict framing — the same bytes left over for the next
// response on the connection.
//
//	go test ./proxy/h1 -run '^$' -fuzz FuzzReadResponse -fuzztime 60s
func FuzzReadResponse(f *testing.F) {
	seeds := []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloNEXT",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX: y\r\n\r\nNEXT",
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
		"HTTP/1.0 200 OK\r\n\r\nuntil close",
		"HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\nContent-Length: 1\n\nx",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;ext\r\nabc\r\n0\r\n\r\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s), false)
	}
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"), true)
	f.Fuzz(func(t *testing.T, data []byte, head bool) {
		method := "GET"
		if head {
			method = "HEAD"
		}
		status, body, rest, ok := readAll(data, method)
		if !ok {
			return // refused: nothing to compare
		}
		goStatus, goBody, goRest, err := readAllNetHTTP(data, method)
		if err != nil {
			t.Fatalf("accepted (status %d, body %q) what net/http refuses: %v", status, body, err)
		}
		if status != goStatus || !bytes.Equal(body, goBody) || !bytes.Equal(rest, goRest) {
			t.Fatalf("disagreement with net/http:\n  h1:       %d body %q rest %q\n  net/http: %d body %q rest %q",
				status, body, rest, goStatus, goBody, goRest)
		}
	})
}

// readAll reads one final response (after up to five 1xx) with this
// package and returns its status, body and the bytes left unread.
func readAll(data []byte, method string) (status int, body, rest []byte, ok bool) {
	br := bufio.NewReaderSize(bytes.NewReader(data), readBufferSize)
	c := &Conn{br: br, maxHead: 1 << 16}
	var r *Response
	for range 6 {
		var err error
		if r, err = c.ReadResponse(method); err != nil {
			return 0, nil, nil, false
		}
		if r.StatusCode >= 200 || r.StatusCode == 101 {
			break
		}
	}
	if r.StatusCode < 200 {
		return 0, nil, nil, false
	}
	body, err := io.ReadAll(c.Body())
	if err != nil {
		return 0, nil, nil, false
	}
	if r.Framing == Length && int64(len(body)) != r.ContentLength {
		panic("length-delimited body of the wrong length")
	}
	rest, _ = io.ReadAll(br)
	return r.StatusCode, body, rest, true
}

// readAllNetHTTP is readAll with net/http's client parser.
func readAllNetHTTP(data []byte, method string) (status int, body, rest []byte, err error) {
	br := bufio.NewReaderSize(bytes.NewReader(data), readBufferSize)
	req, _ := http.NewRequest(method, "http://backend/", nil)
	for {
		resp, err := http.ReadResponse(br, req)
		if err != nil {
			return 0, nil, nil, err
		}
		if resp.StatusCode >= 200 || resp.StatusCode == 101 {
			body, err = io.ReadAll(resp.Body)
			if err != nil {
				return 0, nil, nil, err
			}
			rest, _ = io.ReadAll(br)
			return resp.StatusCode, body, rest, nil
		}
		if resp.StatusCode < 100 {
			return 0, nil, nil, errors.New("status below 100")
		}
	}
}
