package h1

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"
)

// readOK reads a response to a GET on c and checks that it is okAnswer.
func readOK(t *testing.T, c *Conn) {
	t.Helper()
	if _, err := c.ReadResponse("GET"); err != nil {
		t.Fatal(err)
	}
	if body, err := io.ReadAll(c.Body()); err != nil || string(body) != "ok" {
		t.Fatalf("body %q, %v", body, err)
	}
}

// writeGet buffers a GET on c, for FlushAwait to send.
func writeGet(c *Conn) {
	_ = WriteRequestLine(c.Writer(), "GET", "/")
	_ = WriteField(c.Writer(), "Host", "x")
	c.Writer().WriteString("\r\n")
}

func TestFlushAwaitReturnsOnceTheResponseBegins(t *testing.T) {
	t.Parallel()
	const delay = 80 * time.Millisecond
	addr := rawServer(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		for waitRequest(br) {
			time.Sleep(delay)
			io.WriteString(c, okAnswer)
		}
	})
	c := dial(t, addr)
	for i := range 3 {
		writeGet(c)
		start := time.Now()
		if err := c.FlushAwait(); err != nil {
			t.Fatal(err)
		}
		// The server answers only after the delay: a FlushAwait that did
		// not wait (a plain Flush) returns at once.
		if waited := time.Since(start); waited < delay/2 {
			t.Fatalf("exchange %d: FlushAwait returned after %v, before the response was sent", i, waited)
		}
		readOK(t, c)
		if !c.finish() {
			t.Fatalf("exchange %d: the connection cannot carry another", i)
		}
	}
}

func TestFlushAwaitMissesNoFastResponse(t *testing.T) {
	t.Parallel()
	// The backend answers as soon as it can; a readiness the wait missed
	// would leave the exchange to the read deadline.
	addr := rawServer(t, answerEach)
	c := dial(t, addr)
	for i := range 2000 {
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		writeGet(c)
		if err := c.FlushAwait(); err != nil {
			t.Fatal(err)
		}
		if _, err := c.ReadResponse("GET"); err != nil {
			t.Fatalf("exchange %d: %v", i, err)
		}
		if _, err := io.Copy(io.Discard, c.Body()); err != nil {
			t.Fatal(err)
		}
		if !c.finish() {
			t.Fatalf("exchange %d: the connection cannot carry another", i)
		}
	}
}

func TestFlushAwaitEndsAtTheReadDeadline(t *testing.T) {
	t.Parallel()
	got := make(chan []byte, 1)
	addr := rawServer(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		var head bytes.Buffer
		for {
			line, err := br.ReadString('\n')
			head.WriteString(line)
			if err != nil || line == "\r\n" {
				break
			}
		}
		got <- head.Bytes()
		io.Copy(io.Discard, c) // never answers
	})
	c := dial(t, addr)
	c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	writeGet(c)
	done := make(chan error, 1)
	go func() { done <- c.FlushAwait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("FlushAwait: %v (the write succeeded; the deadline is the read's to report)", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("FlushAwait outlived the read deadline")
	}
	if head := <-got; string(head) != "GET / HTTP/1.1\r\nHost: x\r\n\r\n" {
		t.Errorf("the backend got %q", head)
	}
	_, err := c.ReadResponse("GET")
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("ReadResponse after the deadline: %v, want a timeout", err)
	}
}

func TestFlushAwaitReturnsWhenTheBackendCloses(t *testing.T) {
	t.Parallel()
	addr := rawServer(t, func(c net.Conn) {
		waitRequest(bufio.NewReader(c)) // then closes
	})
	c := dial(t, addr)
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	writeGet(c)
	if err := c.FlushAwait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ReadResponse("GET"); err != io.EOF {
		t.Errorf("ReadResponse: %v, want io.EOF (closed before a byte of a response)", err)
	}
}

func TestFlushAwaitReportsAWriteErrorAsConnWriteDoes(t *testing.T) {
	t.Parallel()
	dialed, reset := make(chan struct{}), make(chan struct{})
	addr := rawServer(t, func(c net.Conn) {
		<-dialed
		c.(*net.TCPConn).SetLinger(0) // close with a reset
		c.Close()
		close(reset)
	})
	c := dial(t, addr)
	close(dialed)
	<-reset
	// Until the reset has arrived a write still succeeds; the first
	// write after it fails.
	var err error
	for deadline := time.Now().Add(10 * time.Second); err == nil && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		c.SetReadDeadline(time.Now().Add(time.Second))
		writeGet(c)
		err = c.FlushAwait()
	}
	var oe *net.OpError
	if !errors.As(err, &oe) || oe.Op != "write" {
		t.Fatalf("FlushAwait on a reset connection: %v, want a *net.OpError of a write", err)
	}
	if !errors.Is(err, syscall.EPIPE) && !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("FlushAwait on a reset connection: %v, want EPIPE or ECONNRESET", err)
	}
}

