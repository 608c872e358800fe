package gateway

import (
	"maps"
	"net/netip"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/types"
)

func TestParseAddressPool(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want, err string
	}{
		{in: "", want: ""},
		{in: "198.51.100.48/28", want: "198.51.100.48/28"},
		{in: " 198.51.100.48/28 , fd00::f:0:c633:6430/124 ", want: "198.51.100.48/28,fd00::f:0:c633:6430/124"},
		{in: "198.51.100.49/28", err: "host bits set (did you mean 198.51.100.48/28?)"},
		{in: "198.51.100.48", err: "no '/'"},
		{in: "::ffff:198.51.100.48/124", err: "write IPv4 prefixes as IPv4"},
		{in: "198.51.100.48/28,198.51.100.0/24", err: "overlaps 198.51.100.48/28"},
		{in: "example.com/28", err: "address pool"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			p, err := ParseAddressPool(tc.in)
			switch {
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("error %v, want one containing %q", err, tc.err)
			case tc.err == "" && err != nil:
				t.Fatal(err)
			case tc.err == "" && p.String() != tc.want:
				t.Errorf("pool %q, want %q", p, tc.want)
			}
		})
	}
}

func TestAddressPoolAssign(t *testing.T) {
	t.Parallel()
	a := netip.MustParseAddr
	gw := func(name string) types.NamespacedName { return types.NamespacedName{Namespace: "ns", Name: name} }
	pool, err := ParseAddressPool("198.51.100.48/30,fd00::10/127")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		reqs     []AddressRequest
		reserved []netip.Addr
		want     map[types.NamespacedName]netip.Addr
	}{
		{
			name: "in order, lowest first, the prefix's first address included",
			reqs: []AddressRequest{{Gateway: gw("a")}, {Gateway: gw("b")}},
			want: map[types.NamespacedName]netip.Addr{gw("a"): a("198.51.100.48"), gw("b"): a("198.51.100.49")},
		},
		{
			name: "an address had is kept, even when a newer Gateway had it first",
			reqs: []AddressRequest{{Gateway: gw("a")}, {Gateway: gw("b"), Had: []netip.Addr{a("198.51.100.48")}}},
			want: map[types.NamespacedName]netip.Addr{gw("a"): a("198.51.100.49"), gw("b"): a("198.51.100.48")},
		},
		{
			name: "of two Gateways that had one address, the first keeps it",
			reqs: []AddressRequest{
				{Gateway: gw("old"), Had: []netip.Addr{a("198.51.100.50")}},
				{Gateway: gw("new"), Had: []netip.Addr{a("198.51.100.50")}},
			},
			want: map[types.NamespacedName]netip.Addr{gw("old"): a("198.51.100.50"), gw("new"): a("198.51.100.48")},
		},
		{
			name: "an address outside the pool is not kept; the next one had is",
			reqs: []AddressRequest{{Gateway: gw("a"), Had: []netip.Addr{a("192.0.2.1"), a("198.51.100.51")}}},
			want: map[types.NamespacedName]netip.Addr{gw("a"): a("198.51.100.51")},
		},
		{
			name:     "reserved addresses (static ones) are never given",
			reqs:     []AddressRequest{{Gateway: gw("a"), Had: []netip.Addr{a("198.51.100.48")}}},
			reserved: []netip.Addr{a("198.51.100.48"), a("198.51.100.49")},
			want:     map[types.NamespacedName]netip.Addr{gw("a"): a("198.51.100.50")},
		},
		{
			name: "the next prefix once the first is full, then none",
			reqs: []AddressRequest{
				{Gateway: gw("a")}, {Gateway: gw("b")}, {Gateway: gw("c")}, {Gateway: gw("d")},
				{Gateway: gw("e")}, {Gateway: gw("f")}, {Gateway: gw("g")},
			},
			want: map[types.NamespacedName]netip.Addr{
				gw("a"): a("198.51.100.48"), gw("b"): a("198.51.100.49"), gw("c"): a("198.51.100.50"), gw("d"): a("198.51.100.51"),
				gw("e"): a("fd00::10"), gw("f"): a("fd00::11"),
			},
		},
		{
			name: "an IPv4-mapped address had is the IPv4 one",
			reqs: []AddressRequest{{Gateway: gw("a"), Had: []netip.Addr{a("::ffff:198.51.100.51")}}},
			want: map[types.NamespacedName]netip.Addr{gw("a"): a("198.51.100.51")},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := pool.Assign(tc.reqs, tc.reserved); !maps.Equal(got, tc.want) {
				t.Errorf("Assign = %v, want %v", got, tc.want)
			}
		})
	}
	if got := (AddressPool{}).Assign([]AddressRequest{{Gateway: gw("a")}}, nil); len(got) != 0 {
		t.Errorf("the empty pool gave %v", got)
	}
}
