package listen

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"testing"
	"time"
)

// FuzzProxyHeader feeds arbitrary bytes as the start of a connection
// through Wrap, InfoOf and Read over a net.Pipe, under each mode, from a
// trusted or an untrusted peer. It checks that nothing panics or hangs
// (the writer hangs up after its bytes, so a header timeout means a stuck
// reader), that an untrusted peer is never believed, that exactly one
// outcome is reported and agrees with the error, and that the bytes the
// application reads are the connection's bytes after any header.
func FuzzProxyHeader(f *testing.F) {
	seeds := [][]byte{
		nil,
		[]byte(request),
		[]byte("PROXY TCP4 203.0.113.7 192.0.2.1 51000 80\r\n" + request),
		[]byte("PROXY TCP6 2001:db8::7 2001:db8::1 51000 443\r\n" + request),
		[]byte("PROXY TCP6 ::ffff:203.0.113.7 ::1 1 2\r\n"),
		[]byte("PROXY UNKNOWN\r\n" + request),
		[]byte("PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n"),
		[]byte("PROXY TCP4 203.0.113.7 192.0.2.1 51000 80\n"),
		[]byte("PROXY TCP4 203.0.113.7 192.0.2.1 51000"),
		[]byte("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\nPROXY TCP4 9.9.9.9 5.6.7.8 1 2\r\n"),
		[]byte("PROXY"),
		[]byte("PROX"),
		[]byte("PUT / HTTP/1.1\r\n\r\n"),
		append(v2TCP4(clientV4, lbV4, nil), request...),
		append(v2TCP6(clientV6, lbV6), request...),
		v2TCP4(clientV4, lbV4, []byte{0x04, 0, 3, 0, 0, 0, 0x01, 0, 2, 'h', '2'}),
		v2TCP4(clientV4, lbV4, []byte{0x01, 0, 9}),
		v2(0x20, 0, 0, nil),
		v2(0x20, 0x11, 3, []byte{1, 2, 3}),
		v2(0x21, 0x11, 200, make([]byte, 12)),
		v2(0x21, 0x11, 4, make([]byte, 4)),
		v2(0x21, 0x12, 12, make([]byte, 12)),
		v2(0x21, 0x31, 216, make([]byte, 216)),
		v2(0x11, 0x11, 12, make([]byte, 12)),
		v2(0x21, 0x11, 0xffff, nil),
		sigV2[:7],
		sigV2,
	}
	for _, s := range seeds {
		for mode := range uint8(3) {
			f.Add(s, mode, true)
			f.Add(s, mode, false)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, modeByte uint8, trusted bool) {
		mode := Mode(modeByte % 3)
		peer := netip.MustParseAddrPort("198.51.100.9:4000")
		if trusted {
			peer = localPeer
		}
		rec := &recorder{}
		pl := newPipeListener()
		l := Wrap(pl, Policy{Mode: mode, TrustedCIDRs: loopbackTrust, Observe: rec.observe})
		defer l.Close()

		type result struct {
			acceptErr error
			info      Info
			infoErr   error
			read      []byte
			readErr   error
		}
		done := make(chan result, 1)
		go func() {
			var r result
			c, err := l.Accept()
			if err != nil {
				r.acceptErr = err
				done <- r
				return
			}
			defer c.Close()
			_ = c.SetReadDeadline(time.Now().Add(ioDeadline))
			r.info, r.infoErr = InfoOf(c)
			r.read, r.readErr = io.ReadAll(c)
			done <- r
		}()

		ctx, cancel := context.WithTimeout(context.Background(), ioDeadline)
		defer cancel()
		client, err := pl.dial(ctx, peer)
		if err != nil {
			t.Fatal(err)
		}
		wrote := make(chan struct{})
		go func() {
			defer close(wrote)
			_, _ = client.Write(data)
			_ = client.Close()
		}()
		defer func() { <-wrote }()

		if mode == ModeRequired && !trusted {
			rec.waitFor(t, OutcomeUntrustedSender)
			l.Close()
			if r := <-done; !errors.Is(r.acceptErr, net.ErrClosed) {
				t.Fatalf("Accept returned %+v for a peer that must be refused", r)
			}
			return
		}
		r := <-done
		if r.acceptErr != nil {
			t.Fatal(r.acceptErr)
		}
		got := rec.snapshot()
		if len(got) != 1 {
			t.Fatalf("outcomes %v, want exactly one", got)
		}
		outcome := got[0]
		refused := outcome != OutcomeAccepted && outcome != OutcomeNone
		if (r.infoErr != nil) != refused {
			t.Fatalf("outcome %v with InfoOf error %v", outcome, r.infoErr)
		}
		if outcome == OutcomeTimeout {
			t.Fatalf("header timed out though the writer hung up: a read is stuck")
		}
		if !trusted && (r.info.ViaProxy || r.info.Source != r.info.Peer) {
			t.Fatalf("untrusted peer believed: %+v", r.info)
		}
		if r.info.Peer != peer {
			t.Fatalf("Peer %v, want %v", r.info.Peer, peer)
		}
		if r.info.ViaProxy && !r.info.Source.IsValid() || !r.info.ViaProxy && (r.info.Source != r.info.Peer || r.info.Destination.IsValid()) {
			t.Fatalf("inconsistent info: %+v", r.info)
		}
		switch {
		case refused:
			if headerErr(t, r.readErr) != outcome {
				t.Fatalf("Read error %v, outcome %v", r.readErr, outcome)
			}
		case r.readErr != nil:
			t.Fatalf("Read: %v", r.readErr)
		case mode == ModeOff || outcome == OutcomeNone:
			if !bytes.Equal(r.read, data) || r.info.ViaProxy {
				t.Fatalf("read %q, want all of %q, info %+v", r.read, data, r.info)
			}
		default: // accepted
			if !trusted || len(r.read) >= len(data) || !bytes.HasSuffix(data, r.read) {
				t.Fatalf("read %q after a header in %q", r.read, data)
			}
		}
	})
}
