package clientip

import (
	"net/http"
	"net/netip"
	"strings"
	"testing"
)

func TestResolveReusesBuffer(t *testing.T) {
	t.Parallel()
	buf := make([]Hop, 0, MaxHops)
	h := header("X-Forwarded-For", "198.51.100.9, 10.0.0.1")
	got := xffOnly.Resolve(netip.MustParseAddr("10.0.0.2"), SourcePeer, h, buf)
	if len(got.Chain) != 2 || &got.Chain[0] != &buf[:1][0] {
		t.Fatalf("Chain %v does not reuse buf", got.Chain)
	}
}

// TestResolveBoundedAllocations checks that walking a header, however long,
// allocates nothing when the caller supplies a buffer, and that an untrusted
// peer costs nothing at all. It is not parallel: testing.AllocsPerRun
// refuses to run in a parallel test.
func TestResolveBoundedAllocations(t *testing.T) {
	tests := []struct {
		name   string
		policy *Policy
		start  string
		header http.Header
	}{
		{"untrusted peer with forged xff", &xffOnly, "203.0.113.7",
			header("X-Forwarded-For", "1.2.3.4, 10.0.0.1")},
		{"trusted two-hop xff", &xffOnly, "10.0.0.2",
			header("X-Forwarded-For", "198.51.100.9, 10.0.0.1")},
		{"trusted two-hop forwarded", &fwdOnly, "10.0.0.2",
			header("Forwarded", `for="[2001:db8::1]:4711";proto=https, for=10.0.0.1`)},
		{"10000 trusted xff entries", &xffOnly, "10.0.0.2",
			http.Header{"X-Forwarded-For": {list(10000, trustedHop)}}},
		{"10000 trusted forwarded elements", &fwdOnly, "10.0.0.2",
			http.Header{"Forwarded": {list(10000, func(i int) string { return "for=" + trustedHop(i) })}}},
		{"10000 xff lines", &xffOnly, "10.0.0.2",
			http.Header{"X-Forwarded-For": strings.Split(list(10000, trustedHop), ", ")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := netip.MustParseAddr(tt.start)
			buf := make([]Hop, 0, MaxHops)
			allocs := testing.AllocsPerRun(50, func() {
				tt.policy.Resolve(start, SourcePeer, tt.header, buf)
			})
			if allocs != 0 {
				t.Errorf("Resolve allocated %v times per call, want 0", allocs)
			}
		})
	}
}
