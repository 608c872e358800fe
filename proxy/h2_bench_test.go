package proxy

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"runtime"
	"testing"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/firsthop/firsthop/model"
)

// BenchmarkH2ServerRoundTrip measures requests over one prior-knowledge
// h2c connection through a running Server to the fixed backend, with
// each HTTP/2 server, one stream at a time and ten at once (h2load's -m10).
// An op is one round of streams; allocs/req counts the whole process
// (the raw client allocates next to nothing: it decodes no header) per
// request.
func BenchmarkH2ServerRoundTrip(b *testing.B) {
	for _, s := range h2Servers {
		for _, streams := range []int{1, 10} {
			b.Run(fmt.Sprintf("%s/streams=%d", s.name, streams), func(b *testing.B) {
				benchH2Server(b, s.server, streams)
			})
		}
	}
}

func benchH2Server(b *testing.B, server model.HTTP2Server, streams int) {
	opts := Options{Logger: quietLogger(),
		Listeners: []model.ListenerSpec{{Name: "public", Address: "127.0.0.1:0", H2C: true, HTTP2Server: server}}}
	srv := NewServer(opts)
	if err := srv.Apply(benchSpec(fixedBackend(b))); err != nil {
		b.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = srv.Serve(ctx); close(done) }()
	b.Cleanup(func() { cancel(); <-done })

	c, err := net.Dial("tcp", srv.Addr("public").String())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	var out bytes.Buffer
	fr := http2.NewFramer(&out, c)
	fr.SetReuseFrames()
	out.WriteString(http2.ClientPreface)
	_ = fr.WriteSettings()
	_ = fr.WriteWindowUpdate(0, 1<<30)
	var blk bytes.Buffer
	enc := hpack.NewEncoder(&blk)
	for _, f := range fields(":method", "GET", ":scheme", "http", ":authority", "bench.local", ":path", "/", "user-agent", "bench") {
		_ = enc.WriteField(f)
	}
	block := blk.Bytes()
	if _, err := c.Write(out.Bytes()); err != nil {
		b.Fatal(err)
	}
	id := uint32(1)
	round := func() {
		out.Reset()
		for range streams {
			_ = fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: block, EndStream: true, EndHeaders: true})
			id += 2
		}
		if _, err := c.Write(out.Bytes()); err != nil {
			b.Fatal(err)
		}
		for ended := 0; ended < streams; {
			f, err := fr.ReadFrame()
			if err != nil {
				b.Fatal(err)
			}
			switch f := f.(type) {
			case *http2.DataFrame:
				if f.StreamEnded() {
					ended++
				}
			case *http2.HeadersFrame:
				if f.StreamEnded() {
					b.Fatalf("stream %d ended without a body", f.StreamID)
				}
			case *http2.RSTStreamFrame:
				b.Fatalf("RST_STREAM %v", f.ErrCode)
			case *http2.GoAwayFrame:
				b.Fatalf("GOAWAY %v", f.ErrCode)
			case *http2.SettingsFrame:
				if !f.IsAck() {
					out.Reset()
					_ = fr.WriteSettingsAck()
					_, _ = c.Write(out.Bytes())
				}
			}
		}
	}
	round() // the SETTINGS exchange and the upstream connections
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	b.ResetTimer()
	for b.Loop() {
		round()
	}
	b.StopTimer()
	runtime.ReadMemStats(&m1)
	reqs := float64(b.N * streams)
	b.ReportMetric(float64(m1.Mallocs-m0.Mallocs)/reqs, "allocs/req")
	b.ReportMetric(float64(m1.TotalAlloc-m0.TotalAlloc)/reqs, "B/req")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/reqs, "ns/req")
}
