package proxy

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/firsthop/firsthop/model"
)

// Class 6 of the hostile catalogue: resource exhaustion. An attacker
// holds connections open, trickles bytes, or floods HTTP/2 frames. Other
// clients must still be served, every attacking connection must end
// within the limits configured (or when the attacker leaves), and
// goroutines must come back to where they were.
//
// These tests do not call t.Parallel: they count goroutines, and while
// they run every parallel test is paused. Their bounds are generous; a
// loaded machine makes them slower, not flaky.

// goroutineSlack is how many goroutines above the baseline count as "back
// to the baseline": the runtime and the test framework start a few.
const goroutineSlack = 8

// waitGoroutines polls until at most base+goroutineSlack goroutines run.
func waitGoroutines(t testing.TB, base int) {
	t.Helper()
	deadline := time.Now().Add(3 * hostileDeadline)
	for {
		n := runtime.NumGoroutine()
		if n <= base+goroutineSlack {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("%d goroutines still run, %d before the attack:\n%s", n, base, buf)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// peak is the most goroutines and heap seen while sampling.
type peak struct {
	goroutines int
	heap       uint64 // runtime.MemStats.HeapInuse
}

// samplePeak samples the goroutine count and the heap in use until stop
// is closed and returns the highest of each.
func samplePeak(stop <-chan struct{}) <-chan peak {
	out := make(chan peak, 1)
	go func() {
		var p peak
		var ms runtime.MemStats
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			p.goroutines, p.heap = max(p.goroutines, runtime.NumGoroutine()), max(p.heap, ms.HeapInuse)
			select {
			case <-stop:
				out <- p
				return
			case <-tick.C:
			}
		}
	}()
	return out
}

// heapInUse returns runtime.MemStats.HeapInuse after a collection.
func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// wantServed fails t unless a well-behaved client gets its answer now.
func wantServed(t testing.TB, addr string) {
	t.Helper()
	got := sendRaw(t, addr, "GET /innocent HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n")
	if len(got) != 1 || got[0].status != http.StatusOK || got[0].body != "seen /innocent" {
		t.Fatalf("a well-behaved client got %+v while under attack, want its 200", got)
	}
}

// waitClosedByServer fails t unless the server closes c (end of file or
// reset, after any bytes) before hostileDeadline.
func waitClosedByServer(t testing.TB, c net.Conn) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(hostileDeadline))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server kept an attacking connection open for %v", hostileDeadline)
	}
}

// exhaustionProxy starts a raw backend and a proxy in front of it on a
// listener with ls's limits.
func exhaustionProxy(t *testing.T, ls model.ListenerSpec, respond func(*http.Request) string) (*rawBackend, *testProxy) {
	t.Helper()
	b := startRawBackend(t, respond)
	ls.Name, ls.Address = "public", "127.0.0.1:0"
	p := startProxyWith(t, oneBackend(b.addr), Options{Listeners: []model.ListenerSpec{ls}})
	return b, p
}

// attackers opens n connections to addr and writes start on each.
func attackers(t *testing.T, addr string, n int, start string) []*net.TCPConn {
	t.Helper()
	conns := make([]*net.TCPConn, n)
	for i := range conns {
		conns[i] = dialProxy(t, addr)
		if _, err := io.WriteString(conns[i], start); err != nil {
			t.Fatal(err)
		}
	}
	return conns
}

func attackerCount(t *testing.T, n int) int {
	if testing.Short() {
		return n / 4
	}
	return n
}

