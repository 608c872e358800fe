package e2e

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"
)

// TestAddressPool checks the Gateway address pool: reserved addresses go
// to no host, and once added to a node host a client reaches a listener
// on any of them directly across the bridge, over IPv4 and IPv6, and the
// node sees the client's own address.
func TestAddressPool(t *testing.T) {
	t.Parallel()
	f := NewFabric(t)
	node := f.Node(t, "node")
	pool := f.ReserveAddressPool(t, Node, 28)
	if want := netip.MustParsePrefix("198.51.100.48/28"); pool.IPv4 != want {
		t.Errorf("pool %s, want %s (the top of the node range)", pool.IPv4, want)
	}
	client := f.Client(t, "client")
	other := f.Node(t, "other")
	if pool.IPv4.Contains(other.IPv4) {
		t.Errorf("host %s was given a pool address", other)
	}
	if h, err := f.addHost(HostSpec{Name: "taker", Role: Node, IPv4: pool.IPv4.Addr()}); err == nil {
		t.Errorf("host %s was given the pool address it asked for", h)
	}
	v4, v6 := pool.IPv4Addrs(), pool.IPv6Addrs()
	node.AddAddresses(t, append(v4, v6...)...)

	for _, to := range []netip.Addr{v4[0], v4[len(v4)-1], v6[0], v6[len(v6)-1]} {
		t.Run(to.String(), func(t *testing.T) {
			addr := netip.AddrPortFrom(to, 80)
			l, err := node.Listen("tcp", addr.String())
			if err != nil {
				t.Fatalf("binding %s in the node host: %v", addr, err)
			}
			defer l.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			c, err := client.DialContext(ctx, "tcp", addr.String())
			if err != nil {
				t.Fatalf("client to %s: %v", addr, err)
			}
			defer c.Close()
			if err := l.(*net.TCPListener).SetDeadline(time.Now().Add(5 * time.Second)); err != nil {
				t.Fatal(err)
			}
			s, err := l.Accept()
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			want := client.IPv4
			if to.Is6() {
				want = client.IPv6
			}
			if got := s.RemoteAddr().(*net.TCPAddr).AddrPort().Addr().Unmap(); got != want {
				t.Errorf("peer seen by the node = %s, want %s", got, want)
			}
		})
	}
}
