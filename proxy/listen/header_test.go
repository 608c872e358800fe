package listen

import (
	"net/netip"
	"testing"
)

func TestParseHeader(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		in      []byte
		source  netip.AddrPort
		dest    netip.AddrPort
		believe bool
		wantErr bool
	}{
		{name: "v1 TCP4", in: []byte("PROXY TCP4 203.0.113.7 192.0.2.1 51000 80\r\n"), source: clientV4, dest: lbV4, believe: true},
		{name: "v1 TCP6", in: []byte("PROXY TCP6 2001:db8::7 2001:db8::1 51000 443\r\n"), source: clientV6, dest: lbV6, believe: true},
		{name: "v1 TCP6 mapped", in: []byte("PROXY TCP6 ::ffff:203.0.113.7 ::ffff:192.0.2.1 51000 443\r\n"), source: clientV4, dest: netip.MustParseAddrPort("192.0.2.1:443"), believe: true},
		{name: "v1 port 0", in: []byte("PROXY TCP4 203.0.113.7 192.0.2.1 0 0\r\n"), source: netip.MustParseAddrPort("203.0.113.7:0"), dest: netip.MustParseAddrPort("192.0.2.1:0"), believe: true},
		{name: "v1 UNKNOWN", in: []byte("PROXY UNKNOWN\r\n")},
		{name: "v1 UNKNOWN with junk", in: []byte("PROXY UNKNOWN whatever you like\r\n")},
		{name: "v2 TCP4", in: v2TCP4(clientV4, lbV4, nil), source: clientV4, dest: lbV4, believe: true},
		{name: "v2 TCP4 with NOOP TLV", in: v2TCP4(clientV4, lbV4, []byte{0x04, 0, 2, 0, 0}), source: clientV4, dest: lbV4, believe: true},
		{name: "v2 TCP6", in: v2TCP6(clientV6, lbV6), source: clientV6, dest: lbV6, believe: true},
		{name: "v2 TCP6 mapped", in: v2TCP6(netip.MustParseAddrPort("[::ffff:203.0.113.7]:51000"), lbV6), source: clientV4, dest: lbV6, believe: true},
		{name: "v2 LOCAL", in: v2(0x20, 0, 0, nil)},
		{name: "v2 LOCAL TCP4", in: v2(0x20, 0x11, 12, make([]byte, 12))},
		{name: "v1 no CR", in: []byte("PROXY TCP4 203.0.113.7 192.0.2.1 51000 80\n"), wantErr: true},
		{name: "v1 UDP4", in: []byte("PROXY UDP4 203.0.113.7 192.0.2.1 51000 80\r\n"), wantErr: true},
		{name: "v2 UDP4", in: v2(0x21, 0x12, 12, make([]byte, 12)), wantErr: true},
		{name: "v2 unix", in: v2(0x21, 0x31, 216, make([]byte, 216)), wantErr: true},
		{name: "v2 UNSPEC PROXY", in: v2(0x21, 0, 0, nil), wantErr: true},
		{name: "v2 short length", in: v2(0x21, 0x11, 11, make([]byte, 11)), wantErr: true},
		{name: "v2 truncated TLV", in: v2TCP4(clientV4, lbV4, []byte{0x01, 0, 5, 'h'}), wantErr: true},
		{name: "v2 TLV header cut", in: v2TCP4(clientV4, lbV4, []byte{0x01, 0}), wantErr: true},
		{name: "v2 trailing byte not framed", in: append(v2TCP4(clientV4, lbV4, nil), 'x'), wantErr: true},
		{name: "v1 trailing byte not framed", in: []byte("PROXY UNKNOWN\r\nx"), wantErr: true},
		{name: "not a header", in: []byte("GET / HTTP/1.1\r\n"), wantErr: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p, believe, err := parseHeader(c.in)
			if (err != nil) != c.wantErr || p.source != c.source || p.destination != c.dest || believe != c.believe {
				t.Errorf("parseHeader = %v -> %v, %v, %v; want %v -> %v, %v, error %v",
					p.source, p.destination, believe, err, c.source, c.dest, c.believe, c.wantErr)
			}
		})
	}
}
