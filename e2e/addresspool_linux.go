package e2e

import (
	"net/netip"
	"testing"
)

// ReserveAddressPool sets aside the highest free aligned IPv4 block of
// 2^(32-bits) addresses in role's range (a /28 is 16 addresses) and its
// IPv6 pair (see [AddressPool]): no host is given any of them for the rest
// of the run. Nothing is configured yet; [Host.AddAddresses] puts them on
// a host. It fails t when the range has no such free block.
func (f *Fabric) ReserveAddressPool(t testing.TB, role Role, bits int) AddressPool {
	t.Helper()
	r, ok := roleRanges[role]
	if !ok {
		t.Fatalf("fabric %s: address pool: unknown role %v", f.ID, role)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	p, err := pickPool(r, bits, func(a netip.Addr) bool { return f.used[a] })
	if err != nil {
		t.Fatalf("fabric %s: %s address pool: %v", f.ID, role, err)
	}
	for _, a := range prefixAddrs(p) {
		f.used[a] = true
	}
	return AddressPool{IPv4: p, IPv6: poolIPv6For(p)}
}

// AddAddresses adds each address to h's eth0 as a single address, an
// IPv4 /32 or an IPv6 /128 (without duplicate address detection), so that
// h answers ARP and neighbour solicitations for it and programs in h can
// bind it. Other hosts reach it on-link as long as it lies inside
// [FabricIPv4] or [FabricIPv6] (an [AddressPool] does). The addresses go
// with h's namespace. It fails t on any error.
func (h *Host) AddAddresses(t testing.TB, addrs ...netip.Addr) {
	t.Helper()
	for _, a := range addrs {
		args := []string{"-n", h.Netns.Name, "addr", "add", a.String() + "/32", "dev", "eth0"}
		if a.Is6() {
			args = []string{"-n", h.Netns.Name, "-6", "addr", "add", a.String() + "/128", "dev", "eth0", "nodad"}
		}
		if err := runIP(args...); err != nil {
			t.Fatalf("host %s: add address %s: %v", h.Name, a, err)
		}
	}
	if len(addrs) > 0 {
		t.Logf("host %s: added %d addresses (%s ... %s)", h.Name, len(addrs), addrs[0], addrs[len(addrs)-1])
	}
}
