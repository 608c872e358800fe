package proxy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// This file holds a raw HTTP/2 client for the hostile tests: it writes
// frames that no well-behaved client library would, over prior-knowledge
// h2c, and reads what the server answers frame by frame.

// h2Client is one raw HTTP/2 connection.
type h2Client struct {
	t    testing.TB
	conn net.Conn
	fr   *http2.Framer
	hbuf bytes.Buffer
	enc  *hpack.Encoder
}

// dialH2 opens a prior-knowledge h2c connection to addr and exchanges
// SETTINGS. It is closed when the test ends.
func dialH2(t testing.TB, addr string) *h2Client {
	t.Helper()
	c := &h2Client{t: t, conn: dialProxy(t, addr)}
	c.fr = http2.NewFramer(c.conn, c.conn)
	c.fr.AllowIllegalWrites = true
	c.fr.AllowIllegalReads = true
	c.enc = hpack.NewEncoder(&c.hbuf)
	if _, err := io.WriteString(c.conn, http2.ClientPreface); err != nil {
		t.Fatal(err)
	}
	if err := c.fr.WriteSettings(); err != nil {
		t.Fatal(err)
	}
	return c
}

// block encodes header fields, given as name, value pairs, into a header
// block. Names and values are written as given, however invalid.
func (c *h2Client) block(kv ...string) []byte {
	c.hbuf.Reset()
	for i := 0; i < len(kv); i += 2 {
		if err := c.enc.WriteField(hpack.HeaderField{Name: kv[i], Value: kv[i+1]}); err != nil {
			c.t.Fatal(err)
		}
	}
	return bytes.Clone(c.hbuf.Bytes())
}

// request is the header fields of a GET for path on app.test, followed by
// extra name, value pairs.
func h2Request(method, path string, extra ...string) []string {
	return append([]string{":method", method, ":scheme", "http", ":authority", "app.test", ":path", path}, extra...)
}

// headers writes one HEADERS frame on stream id carrying fields.
func (c *h2Client) headers(id uint32, endStream bool, fields ...string) {
	c.t.Helper()
	if err := c.fr.WriteHeaders(http2.HeadersFrameParam{
		StreamID: id, BlockFragment: c.block(fields...), EndStream: endStream, EndHeaders: true,
	}); err != nil {
		c.t.Fatalf("writing HEADERS: %v", err)
	}
}

// h2Outcome is how the server ended one stream.
type h2Outcome struct {
	status int    // from the response HEADERS; 0 without
	body   string // DATA received
	reset  http2.ErrCode
	wasRST bool
	goAway bool // the connection ended with GOAWAY (or closed) first
}

func (o h2Outcome) String() string {
	switch {
	case o.wasRST:
		return "RST_STREAM " + o.reset.String()
	case o.goAway && o.status == 0:
		return "connection closed"
	}
	return fmt.Sprintf("status %d body %q", o.status, o.body)
}

// await reads frames until stream id ends (END_STREAM or RST_STREAM) or
// the connection does, answering PINGs and SETTINGS, and returns how.
func (c *h2Client) await(id uint32) h2Outcome {
	c.t.Helper()
	var o h2Outcome
	dec := hpack.NewDecoder(4096, func(f hpack.HeaderField) {
		if f.Name == ":status" {
			o.status, _ = strconv.Atoi(f.Value)
		}
	})
	for {
		f, err := c.fr.ReadFrame()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				c.t.Fatalf("stream %d: no end within %v", id, hostileDeadline)
			}
			o.goAway = true
			return o
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() {
				_ = c.fr.WriteSettingsAck()
			}
		case *http2.PingFrame:
			if !f.IsAck() {
				_ = c.fr.WritePing(true, f.Data)
			}
		case *http2.GoAwayFrame:
			if f.LastStreamID < id {
				o.goAway = true
				return o
			}
		case *http2.RSTStreamFrame:
			if f.StreamID == id {
				o.wasRST, o.reset = true, f.ErrCode
				return o
			}
		case *http2.HeadersFrame:
			if f.StreamID == id {
				if _, err := dec.Write(f.HeaderBlockFragment()); err != nil {
					c.t.Fatalf("decoding the response headers: %v", err)
				}
				if f.StreamEnded() {
					return o
				}
			}
		case *http2.DataFrame:
			if f.StreamID == id {
				o.body += string(f.Data())
				if len(f.Data()) > 0 {
					_ = c.fr.WriteWindowUpdate(0, uint32(len(f.Data())))
				}
				if f.StreamEnded() {
					return o
				}
			}
		}
	}
}

// ping sends a PING and waits for its answer: the connection is still
// being served. It fails t when the connection ends first.
func (c *h2Client) ping() {
	c.t.Helper()
	data := [8]byte{'h', 'o', 's', 't', 'i', 'l', 'e', '!'}
	if err := c.fr.WritePing(false, data); err != nil {
		c.t.Fatalf("writing PING: %v", err)
	}
	for {
		f, err := c.fr.ReadFrame()
		if err != nil {
			c.t.Fatalf("waiting for the PING answer: %v", err)
		}
		if p, ok := f.(*http2.PingFrame); ok && p.IsAck() && p.Data == data {
			return
		}
	}
}

// closedWithin reports whether the server ends the connection (GOAWAY or
// close) within d, reading and discarding frames meanwhile.
func (c *h2Client) closedWithin(d time.Duration) bool {
	_ = c.conn.SetReadDeadline(time.Now().Add(d))
	defer c.conn.SetReadDeadline(time.Now().Add(hostileDeadline))
	for {
		f, err := c.fr.ReadFrame()
		if err != nil {
			var ne net.Error
			return !(errors.As(err, &ne) && ne.Timeout())
		}
		if _, ok := f.(*http2.GoAwayFrame); ok {
			return true
		}
	}
}
