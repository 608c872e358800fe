package listen

import (
	"net/netip"
	"testing"
)

// TestValidHeaders sends each kind of valid header from a trusted loopback
// peer through a real http.Server and checks what the handler learns.
func TestValidHeaders(t *testing.T) {
	t.Parallel()
	type tc struct {
		name    string
		network string
		header  []byte
		// source is the believed source; the zero value means the peer.
		source netip.AddrPort
		tlvs   []byte
	}
	cases := []tc{
		{name: "v1 TCP4", network: "tcp4", header: []byte("PROXY TCP4 203.0.113.7 192.0.2.1 51000 80\r\n"), source: clientV4},
		{name: "v1 TCP6", network: "tcp6", header: []byte("PROXY TCP6 2001:db8::7 2001:db8::1 51000 443\r\n"), source: clientV6},
		{name: "v1 TCP6 over an IPv4 socket", network: "tcp4", header: []byte("PROXY TCP6 2001:db8::7 2001:db8::1 51000 443\r\n"), source: clientV6},
		{name: "v1 TCP6 IPv4-mapped source is unmapped", network: "tcp4", header: []byte("PROXY TCP6 ::ffff:203.0.113.7 2001:db8::1 51000 443\r\n"), source: clientV4},
		{name: "v1 UNKNOWN short", network: "tcp4", header: []byte("PROXY UNKNOWN\r\n")},
		{name: "v1 UNKNOWN with addresses", network: "tcp6", header: []byte("PROXY UNKNOWN ffff:f::f ffff:f::f 65535 65535\r\n")},
		{name: "v1 longest line (107 bytes)", network: "tcp4", header: []byte("PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n")},
		{name: "v2 TCP4", network: "tcp4", header: v2TCP4(clientV4, lbV4, nil), source: clientV4},
		{name: "v2 TCP4 with TLVs", network: "tcp4", header: v2TCP4(clientV4, lbV4, []byte{0x04, 0x00, 0x03, 0, 0, 0, 0x01, 0x00, 0x02, 'h', '2'}), source: clientV4},
		{name: "v2 TCP6", network: "tcp6", header: v2TCP6(clientV6, lbV6), source: clientV6},
		{name: "v2 TCP6 over an IPv4 socket", network: "tcp4", header: v2TCP6(clientV6, lbV6), source: clientV6},
		{name: "v2 LOCAL", network: "tcp4", header: v2(0x20, 0x00, 0, nil)},
		{name: "v2 LOCAL with an address block", network: "tcp6", header: v2(0x20, 0x11, 12, make([]byte, 12))},
		{name: "v2 LOCAL with a length that fits no family", network: "tcp4", header: v2(0x20, 0x11, 3, []byte{1, 2, 3})},
	}
	for _, mode := range []Mode{ModeOptional, ModeRequired} {
		for _, c := range cases {
			t.Run(mode.String()+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				srv := startServer(t, c.network, Policy{Mode: mode, TrustedCIDRs: loopbackTrust})
				conn := dial(t, c.network, srv.addr, netip.Addr{})
				peer := localAP(conn)
				source, via := c.source, c.source.IsValid()
				if !via {
					source = peer
				}
				got := exchange(t, conn, c.header)
				if want := (reply{200, infoBody(peer, source, via)}); got != want {
					t.Errorf("got %+v, want %+v", got, want)
				}
				srv.rec.waitFor(t, OutcomeAccepted)
			})
		}
	}
}

// TestNoHeader covers connections that send a plain request.
func TestNoHeader(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		policy  Policy
		network string
		served  bool
		outcome Outcome
	}{
		{"off", Policy{Mode: ModeOff, TrustedCIDRs: loopbackTrust}, "tcp4", true, OutcomeNone},
		{"optional trusted", Policy{Mode: ModeOptional, TrustedCIDRs: loopbackTrust}, "tcp4", true, OutcomeNone},
		{"optional trusted IPv6", Policy{Mode: ModeOptional, TrustedCIDRs: loopbackTrust}, "tcp6", true, OutcomeNone},
		{"optional untrusted", Policy{Mode: ModeOptional, TrustedCIDRs: elsewhereTrust}, "tcp4", true, OutcomeNone},
		{"optional nobody trusted", Policy{Mode: ModeOptional}, "tcp4", true, OutcomeNone},
		{"required trusted", Policy{Mode: ModeRequired, TrustedCIDRs: loopbackTrust}, "tcp4", false, OutcomeMissing},
		{"required trusted IPv6", Policy{Mode: ModeRequired, TrustedCIDRs: loopbackTrust}, "tcp6", false, OutcomeMissing},
		{"required untrusted", Policy{Mode: ModeRequired, TrustedCIDRs: elsewhereTrust}, "tcp4", false, OutcomeUntrustedSender},
		{"required nobody trusted", Policy{Mode: ModeRequired}, "tcp4", false, OutcomeUntrustedSender},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := startServer(t, c.network, c.policy)
			conn := dial(t, c.network, srv.addr, netip.Addr{})
			if c.served {
				peer := localAP(conn)
				if got, want := exchange(t, conn, nil), (reply{200, infoBody(peer, peer, false)}); got != want {
					t.Errorf("got %+v, want %+v", got, want)
				}
			} else {
				if _, err := conn.Write([]byte(request)); err != nil {
					t.Fatal(err)
				}
				expectClosed(t, conn)
			}
			srv.rec.waitFor(t, c.outcome)
		})
	}
}
