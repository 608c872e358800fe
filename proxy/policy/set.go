package policy

import (
	"cmp"
	"encoding/binary"
	"net/netip"
	"slices"
	"sort"
)

// Set is an immutable set of address prefixes, merged into sorted,
// disjoint ranges so that a lookup is a binary search: an allowlist of
// thousands of prefixes costs a dozen comparisons and no allocation.
// The zero Set is empty.
type Set struct {
	v4 []span4
	v6 []span6
}

type span4 struct{ lo, hi uint32 }

type u128 struct{ hi, lo uint64 }

type span6 struct{ lo, hi u128 }

func (a u128) less(b u128) bool { return a.hi < b.hi || a.hi == b.hi && a.lo < b.lo }

func (a u128) next() u128 {
	if a.lo == ^uint64(0) {
		return u128{a.hi + 1, 0}
	}
	return u128{a.hi, a.lo + 1}
}

func u128Of(a netip.Addr) u128 {
	b := a.As16()
	return u128{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
}

// NewSet returns the set of the addresses inside any of prefixes. An
// IPv4-mapped IPv6 prefix (::ffff:10.0.0.0/104) is taken as the IPv4
// prefix it maps; invalid prefixes are ignored.
func NewSet(prefixes []netip.Prefix) *Set {
	s := &Set{}
	for _, p := range prefixes {
		if !p.IsValid() {
			continue
		}
		p = p.Masked()
		if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
		}
		a, bits := p.Addr(), p.Bits()
		if a.Is4() {
			lo := binary.BigEndian.Uint32(a.AsSlice())
			hi := lo | uint32(uint64(1)<<(32-bits)-1)
			s.v4 = append(s.v4, span4{lo, hi})
			continue
		}
		lo := u128Of(a)
		hi := lo
		switch {
		case bits <= 64:
			hi.hi |= uint64(1)<<(64-bits) - 1
			if bits == 0 {
				hi.hi = ^uint64(0)
			}
			hi.lo = ^uint64(0)
		default:
			hi.lo |= uint64(1)<<(128-bits) - 1
		}
		s.v6 = append(s.v6, span6{lo, hi})
	}
	s.v4 = merge(s.v4, func(a, b span4) int { return cmp.Compare(a.lo, b.lo) },
		func(last *span4, x span4) bool {
			if x.lo > last.hi && x.lo-1 > last.hi { // disjoint and not adjacent
				return false
			}
			last.hi = max(last.hi, x.hi)
			return true
		})
	s.v6 = merge(s.v6, func(a, b span6) int {
		if a.lo.less(b.lo) {
			return -1
		}
		if b.lo.less(a.lo) {
			return 1
		}
		return 0
	}, func(last *span6, x span6) bool {
		if last.hi.less(x.lo) && last.hi.next() != x.lo && last.hi != (u128{^uint64(0), ^uint64(0)}) {
			return false
		}
		if last.hi.less(x.hi) {
			last.hi = x.hi
		}
		return true
	})
	return s
}

// merge sorts spans by start and merges those that overlap or touch
// (join merges x into last and reports whether it could).
func merge[S any](spans []S, compare func(a, b S) int, join func(last *S, x S) bool) []S {
	if len(spans) == 0 {
		return nil
	}
	slices.SortFunc(spans, compare)
	out := spans[:1]
	for _, x := range spans[1:] {
		if !join(&out[len(out)-1], x) {
			out = append(out, x)
		}
	}
	return slices.Clip(out)
}

// Empty reports whether s holds no address. s may be nil.
func (s *Set) Empty() bool { return s == nil || len(s.v4) == 0 && len(s.v6) == 0 }

// Contains reports whether a is in s. a should be normalised (unmapped,
// without zone); an IPv4-mapped address is looked up as IPv4. s may be nil.
func (s *Set) Contains(a netip.Addr) bool {
	if s == nil {
		return false
	}
	if a.Is4In6() {
		a = a.Unmap()
	}
	if a.Is4() {
		b := a.As4()
		x := binary.BigEndian.Uint32(b[:])
		i := sort.Search(len(s.v4), func(i int) bool { return s.v4[i].lo > x })
		return i > 0 && s.v4[i-1].hi >= x
	}
	if !a.Is6() {
		return false
	}
	x := u128Of(a)
	i := sort.Search(len(s.v6), func(i int) bool { return x.less(s.v6[i].lo) })
	return i > 0 && !s.v6[i-1].hi.less(x)
}