func TestWriteAwaitFinishesAShortWrite(t *testing.T) {
	t.Parallel()
	// More than the socket buffers take at once: the non-blocking write is
	// short and nc's Write sends the rest.
	payload := bytes.Repeat([]byte("0123456789abcdef"), 1<<18) // 4 MiB
	got := make(chan int, 1)
	addr := rawServer(t, func(c net.Conn) {
		time.Sleep(50 * time.Millisecond) // let the sender fill the buffers
		n, _ := io.CopyN(io.Discard, c, int64(len(payload)))
		got <- int(n)
		io.WriteString(c, "HTTP/1.1 204 No Content\r\n\r\n")
		io.Copy(io.Discard, c)
	})
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.(*net.TCPConn).SetWriteBuffer(64 << 10)
	c := NewConn(nc, 1<<16)
	c.SetDeadlines(time.Now().Add(10*time.Second), time.Now().Add(10*time.Second))
	n, err := c.writeAwait(payload)
	if err != nil || n != len(payload) {
		t.Fatalf("writeAwait: %d of %d bytes, %v", n, len(payload), err)
	}
	if got := <-got; got != len(payload) {
		t.Fatalf("the backend got %d of %d bytes", got, len(payload))
	}
	if _, err := c.ReadResponse("GET"); err != nil {
		t.Fatal(err)
	}
}

func TestFlushAwaitWithoutADescriptorIsFlush(t *testing.T) {
	t.Parallel()
	a, b := net.Pipe()
	t.Cleanup(func() { a.Close(); b.Close() })
	go func() {
		br := bufio.NewReader(b)
		if waitRequest(br) {
			io.WriteString(b, okAnswer)
		}
	}()
	c := NewConn(a, 1<<16)
	writeGet(c)
	if err := c.FlushAwait(); err != nil {
		t.Fatal(err)
	}
	readOK(t, c)
}

// TestFlushAwaitChecksAnUncheckedIdleConnection: a connection from
// GetUnchecked is checked as FlushAwait writes, after the runtime has
// forgotten the socket's past readiness, so a close or bytes that came
// while it sat idle, even just before the flush, fail it with
// ErrIdleUnfit and nothing is written.
func TestFlushAwaitChecksAnUncheckedIdleConnection(t *testing.T) {
	t.Parallel()
	for name, after := range map[string]func(net.Conn){
		// A lingering close: the backend stops writing but still reads,
		// so the request would go out and no reset would follow.
		"half-closed": func(c net.Conn) { c.(*net.TCPConn).CloseWrite() },
		"unsolicited": func(c net.Conn) { io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nforged") },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			answered := make(chan net.Conn, 1)
			extra := make(chan int, 1)
			addr := rawServer(t, func(c net.Conn) {
				br := bufio.NewReader(c)
				if waitRequest(br) {
					io.WriteString(c, okAnswer)
					answered <- c
				}
				c.SetReadDeadline(time.Now().Add(2 * time.Second))
				n, _ := io.Copy(io.Discard, br)
				extra <- int(n)
			})
			var p Pool
			c := dial(t, addr)
			exchange(t, c)
			p.Put(c)
			after(<-answered)
			got := p.GetUnchecked(time.Now())
			if got != c {
				t.Fatal("GetUnchecked did not hand out the idle connection")
			}
			// Give the FIN or bytes time to arrive and be seen by the
			// runtime's poller before the flush.
			time.Sleep(100 * time.Millisecond)
			got.SetReadDeadline(time.Now().Add(5 * time.Second))
			writeGet(got)
			start := time.Now()
			if err := got.FlushAwait(); err != ErrIdleUnfit {
				t.Fatalf("FlushAwait: %v after %v, want ErrIdleUnfit", err, time.Since(start))
			}
			if got.finish() {
				t.Error("an unfit connection may carry another exchange")
			}
			got.Close()
			if n := <-extra; n != 0 {
				t.Errorf("the backend got %d bytes of a request sent on an unfit connection", n)
			}
		})
	}
}

func TestGetUncheckedHandsOutAHealthyConnection(t *testing.T) {
	t.Parallel()
	addr := rawServer(t, answerEach)
	var p Pool
	c := dial(t, addr)
	exchange(t, c)
	p.Put(c)
	got := p.GetUnchecked(time.Now())
	if got != c || !got.Reused() {
		t.Fatal("the idle connection was not handed out")
	}
	got.SetReadDeadline(time.Now().Add(5 * time.Second))
	writeGet(got)
	if err := got.FlushAwait(); err != nil {
		t.Fatal(err)
	}
	readOK(t, got)
}
