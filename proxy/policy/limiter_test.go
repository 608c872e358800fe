package policy

import (
	"fmt"
	"net/netip"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/firsthop/firsthop/model"
)

var t0 = epoch.Add(time.Hour)

func TestLimiterRateAndBurst(t *testing.T) {
	t.Parallel()
	l := NewLimiter(LimiterConfig{Requests: 10, Per: time.Second, Burst: 3, IPv6Prefix: 64})
	a := netip.MustParseAddr("192.0.2.1")
	for i := range 3 {
		if o, _ := l.Admit(a, t0); o != Admitted {
			t.Fatalf("request %d of the burst: %v", i, o)
		}
	}
	o, retry := l.Admit(a, t0)
	if o != OverRate || retry != 100*time.Millisecond {
		t.Fatalf("past the burst: %v, retry %v; want OverRate after 100ms", o, retry)
	}
	if o, _ := l.Admit(netip.MustParseAddr("192.0.2.2"), t0); o != Admitted {
		t.Errorf("another client is limited: %v", o)
	}
	if o, _ := l.Admit(a, t0.Add(99*time.Millisecond)); o != OverRate {
		t.Errorf("before a token is back: %v", o)
	}
	if o, _ := l.Admit(a, t0.Add(100*time.Millisecond)); o != Admitted {
		t.Errorf("once a token is back: %v", o)
	}
	if o, _ := l.Admit(a, t0.Add(time.Hour)); o != Admitted {
		t.Errorf("after a long pause: %v", o)
	}
}

func TestLimiterPerMinute(t *testing.T) {
	t.Parallel()
	l := NewLimiter(LimiterConfig{Requests: 2, Per: time.Minute, Burst: 1, IPv6Prefix: 64})
	a := netip.MustParseAddr("192.0.2.1")
	if o, _ := l.Admit(a, t0); o != Admitted {
		t.Fatal(o)
	}
	if o, retry := l.Admit(a, t0.Add(time.Second)); o != OverRate || retry != 29*time.Second {
		t.Errorf("second request within 30s: %v, retry %v; want OverRate, 29s", o, retry)
	}
}

func TestLimiterIPv6Prefix(t *testing.T) {
	t.Parallel()
	l := NewLimiter(LimiterConfig{Requests: 1, Per: time.Second, Burst: 1, IPv6Prefix: 64})
	if o, _ := l.Admit(netip.MustParseAddr("2001:db8:1:2::1"), t0); o != Admitted {
		t.Fatal(o)
	}
	if o, _ := l.Admit(netip.MustParseAddr("2001:db8:1:2:ffff::9"), t0); o != OverRate {
		t.Errorf("another address of the same /64: %v, want OverRate", o)
	}
	if o, _ := l.Admit(netip.MustParseAddr("2001:db8:1:3::1"), t0); o != Admitted {
		t.Errorf("the next /64: %v, want Admitted", o)
	}
	if o, _ := l.Admit(netip.MustParseAddr("::ffff:192.0.2.1"), t0); o != Admitted {
		t.Fatal(o)
	}
	if o, _ := l.Admit(netip.MustParseAddr("192.0.2.1"), t0); o != OverRate {
		t.Errorf("the IPv4 address of a mapped one is another client: %v", o)
	}
	if o, _ := l.Admit(netip.MustParseAddr("192.0.2.2"), t0); o != Admitted {
		t.Errorf("IPv4 clients are not grouped: %v", o)
	}
}

func TestLimiterConcurrency(t *testing.T) {
	t.Parallel()
	l := NewLimiter(LimiterConfig{MaxConcurrent: 2, IPv6Prefix: 64})
	a := netip.MustParseAddr("192.0.2.1")
	for range 2 {
		if o, _ := l.Admit(a, t0); o != Admitted {
			t.Fatal(o)
		}
	}
	if o, _ := l.Admit(a, t0); o != OverConcurrency {
		t.Fatalf("third in flight: %v", o)
	}
	l.Release(a)
	if o, _ := l.Admit(a, t0); o != Admitted {
		t.Errorf("after a release: %v", o)
	}
	// A refusal for concurrency takes no token of the rate limit.
	lr := NewLimiter(LimiterConfig{Requests: 1, Per: time.Second, Burst: 2, MaxConcurrent: 1, IPv6Prefix: 64})
	if o, _ := lr.Admit(a, t0); o != Admitted {
		t.Fatal(o)
	}
	if o, _ := lr.Admit(a, t0); o != OverConcurrency {
		t.Fatal(o)
	}
	lr.Release(a)
	if o, _ := lr.Admit(a, t0); o != Admitted {
		t.Errorf("the refused request took a token: %v", o)
	}
}

// TestLimiterBounded floods a limiter with distinct /64s: its state stays
// within MaxClients, and a client in flight keeps its count.
func TestLimiterBounded(t *testing.T) {
	t.Parallel()
	const maxClients = 4096
	l := NewLimiter(LimiterConfig{Requests: 1, Per: time.Second, Burst: 1, MaxConcurrent: 1, IPv6Prefix: 64, MaxClients: maxClients})
	held := netip.MustParseAddr("192.0.2.1")
	if o, _ := l.Admit(held, t0); o != Admitted {
		t.Fatal(o)
	}
	for i := range 100_000 {
		a := netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, byte(i >> 16), byte(i >> 8), byte(i), 0, 15: 1})
		if o, _ := l.Admit(a, t0); o == Admitted {
			l.Release(a)
		}
	}
	if n := l.Clients(); n > maxClients {
		t.Errorf("%d clients kept, bound %d", n, maxClients)
	}
	if o, _ := l.Admit(held, t0.Add(time.Hour)); o != OverConcurrency {
		t.Errorf("the client in flight was forgotten: %v", o)
	}
}

