package proxy

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2"

	"github.com/firsthop/firsthop/model"
)

// This file holds attacks on HTTP/2's flow control, stream states and
// limits, each run against both HTTP/2 servers (see h2servers_test.go).

// h2HoldProxy starts a proxy in front of a raw backend that holds every
// request for /hold until the test ends, answers /big with size bytes and
// anything else at once with "seen " and its path.
func h2HoldProxy(t *testing.T, ls model.ListenerSpec, size int) (*rawBackend, *testProxy) {
	t.Helper()
	hold := make(chan struct{})
	big := "HTTP/1.1 200 OK\r\nContent-Length: " + strconv.Itoa(size) + "\r\n\r\n" + strings.Repeat("b", size)
	ls.H2C = true
	b, p := exhaustionProxy(t, ls, func(req *http.Request) string {
		switch req.URL.Path {
		case "/hold":
			<-hold
		case "/big":
			return big
		}
		seen := "seen " + req.URL.Path
		return "HTTP/1.1 200 OK\r\nContent-Length: " + strconv.Itoa(len(seen)) + "\r\n\r\n" + seen
	})
	// Registered after the backend's, so run before: its stop waits for
	// the held requests.
	t.Cleanup(func() { close(hold) })
	return b, p
}

// goAwayCode reads frames until a GOAWAY and returns its code; ok is false
// when the connection ends without one.
func (c *h2Client) goAwayCode() (code http2.ErrCode, ok bool) {
	for {
		f, err := c.fr.ReadFrame()
		if err != nil {
			return 0, false
		}
		if ga, isGoAway := f.(*http2.GoAwayFrame); isGoAway {
			return ga.ErrCode, true
		}
	}
}

// TestHostileH2FlowControl: windows pushed past 2^31-1 are errors of the
// connection or the stream (RFC 9113 section 6.9.1), and a client that
// never opens its window costs bounded memory.
func TestHostileH2FlowControl(t *testing.T) {
	t.Parallel()
	forH2Servers(t, func(t *testing.T, server model.HTTP2Server) {
		_, p := h2HoldProxy(t, model.ListenerSpec{HTTP2Server: server}, 4<<20)

		t.Run("a connection window past 2^31-1 ends the connection with FLOW_CONTROL_ERROR", func(t *testing.T) {
			c := dialH2(t, p.addr)
			if err := c.fr.WriteWindowUpdate(0, 1<<31-1); err != nil {
				t.Fatal(err)
			}
			if code, ok := c.goAwayCode(); !ok || code != http2.ErrCodeFlowControl {
				t.Errorf("GOAWAY %v (%v), want FLOW_CONTROL_ERROR", code, ok)
			}
		})
		t.Run("a stream window past 2^31-1 resets the stream with FLOW_CONTROL_ERROR", func(t *testing.T) {
			c := dialH2(t, p.addr)
			c.headers(1, true, h2Request("GET", "/hold")...)
			if err := c.fr.WriteWindowUpdate(1, 1<<31-1); err != nil {
				t.Fatal(err)
			}
			if o := c.await(1); !o.wasRST || o.reset != http2.ErrCodeFlowControl {
				t.Errorf("stream got %v, want RST_STREAM FLOW_CONTROL_ERROR", o)
			}
			c.ping()
		})
		t.Run("SETTINGS_INITIAL_WINDOW_SIZE past 2^31-1 ends the connection with FLOW_CONTROL_ERROR", func(t *testing.T) {
			c := dialH2(t, p.addr)
			if err := c.fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 1 << 31}); err != nil {
				t.Fatal(err)
			}
			if code, ok := c.goAwayCode(); !ok || code != http2.ErrCodeFlowControl {
				t.Errorf("GOAWAY %v (%v), want FLOW_CONTROL_ERROR", code, ok)
			}
		})
		t.Run("responses to a client whose window stays closed are not buffered without bound", func(t *testing.T) {
			heap0 := heapInUse()
			c := dialH2(t, p.addr)
			if err := c.fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 0}); err != nil {
				t.Fatal(err)
			}
			block := c.block(h2Request("GET", "/big")...)
			const streams = 10 // 40 MiB of answers waiting
			for i := range streams {
				if err := c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: uint32(2*i + 1), BlockFragment: block,
					EndStream: true, EndHeaders: true}); err != nil {
					t.Fatal(err)
				}
			}
			// Long enough for every answer to reach the proxy.
			time.Sleep(300 * time.Millisecond)
			wantServed(t, p.addr)
			// The raw backend holds a copy of each answer it is writing
			// (in this process too); the proxy may add little to that.
			if grew := int64(heapInUse()) - int64(heap0); grew > streams*4<<20+16<<20 {
				t.Errorf("the heap grew by %d MiB for %d stalled 4 MiB answers, want at most %d (the backend's copies) + 16",
					grew>>20, streams, streams*4)
			}
			c.conn.Close()
		})
	})
}

