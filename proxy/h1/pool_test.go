package h1

import (
	"bufio"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// rawServer accepts connections on loopback and hands each to serve.
func rawServer(t *testing.T, serve func(c net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				serve(c)
			}()
		}
	}()
	return l.Addr().String()
}

// exchange sends a GET on c and reads the whole response body.
func exchange(t *testing.T, c *Conn) string {
	t.Helper()
	_ = WriteRequestLine(c.Writer(), "GET", "/")
	_ = WriteField(c.Writer(), "Host", "x")
	c.Writer().WriteString("\r\n")
	if err := c.Writer().Flush(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ReadResponse("GET"); err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(c.Body())
	if err != nil {
		t.Fatal(err)
	}
	return string(body)
}

func dial(t *testing.T, addr string) *Conn {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return NewConn(nc, 1<<16)
}

// okAnswer is the test servers' answer to a request.
const okAnswer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

// answerEach answers every request on c with okAnswer.
func answerEach(c net.Conn) {
	br := bufio.NewReader(c)
	for waitRequest(br) {
		io.WriteString(c, okAnswer)
	}
}

// waitRequest reads one request head from br.
func waitRequest(br *bufio.Reader) bool {
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return false
		}
		if line == "\r\n" {
			return true
		}
	}
}

func TestPoolReusesAFullyReadConnection(t *testing.T) {
	t.Parallel()
	addr := rawServer(t, answerEach)
	var p Pool
	c := dial(t, addr)
	if got := exchange(t, c); got != "ok" {
		t.Fatalf("body %q", got)
	}
	p.Put(c)
	again := p.Get(time.Now())
	if again != c {
		t.Fatal("a connection read to its end was not reused")
	}
	if !again.Reused() || exchange(t, again) != "ok" {
		t.Error("second exchange on the reused connection failed")
	}
}

func TestPoolRefusesConnectionsThatCannotCarryAnother(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"bytes beyond the framing":    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nforged",
		"body after a 204":            "HTTP/1.1 204 No Content\r\n\r\nsmuggled",
		"connection close":            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
		"HTTP/1.0 without keep-alive": "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
	}
	for name, resp := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			addr := rawServer(t, func(c net.Conn) {
				br := bufio.NewReader(c)
				for waitRequest(br) {
					io.WriteString(c, resp)
				}
			})
			var p Pool
			c := dial(t, addr)
			exchange(t, c)
			p.Put(c)
			if p.Len() != 0 {
				t.Error("the connection was pooled")
			}
		})
	}
}

func TestPoolRefusesAResponseNotReadToItsEnd(t *testing.T) {
	t.Parallel()
	addr := rawServer(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		for waitRequest(br) {
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello")
		}
	})
	var p Pool
	c := dial(t, addr)
	c.Writer().WriteString("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	c.Writer().Flush()
	if _, err := c.ReadResponse("GET"); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 5)
	io.ReadFull(c.Body(), buf)
	p.Put(c)
	if p.Len() != 0 {
		t.Error("a connection with half a body left was pooled")
	}
}

func TestPoolSkipsIdleConnectionsTheBackendClosedOrWroteTo(t *testing.T) {
	t.Parallel()
	for name, after := range map[string]func(net.Conn){
		"closed":      func(c net.Conn) { c.Close() },
		"unsolicited": func(c net.Conn) { io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nforged") },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			answered := make(chan net.Conn, 1)
			addr := rawServer(t, func(c net.Conn) {
				br := bufio.NewReader(c)
				if waitRequest(br) {
					io.WriteString(c, okAnswer)
					answered <- c
				}
				time.Sleep(time.Second)
			})
			var p Pool
			c := dial(t, addr)
			exchange(t, c)
			p.Put(c)
			after(<-answered)
			// The peer's FIN or bytes reach the socket shortly.
			deadline := time.Now().Add(5 * time.Second)
			for {
				got := p.Get(time.Now())
				if got == nil {
					return
				}
				if time.Now().After(deadline) {
					t.Fatal("the pool kept handing out the connection")
				}
				got.exchanges = 1
				p.mu.Lock()
				p.idle = append(p.idle, got)
				p.mu.Unlock()
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
}

func TestPoolIdleTimeout(t *testing.T) {
	t.Parallel()
	addr := rawServer(t, answerEach)
	p := Pool{IdleTimeout: 50 * time.Millisecond}
	c := dial(t, addr)
	exchange(t, c)
	p.Put(c)
	deadline := time.Now().Add(5 * time.Second)
	for p.Len() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("an idle connection outlived its timeout")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestWriteRequest(t *testing.T) {
	t.Parallel()
	var sb strings.Builder
	w := bufio.NewWriter(&sb)
	if err := WriteRequestLine(w, "GET", "/a?b"); err != nil {
		t.Fatal(err)
	}
	_ = WriteField(w, "Host", "app.test")
	_ = WriteContentLength(w, 12)
	cw := ChunkedWriter{W: w}
	w.WriteString("\r\n")
	cw.Write([]byte("hello"))
	cw.Write(nil)
	_ = cw.Close([]Field{{"X-Sum", "1"}})
	w.Flush()
	want := "GET /a?b HTTP/1.1\r\nHost: app.test\r\nContent-Length: 12\r\n\r\n5\r\nhello\r\n0\r\nX-Sum: 1\r\n\r\n"
	if sb.String() != want {
		t.Errorf("wrote %q, want %q", sb.String(), want)
	}
	for name, err := range map[string]error{
		"space in method":  WriteRequestLine(w, "GE T", "/"),
		"space in target":  WriteRequestLine(w, "GET", "/a b"),
		"CR in target":     WriteRequestLine(w, "GET", "/a\rb"),
		"empty target":     WriteRequestLine(w, "GET", ""),
		"colon in name":    WriteField(w, "A:B", "v"),
		"LF in value":      WriteField(w, "A", "v\nInjected: 1"),
		"NUL in value":     WriteFieldBytes(w, "A", []byte("v\x00")),
		"CR in trailer":    cw.Close([]Field{{"A", "v\r"}}),
		"bad trailer name": cw.Close([]Field{{"A B", "v"}}),
	} {
		if err != ErrInvalidRequest {
			t.Errorf("%s: error %v, want ErrInvalidRequest", name, err)
		}
	}
}
