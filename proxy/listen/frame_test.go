package listen

import (
	"strings"
	"testing"
)

func TestMatchSignature(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   string
		want sigKind
	}{
		{"empty", "", sigPending},
		{"P", "P", sigPending},
		{"PROX", "PROX", sigPending},
		{"PROXY", "PROXY", sigV1Kind},
		{"v1 line", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n", sigV1Kind},
		{"PUT", "PUT / HTTP/1.1", sigNone},
		{"POST", "POST", sigNone},
		{"HTTP/2 preface", "PRI * HTTP/2.0", sigNone},
		{"lowercase proxy", "proxy", sigNone},
		{"GET", "GET / HTTP/1.1", sigNone},
		{"TLS ClientHello", "\x16\x03\x01\x02\x00", sigNone},
		{"CR", "\r", sigPending},
		{"CRLF CRLF", "\r\n\r\n", sigPending},
		{"v2 less one", string(sigV2[:11]), sigPending},
		{"v2 signature", string(sigV2), sigV2Kind},
		{"v2 signature and more", string(sigV2) + "\x21\x11", sigV2Kind},
		{"CRLF then request", "\r\nGET / HTTP/1.1", sigNone},
		{"v2 corrupted last byte", string(sigV2[:11]) + "\x0b", sigNone},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := matchSignature([]byte(c.in)); got != c.want {
				t.Errorf("matchSignature(%q) = %v, want %v", c.in, got, c.want)
			}
		})
	}
}

func TestHeaderLen(t *testing.T) {
	t.Parallel()
	v1 := "PROXY TCP4 203.0.113.7 192.0.2.1 51000 80\r\n"
	v2h := string(v2TCP4(clientV4, lbV4, nil))
	cases := []struct {
		name    string
		in      string
		kind    sigKind
		want    int
		wantErr error
	}{
		{"v1 complete", v1, sigV1Kind, len(v1), nil},
		{"v1 complete with request", v1 + request, sigV1Kind, len(v1), nil},
		{"v1 incomplete", v1[:20], sigV1Kind, 0, nil},
		{"v1 bare LF ends the frame", "PROXY x\nrest", sigV1Kind, 8, nil},
		{"v1 106 bytes no LF", "PROXY " + strings.Repeat("x", 100), sigV1Kind, 0, nil},
		{"v1 107 bytes with LF", "PROXY " + strings.Repeat("x", 99) + "\r\n", sigV1Kind, 107, nil},
		{"v1 107 bytes no LF", "PROXY " + strings.Repeat("x", 101), sigV1Kind, 0, errV1TooLong},
		{"v1 LF at byte 108", "PROXY " + strings.Repeat("x", 101) + "\n", sigV1Kind, 0, errV1TooLong},
		{"v2 complete", v2h, sigV2Kind, 28, nil},
		{"v2 complete with request", v2h + request, sigV2Kind, 28, nil},
		{"v2 fixed part only", v2h[:16], sigV2Kind, 0, nil},
		{"v2 signature only", v2h[:12], sigV2Kind, 0, nil},
		{"v2 LOCAL empty", string(v2(0x20, 0, 0, nil)), sigV2Kind, 16, nil},
		{"v2 bad version seen early", string(sigV2) + "\x11", sigV2Kind, 0, errV2Version},
		{"v2 bad command seen early", string(sigV2) + "\x2f\x11", sigV2Kind, 0, errV2Version},
		{"v2 maximum length", string(v2(0x21, 0x11, 4096, nil)), sigV2Kind, 0, nil},
		{"v2 over maximum length", string(v2(0x21, 0x11, 4097, nil)), sigV2Kind, 0, errV2TooLong},
		{"v2 length 65535", string(v2(0x21, 0x11, 65535, nil)), sigV2Kind, 0, errV2TooLong},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, err := headerLen([]byte(c.in), c.kind)
			if got != c.want || err != c.wantErr {
				t.Errorf("headerLen = %d, %v; want %d, %v", got, err, c.want, c.wantErr)
			}
		})
	}
}