// TestHostileH2StreamStates: frames that break the stream state machine
// (RFC 9113 section 5.1) end the connection or the stream, and the
// connection serves on after a stream error.
func TestHostileH2StreamStates(t *testing.T) {
	t.Parallel()
	forH2Servers(t, func(t *testing.T, server model.HTTP2Server) {
		b, p := h2HoldProxy(t, model.ListenerSpec{HTTP2Server: server}, 0)
		connErrors := []struct {
			name string
			send func(c *h2Client) error
		}{
			{"HEADERS on an even stream", func(c *h2Client) error {
				return c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 2, BlockFragment: c.block(h2Request("GET", "/even")...),
					EndStream: true, EndHeaders: true})
			}},
			{"a stream ID lower than one used", func(c *h2Client) error {
				c.headers(5, true, h2Request("GET", "/five")...)
				return c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 3, BlockFragment: c.block(h2Request("GET", "/three")...),
					EndStream: true, EndHeaders: true})
			}},
			{"DATA on a stream never opened", func(c *h2Client) error { return c.fr.WriteData(7, true, []byte("x")) }},
			{"RST_STREAM on a stream never opened", func(c *h2Client) error { return c.fr.WriteRSTStream(9, http2.ErrCodeCancel) }},
			{"CONTINUATION without HEADERS", func(c *h2Client) error {
				return c.fr.WriteContinuation(1, true, c.block(h2Request("GET", "/orphan")...))
			}},
			{"PUSH_PROMISE from a client", func(c *h2Client) error {
				return c.fr.WritePushPromise(http2.PushPromiseParam{StreamID: 1, PromiseID: 2, BlockFragment: c.block(h2Request("GET", "/push")...), EndHeaders: true})
			}},
		}
		for _, ce := range connErrors {
			t.Run(ce.name+" ends the connection with PROTOCOL_ERROR", func(t *testing.T) {
				c := dialH2(t, p.addr)
				if err := ce.send(c); err != nil {
					t.Fatal(err)
				}
				if code, ok := c.goAwayCode(); !ok || code != http2.ErrCodeProtocol {
					t.Errorf("GOAWAY %v (%v), want PROTOCOL_ERROR", code, ok)
				}
			})
		}
		t.Run("trailers with a pseudo-header field reset the stream", func(t *testing.T) {
			c := dialH2(t, p.addr)
			c.headers(1, false, h2Request("POST", "/trailed")...)
			if err := c.fr.WriteData(1, false, []byte("body")); err != nil {
				t.Fatal(err)
			}
			c.headers(1, true, ":path", "/smuggled")
			if o := c.await(1); !(o.wasRST && o.reset == http2.ErrCodeProtocol) && (o.status < 400 || o.status >= 500) {
				t.Errorf("stream got %v, want RST_STREAM PROTOCOL_ERROR or 4xx", o)
			}
			c.ping()
		})
		t.Run("DATA after END_STREAM resets the stream with STREAM_CLOSED", func(t *testing.T) {
			c := dialH2(t, p.addr)
			c.headers(1, true, h2Request("GET", "/hold")...)
			if err := c.fr.WriteData(1, true, []byte("late")); err != nil {
				t.Fatal(err)
			}
			if o := c.await(1); !o.wasRST || o.reset != http2.ErrCodeStreamClosed {
				t.Errorf("stream got %v, want RST_STREAM STREAM_CLOSED", o)
			}
			c.ping()
		})
		for _, r := range allRequests(b.snapshot()) {
			if r.URI != "/hold" && r.URI != "/trailed" && r.URI != "/five" {
				t.Errorf("the backend got %s", r.URI)
			}
		}
	})
}

