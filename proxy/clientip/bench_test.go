package clientip

import (
	"net/http"
	"net/netip"
	"testing"
)

func benchResolve(b *testing.B, p *Policy, start string, h http.Header, buf []Hop) {
	b.Helper()
	addr := netip.MustParseAddr(start)
	b.ReportAllocs()
	for b.Loop() {
		p.Resolve(addr, SourcePeer, h, buf)
	}
}

func BenchmarkResolveUntrustedForgedXFF(b *testing.B) {
	benchResolve(b, &xffOnly, "203.0.113.7", header("X-Forwarded-For", "10.0.0.1, 10.0.0.2"), nil)
}

func BenchmarkResolveXFFTwoHops(b *testing.B) {
	h := header("X-Forwarded-For", "198.51.100.9, 10.0.0.1")
	b.Run("buf", func(b *testing.B) { benchResolve(b, &xffOnly, "10.0.0.2", h, make([]Hop, 0, MaxHops)) })
	b.Run("nil", func(b *testing.B) { benchResolve(b, &xffOnly, "10.0.0.2", h, nil) })
}

func BenchmarkResolveForwardedTwoHops(b *testing.B) {
	h := header("Forwarded", `for="[2001:db8::1]:4711";proto=https, for=10.0.0.1;proto=https`)
	b.Run("buf", func(b *testing.B) { benchResolve(b, &fwdOnly, "10.0.0.2", h, make([]Hop, 0, MaxHops)) })
	b.Run("nil", func(b *testing.B) { benchResolve(b, &fwdOnly, "10.0.0.2", h, nil) })
}

func BenchmarkResolveXFF10000(b *testing.B) {
	// The client sits right of 9,998 forged entries.
	forged := header("X-Forwarded-For", list(9998, func(int) string { return "203.0.113.7" })+", 198.51.100.9, 10.0.0.1")
	// Every entry is trusted: the walk stops at MaxHops.
	trusted := header("X-Forwarded-For", list(10000, trustedHop))
	b.Run("client-near-right", func(b *testing.B) { benchResolve(b, &xffOnly, "10.0.0.2", forged, make([]Hop, 0, MaxHops)) })
	b.Run("all-trusted-hop-limit", func(b *testing.B) { benchResolve(b, &xffOnly, "10.0.0.2", trusted, make([]Hop, 0, MaxHops)) })
}

func BenchmarkResolveForwarded10000(b *testing.B) {
	trusted := header("Forwarded", list(10000, func(i int) string { return "for=" + trustedHop(i) }))
	b.Run("all-trusted-hop-limit", func(b *testing.B) { benchResolve(b, &fwdOnly, "10.0.0.2", trusted, make([]Hop, 0, MaxHops)) })
}