// TestHostileExhaustionSlowHeaders: slowloris. Connections that send part
// of a request head and then stall, or trickle it a byte at a time, are
// closed at the header timeout, however they pace the bytes; meanwhile
// others are served.
func TestHostileExhaustionSlowHeaders(t *testing.T) {
	base := runtime.NumGoroutine()
	b, p := exhaustionProxy(t, model.ListenerSpec{ReadHeaderTimeout: time.Second}, nil)
	n := attackerCount(t, 200)

	t.Run("connections that stall inside the request head are closed at the header timeout", func(t *testing.T) {
		conns := attackers(t, p.addr, n, "GET /slow HTTP/1.1\r\nHost: app.test\r\nX-Slow: ")
		wantServed(t, p.addr)
		for _, c := range conns {
			waitClosedByServer(t, c)
		}
	})
	t.Run("a connection that trickles its head a byte at a time is closed at the header timeout", func(t *testing.T) {
		c := dialProxy(t, p.addr)
		began := time.Now()
		var err error
		for i := 0; err == nil && time.Since(began) < hostileDeadline; i++ {
			_, err = c.Write([]byte("GET /slow HTTP/1.1\r\nHost: app.test\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"[i%60 : i%60+1]))
			time.Sleep(10 * time.Millisecond) // the attacker's pace
		}
		if err == nil {
			t.Fatalf("the server still read a trickled head after %v", hostileDeadline)
		}
	})
	t.Run("silent connections are closed at the header timeout", func(t *testing.T) {
		conns := attackers(t, p.addr, n, "")
		wantServed(t, p.addr)
		for _, c := range conns {
			waitClosedByServer(t, c)
		}
	})
	for _, r := range allRequests(b.settle(t, p)) {
		if r.URI != "/innocent" {
			t.Errorf("the backend got a request for %s from a slow head", r.URI)
		}
	}
	waitGoroutines(t, base)
}

// TestHostileExhaustionSlowBodies: slow request bodies. With a body
// timeout they are cut at it and answered 408; without one (the default)
// they hold only their own connection and upstream connection, others are
// served, and all of it is released when the attacker leaves.
func TestHostileExhaustionSlowBodies(t *testing.T) {
	n := attackerCount(t, 40)
	head := "POST /slow HTTP/1.1\r\nHost: app.test\r\nContent-Length: 1000000\r\n\r\nsome"

	t.Run("bodies that stall are cut at the body timeout", func(t *testing.T) {
		base := runtime.NumGoroutine()
		b, p := exhaustionProxy(t, model.ListenerSpec{RequestBodyTimeout: 300 * time.Millisecond}, nil)
		conns := attackers(t, p.addr, n, head)
		wantServed(t, p.addr)
		for _, c := range conns {
			got, _ := readAll(c)
			if len(got) != 1 || got[0].status != http.StatusRequestTimeout {
				t.Errorf("a stalled body got statuses %v, want [408]", statuses(got))
			}
			c.Close()
		}
		// settle fails if an upstream connection of a cut body stays open.
		b.settle(t, p)
		waitGoroutines(t, base)
	})
	t.Run("without a body timeout stalled bodies hold nothing but their own connections", func(t *testing.T) {
		base := runtime.NumGoroutine()
		b, p := exhaustionProxy(t, model.ListenerSpec{}, nil)
		conns := attackers(t, p.addr, n, head)
		waitFor(t, "the stalled requests to reach the backend", func() bool {
			return len(b.snapshot()) >= n
		})
		wantServed(t, p.addr)
		for _, c := range conns {
			c.Close()
		}
		waitFor(t, "the upstream connections of the stalled bodies to close", func() bool {
			open := 0
			for _, c := range b.snapshot() {
				if !c.closed {
					open++
				}
			}
			// The well-behaved client's may stay idle in the pool.
			return open <= 1
		})
		b.settle(t, p)
		waitGoroutines(t, base)
	})
}