// TestLimiterDoesNotBlockOthers holds one shard's lock and shows that a
// client of another shard is still served.
func TestLimiterDoesNotBlockOthers(t *testing.T) {
	t.Parallel()
	l := NewLimiter(LimiterConfig{Requests: 1, Per: time.Second, Burst: 1, IPv6Prefix: 64})
	a := netip.MustParseAddr("192.0.2.1")
	s := l.shardOf(l.key(a))
	var other netip.Addr
	for i := range 1000 {
		b := netip.AddrFrom4([4]byte{198, 51, byte(i >> 8), byte(i)})
		if l.shardOf(l.key(b)) != s {
			other = b
			break
		}
	}
	s.mu.Lock()
	done := make(chan struct{})
	go func() {
		l.Admit(other, t0)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Error("a client of another shard waited for a held shard")
	}
	s.mu.Unlock()
}

func TestPolicyCheck(t *testing.T) {
	t.Parallel()
	p := Compile(model.Policy{Name: "office",
		Allow: prefixes("10.0.0.0/8", "2001:db8::/32"), Deny: prefixes("10.6.6.0/24"),
		RateLimit: &model.RateLimit{Requests: 1, Per: time.Second, Burst: 1}, LimitExempt: prefixes("10.1.0.0/16"), LimitStatus: 503})
	tests := []struct {
		addr   string
		reason Reason
		status int
	}{
		{"10.6.6.1", Denied, 403},
		{"192.0.2.1", Denied, 403},
		{"10.2.0.1", Passed, 0},
		{"10.2.0.1", RateLimited, 503},
		{"10.1.0.1", Passed, 0},
		{"10.1.0.1", Passed, 0},
		{"2001:db8::1", Passed, 0},
	}
	for i, tc := range tests {
		v := p.Check(netip.MustParseAddr(tc.addr), t0)
		if v.Reason != tc.reason || v.Status != tc.status {
			t.Errorf("%d: Check(%s) = %+v, want %v %d", i, tc.addr, v, tc.reason, tc.status)
		}
		if v.Reason == RateLimited && v.RetryAfter != 1 {
			t.Errorf("Retry-After = %d, want 1", v.RetryAfter)
		}
	}
	if v := p.Explain(netip.MustParseAddr("10.3.0.1"), t0); v.Reason != Passed {
		t.Errorf("Explain of a fresh client: %+v", v)
	}
	if v := p.Check(netip.MustParseAddr("10.3.0.1"), t0); v.Reason != Passed {
		t.Errorf("Explain took the token: %+v", v)
	}
}

func TestRegistryKeepsState(t *testing.T) {
	t.Parallel()
	var r Registry
	spec := model.Policy{Name: "limit", RateLimit: &model.RateLimit{Requests: 1, Per: time.Minute, Burst: 1}}
	a := netip.MustParseAddr("192.0.2.1")
	p1 := r.Compile(spec)
	if v := p1.Check(a, t0); v.Reason != Passed {
		t.Fatal(v)
	}
	spec.Allow = prefixes("192.0.2.0/24") // not a limit: the state stays
	p2 := r.Compile(spec)
	if v := p2.Check(a, t0); v.Reason != RateLimited {
		t.Errorf("after a recompile with the same limits: %+v, want rate_limited", v)
	}
	r.KeepOnly([]*Policy{p2})
	spec.RateLimit = &model.RateLimit{Requests: 2, Per: time.Minute, Burst: 1}
	p3 := r.Compile(spec)
	if p3.limiter == p2.limiter {
		t.Error("a changed limit kept the old limiter")
	}
	r.KeepOnly([]*Policy{p3})
	if len(r.limiters) != 1 {
		t.Errorf("%d limiters kept, want 1", len(r.limiters))
	}
}

func TestLimiterConcurrentUse(t *testing.T) {
	t.Parallel()
	l := NewLimiter(LimiterConfig{MaxConcurrent: 1000, IPv6Prefix: 64, MaxClients: 64})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				a := netip.AddrFrom4([4]byte{10, byte(g), byte(i >> 8), byte(i)})
				if o, _ := l.Admit(a, t0); o == Admitted {
					l.Release(a)
				}
			}
		})
	}
	wg.Wait()
}

// BenchmarkLimiterMemory reports the heap one limiter keeps for a million
// distinct clients (IPv6 /64s), with the bound raised to hold them all and
// with the default bound.
func BenchmarkLimiterMemory(b *testing.B) {
	for _, bound := range []int{1 << 20, DefaultMaxClients} {
		b.Run(fmt.Sprintf("bound=%d", bound), func(b *testing.B) {
			for b.Loop() {
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				l := NewLimiter(LimiterConfig{Requests: 10, Per: time.Second, Burst: 20, IPv6Prefix: 64, MaxClients: bound})
				for i := range 1_000_000 {
					a := netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, byte(i >> 16), byte(i >> 8), byte(i), 0, 15: 1})
					l.Admit(a, t0)
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				n := l.Clients()
				b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MiB")
				b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(n), "B/client")
				b.ReportMetric(float64(n), "clients")
				runtime.KeepAlive(l)
			}
		})
	}
}

func BenchmarkLimiterAdmit(b *testing.B) {
	l := NewLimiter(LimiterConfig{Requests: 1 << 30, Per: time.Second, Burst: 1 << 20, IPv6Prefix: 64})
	a := netip.MustParseAddr("2001:db8::1")
	now := t0
	b.ReportAllocs()
	for b.Loop() {
		l.Admit(a, now)
	}
}
