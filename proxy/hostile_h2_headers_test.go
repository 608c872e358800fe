package proxy

import (
	"net/http"
	"strings"
	"testing"

	"golang.org/x/net/http2"

	"github.com/firsthop/firsthop/model"
)

// TestHostileH2ConnectionSpecificHeaders: an HTTP/2 request carrying a
// connection-specific header field, or TE other than "trailers", is
// malformed (RFC 9113 section 8.2.2). It reaches no backend: the lean
// server resets the stream (PROTOCOL_ERROR), net/http's answers 400
// before firsthop's handler runs (where h2spec 8.1.2.2 wants the reset:
// see golang/go#26321 and e2e TestH2spec). The connection goes on
// serving.
func TestHostileH2ConnectionSpecificHeaders(t *testing.T) {
	t.Parallel()
	forH2Servers(t, func(t *testing.T, server model.HTTP2Server) {
		b, p := exhaustionProxy(t, model.ListenerSpec{H2C: true, HTTP2Server: server}, nil)
		malformed := [][]string{
			{"connection", "keep-alive"},
			{"connection", "close"},
			{"keep-alive", "timeout=5"},
			{"proxy-connection", "keep-alive"},
			{"transfer-encoding", "chunked"},
			{"upgrade", "websocket"},
			{"upgrade", "h2c"},
			{"te", "gzip"},
			{"te", "trailers, gzip"},
			{"te", "trailers", "te", "trailers"},
		}
		for _, fields := range malformed {
			c := dialH2(t, p.addr) // await's HPACK decoder lasts one stream
			path := "/malformed-" + strings.Join(fields, "-")
			c.headers(1, true, h2Request("GET", path, fields...)...)
			if o := c.await(1); o.status != http.StatusBadRequest && !(o.wasRST && o.reset == http2.ErrCodeProtocol) {
				t.Errorf("%q: %v, want 400 or RST_STREAM PROTOCOL_ERROR", fields, o)
			}
			c.ping()
		}
		c := dialH2(t, p.addr)
		c.headers(1, true, h2Request("GET", "/fine", "te", "trailers")...)
		if o := c.await(1); o.status != http.StatusOK {
			t.Errorf("TE: trailers: %v, want 200", o)
		}
		for _, r := range allRequests(b.settle(t, p)) {
			if strings.HasPrefix(r.URI, "/malformed") {
				t.Errorf("the backend got %s", r.URI)
			}
		}
	})
}

// TestHostileH2HeadersOverMaxFrameSize: a HEADERS frame larger than the
// SETTINGS_MAX_FRAME_SIZE the listener advertises (16 KiB, the protocol's
// default) is a connection error FRAME_SIZE_ERROR (RFC 9113 section 4.2;
// h2spec 4.2/3), and no frame makes the server buffer more than that.
func TestHostileH2HeadersOverMaxFrameSize(t *testing.T) {
	t.Parallel()
	forH2Servers(t, func(t *testing.T, server model.HTTP2Server) {
		_, p := exhaustionProxy(t, model.ListenerSpec{H2C: true, HTTP2Server: server}, nil)
		c := dialH2(t, p.addr)
		var got http2.SettingsFrame
		for {
			f, err := c.fr.ReadFrame()
			if err != nil {
				t.Fatal(err)
			}
			if s, ok := f.(*http2.SettingsFrame); ok && !s.IsAck() {
				got = *s
				break
			}
		}
		if v, ok := got.Value(http2.SettingMaxFrameSize); ok && v != maxH2FrameSize {
			t.Fatalf("SETTINGS_MAX_FRAME_SIZE %d, want %d", v, maxH2FrameSize)
		}
		_ = c.fr.WriteSettingsAck()
		// '~' has a 13-bit Huffman code: HPACK sends the value as it is.
		big := c.block(h2Request("GET", "/big", "x-filler", strings.Repeat("~", maxH2FrameSize+1024))...)
		if err := c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: big, EndStream: true, EndHeaders: true}); err != nil {
			t.Fatal(err)
		}
		for {
			f, err := c.fr.ReadFrame()
			if err != nil {
				t.Fatalf("connection ended without GOAWAY FRAME_SIZE_ERROR: %v", err)
			}
			switch f := f.(type) {
			case *http2.GoAwayFrame:
				if f.ErrCode != http2.ErrCodeFrameSize {
					t.Fatalf("GOAWAY %v, want FRAME_SIZE_ERROR", f.ErrCode)
				}
				return
			case *http2.HeadersFrame, *http2.DataFrame:
				t.Fatalf("the oversized request was answered (%T on stream %d)", f, f.Header().StreamID)
			}
		}
	})
}