// TestHostileExhaustionConnections: many connections at once, idle or
// keeping alive, are closed by the idle and header timeouts, and others
// are served meanwhile.
func TestHostileExhaustionConnections(t *testing.T) {
	base := runtime.NumGoroutine()
	b, p := exhaustionProxy(t, model.ListenerSpec{ReadHeaderTimeout: time.Second, IdleTimeout: 300 * time.Millisecond}, nil)
	n := attackerCount(t, 400)
	t.Run("kept-alive connections left idle after a request are closed at the idle timeout", func(t *testing.T) {
		conns := attackers(t, p.addr, n/4, "GET /keep HTTP/1.1\r\nHost: app.test\r\n\r\n")
		wantServed(t, p.addr)
		for _, c := range conns {
			waitClosedByServer(t, c)
		}
	})
	t.Run("hundreds of silent connections do not keep others from being served", func(t *testing.T) {
		conns := attackers(t, p.addr, n, "")
		wantServed(t, p.addr)
		for _, c := range conns {
			waitClosedByServer(t, c)
		}
	})
	b.settle(t, p)
	waitGoroutines(t, base)
}

// h2Flood writes frames made by next on c, buffered, until next returns
// io.EOF, the server stops the flood (a write fails), limit bytes have been
// written, or d has passed. It returns how many bytes reached the socket
// and the error that ended the flood: io.EOF when next ran out, a timeout
// when d passed, errFloodLimit at the limit. With read set, what the
// server sends is read and dropped, so that its answers cannot block it
// and only its limits stop the flood; without, its answers pile up.
func h2Flood(c *h2Client, limit int, d time.Duration, read bool, next func(fr *http2.Framer, i int) error) (int, error) {
	_ = c.conn.SetDeadline(time.Now().Add(d))
	cw := &countingWriter{w: c.conn}
	bw := bufio.NewWriterSize(cw, 64<<10)
	fr := http2.NewFramer(bw, nil)
	fr.AllowIllegalWrites = true
	if read {
		go func() { _, _ = io.Copy(io.Discard, c.conn) }()
	}
	for i := 0; ; i++ {
		if cw.n.Load() >= int64(limit) {
			return int(cw.n.Load()), errFloodLimit
		}
		if err := next(fr, i); err != nil {
			if errors.Is(err, io.EOF) {
				err = bw.Flush()
				if err == nil {
					err = io.EOF
				}
			}
			return int(cw.n.Load()), err
		}
	}
}

var errFloodLimit = errors.New("the server never stopped the flood")

// wantFloodStopped fails t unless err says the server ended the
// connection (a write failed other than by timing out).
func wantFloodStopped(t testing.TB, wrote int, err error) {
	t.Helper()
	var ne net.Error
	switch {
	case errors.Is(err, errFloodLimit):
		t.Errorf("the server read %d bytes of the flood without ending the connection", wrote)
	case errors.As(err, &ne) && ne.Timeout():
		t.Errorf("the flood was still going after %d bytes and %v", wrote, 3*hostileDeadline)
	case err == nil || errors.Is(err, io.EOF):
		t.Errorf("the flood ran out (%d bytes) before the server ended it", wrote)
	}
}

type countingWriter struct {
	w io.Writer
	n atomic.Int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n.Add(int64(n))
	return n, err
}

// floodLimit is how much a flood may write before the test decides the
// server is not going to stop it: far more than any limit plus the
// socket buffers of a loopback connection.
const floodLimit = 256 << 20

// maxFloodHeap bounds how much the heap may grow during a flood: a few
// header limits and queues, far less than the flood itself.
const maxFloodHeap = 64 << 20

// TestHostileExhaustionHTTP2: HTTP/2 floods. Each must end with the
// connection closed (or, for rapid reset, with work bounded by the
// concurrent stream limit), goroutines bounded meanwhile, and other
// clients served.
func TestHostileExhaustionHTTP2(t *testing.T) {
	// Not parallel, nor its servers: it counts goroutines and heap.
	for _, s := range h2Servers {
		t.Run(s.name, func(t *testing.T) { testHostileExhaustionHTTP2(t, s.server) })
	}
}

