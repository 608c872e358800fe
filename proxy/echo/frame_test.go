package echo

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// rawFrame builds frame bytes from a header and a payload.
func rawFrame(head []byte, payload string) []byte { return append(head, payload...) }

func TestReadFrame(t *testing.T) {
	t.Parallel()
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	long := strings.Repeat("x", 300)
	tests := []struct {
		name    string
		in      []byte
		max     int
		want    frame
		code    uint16 // a frameError with this close code
		wantErr error  // or this error
	}{
		// RFC 6455 section 5.7's examples.
		{name: "unmasked text Hello", in: []byte{0x81, 0x05, 'H', 'e', 'l', 'l', 'o'}, max: 100,
			want: frame{fin: true, opcode: opText, payload: []byte("Hello")}},
		{name: "masked text Hello", in: []byte{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}, max: 100,
			want: frame{fin: true, opcode: opText, masked: true, payload: []byte("Hello")}},
		{name: "first fragment", in: []byte{0x01, 0x03, 'H', 'e', 'l'}, max: 100,
			want: frame{opcode: opText, payload: []byte("Hel")}},
		{name: "continuation", in: []byte{0x80, 0x02, 'l', 'o'}, max: 100,
			want: frame{fin: true, opcode: opContinuation, payload: []byte("lo")}},
		{name: "masked ping", in: appendMaskedFrame(nil, frame{fin: true, opcode: opPing, payload: []byte("Hello")}, key), max: 100,
			want: frame{fin: true, opcode: opPing, masked: true, payload: []byte("Hello")}},
		{name: "empty close", in: []byte{0x88, 0x80, 1, 2, 3, 4}, max: 100,
			want: frame{fin: true, opcode: opClose, masked: true, payload: []byte{}}},
		{name: "16-bit length", in: rawFrame([]byte{0x82, 126, 0x01, 0x2c}, long), max: 1000,
			want: frame{fin: true, opcode: opBinary, payload: []byte(long)}},
		{name: "64-bit length", in: rawFrame([]byte{0x82, 127, 0, 0, 0, 0, 0, 0, 0x01, 0x2c}, long), max: 1000,
			want: frame{fin: true, opcode: opBinary, payload: []byte(long)}},
		{name: "payload exactly max", in: []byte{0x82, 0x03, 1, 2, 3}, max: 3,
			want: frame{fin: true, opcode: opBinary, payload: []byte{1, 2, 3}}},

		{name: "payload over max", in: []byte{0x82, 0x04, 1, 2, 3, 4}, max: 3, code: closeTooBig},
		{name: "huge 64-bit length refused before reading", in: []byte{0x82, 127, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, max: 1 << 16, code: closeTooBig},
		{name: "64-bit length with its top bit set", in: []byte{0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 1, 'x'}, max: 100, code: closeProtocolError},
		{name: "RSV1", in: []byte{0xC1, 0x00}, max: 100, code: closeProtocolError},
		{name: "RSV3", in: []byte{0x91, 0x00}, max: 100, code: closeProtocolError},
		{name: "reserved data opcode 3", in: []byte{0x83, 0x00}, max: 100, code: closeProtocolError},
		{name: "reserved control opcode B", in: []byte{0x8B, 0x00}, max: 100, code: closeProtocolError},
		{name: "fragmented ping", in: []byte{0x09, 0x00}, max: 100, code: closeProtocolError},
		{name: "control frame of 126 bytes", in: rawFrame([]byte{0x89, 126, 0, 126}, strings.Repeat("p", 126)), max: 1000, code: closeProtocolError},

		{name: "nothing", in: nil, max: 100, wantErr: io.EOF},
		{name: "one byte", in: []byte{0x81}, max: 100, wantErr: io.ErrUnexpectedEOF},
		{name: "short 16-bit length", in: []byte{0x81, 126, 0}, max: 100, wantErr: io.ErrUnexpectedEOF},
		{name: "short 64-bit length", in: []byte{0x81, 127, 0, 0, 0}, max: 100, wantErr: io.ErrUnexpectedEOF},
		{name: "short mask", in: []byte{0x81, 0x81, 1, 2}, max: 100, wantErr: io.ErrUnexpectedEOF},
		{name: "short payload", in: []byte{0x81, 0x05, 'H', 'e'}, max: 100, wantErr: io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readFrame(bufio.NewReader(bytes.NewReader(tt.in)), tt.max)
			var fe *frameError
			switch {
			case tt.code != 0:
				if !errors.As(err, &fe) || fe.code != tt.code {
					t.Fatalf("readFrame: %+v, %v; want a frame error with close code %d", got, err, tt.code)
				}
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("readFrame: %+v, %v; want %v", got, err, tt.wantErr)
				}
			case err != nil:
				t.Fatalf("readFrame: %v", err)
			case got.fin != tt.want.fin || got.opcode != tt.want.opcode || got.masked != tt.want.masked || !bytes.Equal(got.payload, tt.want.payload):
				t.Fatalf("readFrame: %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestAppendFrameUsesTheShortestLength(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		n    int
		head []byte
	}{
		{0, []byte{0x82, 0}},
		{125, []byte{0x82, 125}},
		{126, []byte{0x82, 126, 0, 126}},
		{0xFFFF, []byte{0x82, 126, 0xFF, 0xFF}},
		{0x10000, []byte{0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0}},
	} {
		b := appendFrame(nil, frame{fin: true, opcode: opBinary, payload: make([]byte, tt.n)})
		if !bytes.Equal(b[:len(tt.head)], tt.head) || len(b) != len(tt.head)+tt.n {
			t.Errorf("%d bytes: header % x (frame of %d bytes), want % x", tt.n, b[:len(tt.head)], len(b), tt.head)
		}
	}
}

// FuzzReadFrame feeds arbitrary bytes to readFrame: it never panics,
// never returns more than max bytes of payload or a control frame that
// breaks the rules, and a frame it accepts survives a round trip through
// appendMaskedFrame.
func FuzzReadFrame(f *testing.F) {
	for _, seed := range [][]byte{
		{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58},
		{0x82, 126, 0x00, 0x04, 1, 2, 3, 4},
		{0x82, 127, 0, 0, 0, 0, 0, 0, 0, 2, 1, 2},
		{0x89, 0x00},
		{0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8},
		{0xC1, 0x00},
		{0x01, 0x01, 'a', 0x80, 0x01, 'b'},
	} {
		f.Add(seed, 16)
	}
	f.Fuzz(func(t *testing.T, in []byte, max int) {
		if max < 0 || max > 1<<16 {
			return
		}
		r := bufio.NewReader(bytes.NewReader(in))
		for range 8 {
			got, err := readFrame(r, max)
			if err != nil {
				return
			}
			if len(got.payload) > max {
				t.Fatalf("payload of %d bytes, max %d", len(got.payload), max)
			}
			if isControl(got.opcode) && (!got.fin || len(got.payload) > maxControlPayload) {
				t.Fatalf("control frame accepted: %+v", got)
			}
			again, err := readFrame(bufio.NewReader(bytes.NewReader(appendMaskedFrame(nil, got, [4]byte{1, 2, 3, 4}))), max)
			if err != nil || again.fin != got.fin || again.opcode != got.opcode || !again.masked || !bytes.Equal(again.payload, got.payload) {
				t.Fatalf("round trip of %+v: %+v, %v", got, again, err)
			}
		}
	})
}
