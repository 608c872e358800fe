package listen

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

// TestUntrustedSender: a header from a peer outside TrustedCIDRs is never
// believed. Under optional the connection is closed once the signature is
// seen; under required it is closed at accept, before it sends anything.
func TestUntrustedSender(t *testing.T) {
	t.Parallel()
	headers := []struct {
		name   string
		header []byte
	}{
		{"v1", []byte("PROXY TCP4 203.0.113.7 192.0.2.1 51000 80\r\n")},
		{"v1 signature only", []byte("PROXY")},
		{"v1 malformed", []byte("PROXY garbage\n")},
		{"v2", v2TCP4(clientV4, lbV4, nil)},
		{"v2 LOCAL", v2(0x20, 0x00, 0, nil)},
		{"v2 signature only", sigV2},
	}
	trusts := []struct {
		name    string
		network string
		cidrs   []netip.Prefix
	}{
		{"elsewhere", "tcp4", elsewhereTrust},
		{"elsewhere IPv6", "tcp6", elsewhereTrust},
		{"nobody", "tcp4", nil},
		{"IPv6 loopback only", "tcp4", []netip.Prefix{netip.MustParsePrefix("::1/128")}},
		{"IPv4 loopback only", "tcp6", []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}},
	}
	for _, tr := range trusts {
		for _, h := range headers {
			t.Run("optional/"+tr.name+"/"+h.name, func(t *testing.T) {
				t.Parallel()
				srv := startServer(t, tr.network, Policy{Mode: ModeOptional, TrustedCIDRs: tr.cidrs})
				conn := dial(t, tr.network, srv.addr, netip.Addr{})
				if _, err := conn.Write(append(h.header, request...)); err != nil {
					t.Fatal(err)
				}
				expectClosed(t, conn)
				srv.rec.waitFor(t, OutcomeUntrustedSender)
			})
		}
		t.Run("required/"+tr.name, func(t *testing.T) {
			t.Parallel()
			// The header timeout is far beyond the test's deadline, so a
			// close can only come from the trust check at accept.
			srv := startServer(t, tr.network, Policy{Mode: ModeRequired, TrustedCIDRs: tr.cidrs, HeaderTimeout: time.Hour})
			conn := dial(t, tr.network, srv.addr, netip.Addr{})
			expectClosed(t, conn)
			srv.rec.waitFor(t, OutcomeUntrustedSender)
		})
	}
}

// TestRequiredMixedPeers is the load balancer case on one listener: a
// client connecting straight to a listener that requires PROXY from the
// load balancer is refused, and the next legitimate connection is served.
func TestRequiredMixedPeers(t *testing.T) {
	t.Parallel()
	lb := netip.MustParseAddr("127.0.0.2")
	srv := startServer(t, "tcp4", Policy{
		Mode:          ModeRequired,
		TrustedCIDRs:  []netip.Prefix{netip.PrefixFrom(lb, 32)},
		HeaderTimeout: time.Hour,
	})
	var want []Outcome
	for i := range 3 {
		direct := dial(t, "tcp4", srv.addr, netip.MustParseAddr("127.0.0.1"))
		// The direct client may even try to claim an address.
		_, _ = direct.Write(append([]byte("PROXY TCP4 198.51.100.1 192.0.2.1 1 80\r\n"), request...))
		expectClosed(t, direct)
		want = append(want, OutcomeUntrustedSender)

		viaLB := dial(t, "tcp4", srv.addr, lb)
		got := exchange(t, viaLB, v2TCP4(clientV4, lbV4, nil))
		if want := (reply{200, infoBody(localAP(viaLB), clientV4, true)}); got != want {
			t.Fatalf("round %d: got %+v, want %+v", i, got, want)
		}
		want = append(want, OutcomeAccepted)
	}
	srv.rec.waitFor(t, want...)
}

// TestIPv4MappedPeer: a peer that the socket reports as IPv4-mapped IPv6
// matches an IPv4 trusted prefix and is reported unmapped.
func TestIPv4MappedPeer(t *testing.T) {
	t.Parallel()
	mapped := netip.MustParseAddrPort("[::ffff:10.1.2.3]:40000")
	for _, cidr := range []string{"10.0.0.0/8", "::ffff:10.0.0.0/104"} {
		t.Run(cidr, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{}
			client, server := acceptOne(t, Policy{
				Mode:         ModeRequired,
				TrustedCIDRs: []netip.Prefix{netip.MustParsePrefix(cidr)},
				Observe:      rec.observe,
			}, mapped)
			done := writeAsync(client, []byte("PROXY TCP4 203.0.113.7 192.0.2.1 51000 80\r\n"))
			info, err := InfoOf(server)
			if err != nil {
				t.Fatal(err)
			}
			want := Info{Peer: netip.MustParseAddrPort("10.1.2.3:40000"), Source: clientV4, Destination: lbV4, ViaProxy: true}
			if info != want {
				t.Errorf("got %+v, want %+v", info, want)
			}
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			rec.waitFor(t, OutcomeAccepted)
		})
	}
}

// TestOffModeHeaderIsRequestBytes: with ModeOff a PROXY header is not
// parsed, even from a "trusted" peer: the HTTP server rejects it.
func TestOffModeHeaderIsRequestBytes(t *testing.T) {
	t.Parallel()
	for _, h := range [][]byte{[]byte("PROXY TCP4 203.0.113.7 192.0.2.1 51000 80\r\n"), v2TCP4(clientV4, lbV4, nil)} {
		srv := startServer(t, "tcp4", Policy{Mode: ModeOff, TrustedCIDRs: loopbackTrust})
		conn := dial(t, "tcp4", srv.addr, netip.Addr{})
		if got := exchange(t, conn, h); got.status != 400 {
			t.Errorf("%q: got %+v, want status 400", h[:5], got)
		}
		srv.rec.waitFor(t, OutcomeNone)
	}
}

// TestSecondHeaderIsRequestBytes: only the first header is interpreted; a
// second PROXY line is request bytes, which the HTTP server refuses.
func TestSecondHeaderIsRequestBytes(t *testing.T) {
	t.Parallel()
	second := "PROXY TCP4 198.51.100.66 192.0.2.1 1234 80\r\n"
	firsts := []struct {
		name string
		b    []byte
	}{
		{"v1", []byte("PROXY TCP4 203.0.113.7 192.0.2.1 51000 80\r\n")},
		{"v2", v2TCP4(clientV4, lbV4, nil)},
		{"v2 LOCAL", v2(0x20, 0, 0, nil)},
	}
	for _, mode := range []Mode{ModeOptional, ModeRequired} {
		for _, f := range firsts {
			for _, then := range []string{second, string(v2TCP4(netip.MustParseAddrPort("198.51.100.66:1"), lbV4, nil))} {
				t.Run(mode.String()+"/"+f.name+"/"+strings.ToValidUTF8(then[:5], "?"), func(t *testing.T) {
					t.Parallel()
					srv := startServer(t, "tcp4", Policy{Mode: mode, TrustedCIDRs: loopbackTrust})
					conn := dial(t, "tcp4", srv.addr, netip.Addr{})
					if got := exchange(t, conn, append(f.b, then...)); got.status != 400 {
						t.Errorf("got %+v, want status 400", got)
					}
					srv.rec.waitFor(t, OutcomeAccepted)
				})
			}
		}
	}
}