// TestHostileH2Limits: the listener's header and idle limits hold on
// HTTP/2 connections.
func TestHostileH2Limits(t *testing.T) {
	t.Parallel()
	forH2Servers(t, func(t *testing.T, server model.HTTP2Server) {
		t.Run("a header list over maxHeaderBytes gets 431 and reaches no backend", func(t *testing.T) {
			t.Parallel()
			b, p := h2HoldProxy(t, model.ListenerSpec{HTTP2Server: server, MaxHeaderBytes: 4096}, 0)
			c := dialH2(t, p.addr)
			// Ten fields of 600 bytes: each within the limit (one over it
			// is an HPACK error, which ends the connection), together
			// over it.
			var big []string
			for i := range 10 {
				big = append(big, "x-big-"+strconv.Itoa(i), strings.Repeat("v", 600))
			}
			c.headers(1, true, h2Request("GET", "/big-header", big...)...)
			if o := c.await(1); o.status != http.StatusRequestHeaderFieldsTooLarge {
				t.Errorf("stream got %v, want 431", o)
			}
			c = dialH2(t, p.addr) // await's HPACK decoder lasts one stream
			c.headers(1, true, h2Request("GET", "/fine", "x-small", strings.Repeat("v", 1000))...)
			if o := c.await(1); o.status != http.StatusOK {
				t.Errorf("a request within the limit got %v, want 200", o)
			}
			for _, r := range allRequests(b.settle(t, p)) {
				if r.URI != "/fine" {
					t.Errorf("the backend got %s", r.URI)
				}
			}
		})
		t.Run("an idle connection gets GOAWAY at the idle timeout", func(t *testing.T) {
			t.Parallel()
			_, p := h2HoldProxy(t, model.ListenerSpec{HTTP2Server: server, IdleTimeout: 300 * time.Millisecond}, 0)
			c := dialH2(t, p.addr)
			c.headers(1, true, h2Request("GET", "/once")...)
			if o := c.await(1); o.status != http.StatusOK {
				t.Fatalf("stream got %v", o)
			}
			if code, ok := c.goAwayCode(); !ok || code != http2.ErrCodeNo {
				t.Errorf("GOAWAY %v (%v), want NO_ERROR", code, ok)
			}
		})
		t.Run("a header block that never ends, on an idle connection, is closed", func(t *testing.T) {
			t.Parallel()
			_, p := h2HoldProxy(t, model.ListenerSpec{HTTP2Server: server, IdleTimeout: time.Second, ReadHeaderTimeout: time.Second}, 0)
			c := dialH2(t, p.addr)
			if err := c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: c.block(h2Request("GET", "/stall")...)}); err != nil {
				t.Fatal(err)
			}
			if !c.closedWithin(hostileDeadline) {
				t.Error("the connection stayed open")
			}
		})
	})
}

// TestHostileLeanH2Stalls: the lean server bounds two stalls net/http's
// leaves to the client while other streams keep a connection busy (its
// idle timer runs only on idle connections): a header block that never
// ends (the header timeout), and a response the client never lets
// through (the idle timeout).
func TestHostileLeanH2Stalls(t *testing.T) {
	t.Parallel()
	t.Run("a header block that never ends, beside a busy stream, is closed at the header timeout", func(t *testing.T) {
		t.Parallel()
		_, p := h2HoldProxy(t, model.ListenerSpec{HTTP2Server: model.HTTP2ServerLean, ReadHeaderTimeout: 300 * time.Millisecond}, 0)
		c := dialH2(t, p.addr)
		c.headers(1, true, h2Request("GET", "/hold")...)
		if err := c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 3, BlockFragment: c.block(h2Request("GET", "/stall")...)}); err != nil {
			t.Fatal(err)
		}
		if !c.closedWithin(hostileDeadline) {
			t.Error("the connection stayed open")
		}
	})
	t.Run("a response whose window never opens is reset at the idle timeout", func(t *testing.T) {
		t.Parallel()
		_, p := h2HoldProxy(t, model.ListenerSpec{HTTP2Server: model.HTTP2ServerLean, IdleTimeout: 300 * time.Millisecond}, 64<<10)
		c := dialH2(t, p.addr)
		if err := c.fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 0}); err != nil {
			t.Fatal(err)
		}
		c.headers(1, true, h2Request("GET", "/big")...)
		if o := c.await(1); !o.wasRST || o.reset != http2.ErrCodeCancel {
			t.Errorf("stream got %v, want RST_STREAM CANCEL", o)
		}
	})
}