func testHostileExhaustionHTTP2(t *testing.T, server model.HTTP2Server) {
	const streams = 20
	base := runtime.NumGoroutine()
	hold := make(chan struct{})
	b, p := exhaustionProxy(t, model.ListenerSpec{H2C: true, HTTP2Server: server, MaxConcurrentStreams: streams, IdleTimeout: time.Second}, func(req *http.Request) string {
		if req.URL.Path == "/hold" {
			<-hold
		}
		return "HTTP/1.1 200 OK\r\nContent-Length: " + fmt.Sprint(len("seen "+req.URL.Path)) + "\r\n\r\nseen " + req.URL.Path
	})
	// Upstream, each stream in flight costs a handler, a backend
	// connection (two transport goroutines) and the raw backend's
	// goroutine; a few hundred on top covers the servers themselves.
	bound := base + 6*streams + 300

	// flood runs one flood for at most d and checks the bounds that hold
	// whatever the server does about it: goroutines and heap stay
	// bounded, and a well-behaved client is served meanwhile.
	flood := func(t *testing.T, d time.Duration, read bool, next func(fr *http2.Framer, i int) error) (int, error) {
		heap0 := heapInUse()
		stop := make(chan struct{})
		sampled := samplePeak(stop)
		c := dialH2(t, p.addr)
		wrote, err := h2Flood(c, floodLimit, d, read, next)
		wantServed(t, p.addr)
		c.conn.Close()
		close(stop)
		got := <-sampled
		if got.goroutines > bound {
			t.Errorf("%d goroutines ran during the flood, want at most %d", got.goroutines, bound)
		}
		if got.heap > heap0+maxFloodHeap {
			t.Errorf("the heap grew by %d MiB during the flood (%d bytes sent), want at most %d MiB",
				(got.heap-heap0)>>20, wrote, maxFloodHeap>>20)
		}
		return wrote, err
	}
	hdrs := func(c *h2Client, path string) []byte { return c.block(h2Request("GET", path)...) }

	t.Run("rapid reset: HEADERS then RST_STREAM, twenty thousand times, is bounded by the stream limit", func(t *testing.T) {
		c := dialH2(t, p.addr) // for its header encoder
		block := hdrs(c, "/reset")
		_, err := flood(t, 3*hostileDeadline, true, func(fr *http2.Framer, i int) error {
			if i >= 20000 {
				return io.EOF
			}
			id := uint32(2*i + 1)
			if err := fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: block, EndStream: true, EndHeaders: true}); err != nil {
				return err
			}
			return fr.WriteRSTStream(id, http2.ErrCodeCancel)
		})
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Errorf("the server stopped reading the resets but kept the connection open")
		}
	})
	t.Run("server-provoked resets: a bad WINDOW_UPDATE per stream, twenty thousand times, is bounded by the stream limit", func(t *testing.T) {
		c := dialH2(t, p.addr)
		block := hdrs(c, "/made-you-reset")
		_, err := flood(t, 3*hostileDeadline, true, func(fr *http2.Framer, i int) error {
			if i >= 20000 {
				return io.EOF
			}
			id := uint32(2*i + 1)
			if err := fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: block, EndStream: true, EndHeaders: true}); err != nil {
				return err
			}
			return fr.WriteWindowUpdate(id, 0)
		})
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Errorf("the server stopped reading but kept the connection open")
		}
	})
	continuation := func(fragment func(c *h2Client) []byte) func(t *testing.T) {
		return func(t *testing.T) {
			c := dialH2(t, p.addr)
			first, frag := hdrs(c, "/continuation"), fragment(c)
			wrote, err := flood(t, 3*hostileDeadline, true, func(fr *http2.Framer, i int) error {
				if i == 0 {
					return fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: first, EndHeaders: false})
				}
				return fr.WriteContinuation(1, false, frag)
			})
			wantFloodStopped(t, wrote, err)
		}
	}
	t.Run("CONTINUATION flood: endless header fields end the connection",
		continuation(func(c *h2Client) []byte { return c.block("x-junk", strings.Repeat("j", 8000)) }))
	t.Run("CONTINUATION flood: endless empty frames end the connection",
		continuation(func(*h2Client) []byte { return nil }))
	// Floods of frames the server must answer, from a client that never
	// reads the answers: the answers pile up in the server's send queue,
	// which is bounded (the connection is closed when it overflows), or
	// TCP stops both ends. Either way the attack costs bounded memory.
	t.Run("PING flood: answers that are never read cost bounded memory", func(t *testing.T) {
		wrote, err := flood(t, 3*time.Second, false, func(fr *http2.Framer, i int) error {
			return fr.WritePing(false, [8]byte{})
		})
		t.Logf("%d bytes of PINGs, then %v", wrote, err)
	})
	t.Run("SETTINGS flood: acknowledgements that are never read cost bounded memory", func(t *testing.T) {
		wrote, err := flood(t, 3*time.Second, false, func(fr *http2.Framer, i int) error {
			return fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 65535})
		})
		t.Logf("%d bytes of SETTINGS, then %v", wrote, err)
	})
	t.Run("WINDOW_UPDATE flood: frames that need no answer are read and cost bounded memory", func(t *testing.T) {
		wrote, err := flood(t, 3*time.Second, true, func(fr *http2.Framer, i int) error {
			return fr.WriteWindowUpdate(0, 1)
		})
		t.Logf("%d bytes of WINDOW_UPDATEs, then %v", wrote, err)
	})
	t.Run("HPACK bomb: one indexed field repeated past the header limit is refused", func(t *testing.T) {
		c := dialH2(t, p.addr)
		// A 4000-byte field enters the dynamic table once; each
		// repetition after that costs one byte on the wire.
		var blk bytes.Buffer
		enc := hpack.NewEncoder(&blk)
		fields := h2Request("GET", "/bomb")
		for i := 0; i < len(fields); i += 2 {
			_ = enc.WriteField(hpack.HeaderField{Name: fields[i], Value: fields[i+1]})
		}
		big := hpack.HeaderField{Name: "x-bomb", Value: strings.Repeat("b", 4000)}
		for range 2000 { // 8 MB decoded, far over the 64 KiB limit
			_ = enc.WriteField(big)
		}
		if err := c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: blk.Bytes()[:min(blk.Len(), 16000)], EndStream: true, EndHeaders: blk.Len() <= 16000}); err != nil {
			t.Fatal(err)
		}
		rest := blk.Bytes()[min(blk.Len(), 16000):]
		for len(rest) > 0 {
			n := min(len(rest), 16000)
			if err := c.fr.WriteContinuation(1, n == len(rest), rest[:n]); err != nil {
				break // the server may already have hung up
			}
			rest = rest[n:]
		}
		if o := c.await(1); o.status != 0 && o.status != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("the bomb got %v, want 431, a reset or the connection closed", o)
		}
		c.conn.Close()
		wantServed(t, p.addr)
	})
	t.Run("streams over the concurrency limit are refused, not queued without bound", func(t *testing.T) {
		// The backend holds every /hold request, so each stays in flight.
		c := dialH2(t, p.addr)
		block := hdrs(c, "/hold")
		for i := range 10 * streams {
			if err := c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: uint32(2*i + 1), BlockFragment: block, EndStream: true, EndHeaders: true}); err != nil {
				break
			}
		}
		held := func() int {
			n := 0
			for _, r := range allRequests(b.snapshot()) {
				if r.URI == "/hold" {
					n++
				}
			}
			return n
		}
		waitFor(t, "the streams within the limit to reach the backend", func() bool { return held() >= streams })
		wantServed(t, p.addr)
		if n := held(); n > streams {
			t.Errorf("%d requests of one connection were in flight at the backend, want at most %d", n, streams)
		}
		close(hold)
		c.conn.Close()
	})

	t.Logf("the backend received %d requests in all", len(allRequests(b.settle(t, p))))
	waitGoroutines(t, base)
}
