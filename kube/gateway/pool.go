package gateway

import (
	"fmt"
	"net/netip"
	"strings"

	"k8s.io/apimachinery/pkg/types"
)

// AddressPool is the set of addresses firsthop hands out to the Gateways
// that name no spec.addresses (--gateway-addresses): one or more
// prefixes, every address of which (the first and last included) may be
// given. The zero value is an empty pool, which gives nothing.
type AddressPool struct {
	prefixes []netip.Prefix // masked, in the order given
}

// ParseAddressPool parses a comma-separated list of CIDR prefixes
// ("198.51.100.48/28" or "198.51.100.48/28,fd00::f:0:c633:6430/124").
// Empty is the empty pool. Host bits set, zones and overlapping prefixes
// are errors.
func ParseAddressPool(s string) (AddressPool, error) {
	var p AddressPool
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		pfx, err := netip.ParsePrefix(f)
		if err != nil {
			return AddressPool{}, fmt.Errorf("address pool %q: %v", f, err)
		}
		if pfx != pfx.Masked() {
			return AddressPool{}, fmt.Errorf("address pool %q has host bits set (did you mean %s?)", f, pfx.Masked())
		}
		if pfx.Addr().Is4In6() {
			return AddressPool{}, fmt.Errorf("address pool %q: write IPv4 prefixes as IPv4", f)
		}
		for _, q := range p.prefixes {
			if q.Overlaps(pfx) {
				return AddressPool{}, fmt.Errorf("address pool %q overlaps %s", f, q)
			}
		}
		p.prefixes = append(p.prefixes, pfx)
	}
	return p, nil
}

// String returns the prefixes, comma-separated.
func (p AddressPool) String() string {
	s := make([]string, len(p.prefixes))
	for i, q := range p.prefixes {
		s[i] = q.String()
	}
	return strings.Join(s, ",")
}

// Contains reports whether a is in the pool.
func (p AddressPool) Contains(a netip.Addr) bool {
	a = a.Unmap()
	for _, q := range p.prefixes {
		if q.Contains(a) {
			return true
		}
	}
	return false
}

// AddressRequest is a Gateway asking the pool for an address.
type AddressRequest struct {
	Gateway types.NamespacedName
	// Had are the addresses it had, preferred first (the one assigned
	// by this process last, then its status.addresses): the first of
	// them in the pool and free is given again.
	Had []netip.Addr
}

// Assign gives each request one address of the pool, or none when the
// pool is exhausted. Requests are served in order (the caller puts the
// older Gateways first): first each keeps the first address of its Had
// that is in the pool and not taken; then each one left gets the lowest
// free address, prefixes in order. reserved are taken from the start
// (addresses Gateways name in spec.addresses). The result depends on its
// arguments only, so every replica assigns alike, and a restarted one
// gives each Gateway the address in its status.
func (p AddressPool) Assign(reqs []AddressRequest, reserved []netip.Addr) map[types.NamespacedName]netip.Addr {
	taken := make(map[netip.Addr]bool, len(reserved)+len(reqs))
	for _, a := range reserved {
		taken[a.Unmap()] = true
	}
	out := make(map[types.NamespacedName]netip.Addr, len(reqs))
	for _, r := range reqs {
		if _, dup := out[r.Gateway]; dup {
			continue
		}
		for _, a := range r.Had {
			if a = a.Unmap(); p.Contains(a) && !taken[a] {
				out[r.Gateway] = a
				taken[a] = true
				break
			}
		}
	}
	next := p.free(taken)
	for _, r := range reqs {
		if _, ok := out[r.Gateway]; ok {
			continue
		}
		a, ok := next()
		if !ok {
			break
		}
		out[r.Gateway] = a
	}
	return out
}

// free returns an iterator over the addresses of the pool not in taken,
// lowest first, prefix by prefix; it marks each address it returns taken.
func (p AddressPool) free(taken map[netip.Addr]bool) func() (netip.Addr, bool) {
	i := 0
	var cur netip.Addr
	return func() (netip.Addr, bool) {
		for i < len(p.prefixes) {
			q := p.prefixes[i]
			if !cur.IsValid() {
				cur = q.Addr()
			} else {
				cur = cur.Next()
			}
			if !cur.IsValid() || !q.Contains(cur) {
				i++
				cur = netip.Addr{}
				continue
			}
			if !taken[cur] {
				taken[cur] = true
				return cur, true
			}
		}
		return netip.Addr{}, false
	}
}
