package proxy

import (
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	proxyproto "github.com/pires/go-proxyproto"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/clientip"
	"github.com/firsthop/firsthop/proxy/listen"
)

// countingBackend is a backend that counts the requests it got and answers
// 200 "ok"; while gate is set, it waits for the gate to close first.
type countingBackend struct {
	addr netip.AddrPort
	hits atomic.Int64
	mu   sync.Mutex
	gate chan struct{}
	// waiting counts requests held at the gate.
	waiting atomic.Int64
}

func startCountingBackend(t *testing.T) *countingBackend {
	t.Helper()
	b := &countingBackend{}
	b.addr = serveHTTPBackend(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.hits.Add(1)
		b.mu.Lock()
		gate := b.gate
		b.mu.Unlock()
		if gate != nil {
			b.waiting.Add(1)
			<-gate
			b.waiting.Add(-1)
		}
		_, _ = io.WriteString(w, "ok")
	}))
	return b
}

func (b *countingBackend) hold() chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.gate = make(chan struct{})
	return b.gate
}

// policySpec routes every path to b with the policies named, and trusts
// 127.0.0.0/8 for X-Forwarded-For when trustLoopback.
func policySpec(b *countingBackend, trustLoopback bool, policies []model.Policy, names ...string) model.TableSpec {
	spec := model.TableSpec{
		Routes:   []model.Route{{Path: "/", Backend: "b", Policies: names}},
		Backends: []model.Backend{{Name: "b", Endpoints: []model.Endpoint{{Addr: b.addr}}}},
		Policies: policies,
	}
	if trustLoopback {
		spec.ClientIP = clientip.Policy{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
			Headers: []clientip.Header{clientip.HeaderXForwardedFor}}
	}
	return spec
}

// getAs sends a GET to addr with X-Forwarded-For xff (none when empty)
// after prefix, and returns the status, Retry-After and body.
func getAs(t *testing.T, addr string, prefix []byte, xff string) (int, string, string) {
	t.Helper()
	raw := "GET /x HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n"
	if xff != "" {
		raw += "X-Forwarded-For: " + xff + "\r\n"
	}
	resp, err := rawRequest(t, addr, prefix, raw+"\r\n")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Retry-After"), string(body)
}

func prefixList(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

func oncePerMinute(name string) model.Policy {
	return model.Policy{Name: name, RateLimit: &model.RateLimit{Requests: 1, Per: time.Minute, Burst: 1}}
}

func TestPolicyForgedXForwardedForCannotPassAllowlist(t *testing.T) {
	t.Parallel()
	b := startCountingBackend(t)
	office := model.Policy{Name: "office-only", Allow: prefixList("203.0.113.0/24")}
	untrusting := startProxy(t, policySpec(b, false, []model.Policy{office}, "office-only"), listen.Policy{})
	status, _, body := getAs(t, untrusting.addr, nil, "203.0.113.7")
	if status != http.StatusForbidden || !strings.Contains(body, `"office-only"`) {
		t.Errorf("forged X-Forwarded-For from an untrusted peer: %d %q, want 403 naming the policy", status, body)
	}
	if n := b.hits.Load(); n != 0 {
		t.Errorf("the backend got %d requests, want none", n)
	}
	// The same header from a trusted peer is believed.
	trusting := startProxy(t, policySpec(b, true, []model.Policy{office}, "office-only"), listen.Policy{})
	if status, _, _ := getAs(t, trusting.addr, nil, "203.0.113.7"); status != http.StatusOK {
		t.Errorf("allowed client behind a trusted proxy: %d, want 200", status)
	}
	if status, _, _ := getAs(t, trusting.addr, nil, "198.51.100.1"); status != http.StatusForbidden {
		t.Errorf("client outside the allowlist behind a trusted proxy: %d, want 403", status)
	}
}

func TestPolicyClientsBehindTrustedBalancerGetSeparateBuckets(t *testing.T) {
	t.Parallel()
	b := startCountingBackend(t)
	p := startProxy(t, policySpec(b, true, []model.Policy{oncePerMinute("api-limit")}, "api-limit"), listen.Policy{})
	if status, _, _ := getAs(t, p.addr, nil, "198.51.100.1"); status != http.StatusOK {
		t.Fatalf("first request of client 1: %d", status)
	}
	status, retry, body := getAs(t, p.addr, nil, "198.51.100.1")
	if status != http.StatusTooManyRequests || retry == "" || retry == "0" || !strings.Contains(body, `"api-limit"`) {
		t.Errorf("second request of client 1: %d, Retry-After %q, %q; want 429 with Retry-After naming the policy", status, retry, body)
	}
	if status, _, _ := getAs(t, p.addr, nil, "198.51.100.2"); status != http.StatusOK {
		t.Errorf("client 2 behind the same balancer: %d, want its own bucket", status)
	}
	// A forged entry left of the balancer's cannot move a client to
	// another bucket: the walk stops at the first untrusted hop.
	if status, _, _ := getAs(t, p.addr, nil, "6.6.6.6, 198.51.100.1"); status != http.StatusTooManyRequests {
		t.Errorf("client 1 with a forged entry in front: %d, want 429", status)
	}
	if n := b.hits.Load(); n != 2 {
		t.Errorf("the backend got %d requests, want 2", n)
	}
}

func TestPolicyProxyProtocolSourcesLimitedPerClient(t *testing.T) {
	t.Parallel()
	b := startCountingBackend(t)
	p := startProxy(t, policySpec(b, false, []model.Policy{oncePerMinute("api-limit")}, "api-limit"), listen.Policy{
		Mode: listen.ModeRequired, TrustedCIDRs: prefixList("127.0.0.0/8"),
	})
	header := func(src string) []byte {
		h := proxyproto.HeaderProxyFromAddrs(2, &net.TCPAddr{IP: net.ParseIP(src), Port: 40000}, &net.TCPAddr{IP: net.ParseIP("192.0.2.1"), Port: 80})
		raw, err := h.Format()
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	for _, tc := range []struct {
		src  string
		want int
	}{{"203.0.113.7", 200}, {"203.0.113.7", 429}, {"203.0.113.8", 200}, {"2001:db8:1:2::1", 200}, {"2001:db8:1:2::99", 429}, {"2001:db8:1:3::1", 200}} {
		if status, _, _ := getAs(t, p.addr, header(tc.src), "6.6.6.6"); status != tc.want {
			t.Errorf("PROXY source %s: %d, want %d", tc.src, status, tc.want)
		}
	}
}

func TestPolicyIPv6ClientsShareASlash64AndExemptRanges(t *testing.T) {
	t.Parallel()
	b := startCountingBackend(t)
	limit := oncePerMinute("api-limit")
	limit.LimitExempt = prefixList("10.1.0.0/16", "2001:db8:ffff::/48")
	p := startProxy(t, policySpec(b, true, []model.Policy{limit}, "api-limit"), listen.Policy{})
	for _, tc := range []struct {
		client string
		want   int
	}{
		{"2001:db8:1:2::1", 200}, {"2001:db8:1:2:aaaa::2", 429}, {"[2001:db8:1:3::1]:555", 200},
		{"10.1.2.3", 200}, {"10.1.2.3", 200}, {"10.1.2.3", 200},
		{"2001:db8:ffff:1::1", 200}, {"2001:db8:ffff:1::1", 200},
		{"10.2.0.1", 200}, {"10.2.0.1", 429},
	} {
		if status, _, _ := getAs(t, p.addr, nil, tc.client); status != tc.want {
			t.Errorf("client %s: %d, want %d", tc.client, status, tc.want)
		}
	}
}

func TestPolicyConcurrencyLimitWithSlowBackend(t *testing.T) {
	t.Parallel()
	b := startCountingBackend(t)
	conc := model.Policy{Name: "two-at-once", MaxConcurrent: 2, LimitStatus: 503}
	p := startProxy(t, policySpec(b, true, []model.Policy{conc}, "two-at-once"), listen.Policy{})
	gate := b.hold()
	open := sync.OnceFunc(func() { close(gate) })
	t.Cleanup(open) // never leave the backend waiting, even on failure
	results := make(chan int, 2)
	for range 2 {
		go func() {
			status, _, _ := getAs(t, p.addr, nil, "198.51.100.1")
			results <- status
		}()
	}
	deadline := time.Now().Add(10 * time.Second)
	for b.waiting.Load() < 2 {
		if time.Now().After(deadline) {
			t.Fatal("the two slow requests did not reach the backend")
		}
		time.Sleep(5 * time.Millisecond)
	}
	status, retry, body := getAs(t, p.addr, nil, "198.51.100.1")
	if status != http.StatusServiceUnavailable || retry == "" || !strings.Contains(body, "in flight") {
		t.Errorf("third request in flight: %d, Retry-After %q, %q; want 503 with Retry-After", status, retry, body)
	}
	b.mu.Lock()
	b.gate = nil
	b.mu.Unlock()
	if status, _, _ := getAs(t, p.addr, nil, "198.51.100.2"); status != http.StatusOK {
		t.Errorf("another client meanwhile: %d, want 200", status)
	}
	open()
	for range 2 {
		if s := <-results; s != http.StatusOK {
			t.Errorf("a slow request: %d", s)
		}
	}
	if status, _, _ := getAs(t, p.addr, nil, "198.51.100.1"); status != http.StatusOK {
		t.Errorf("after the slow requests ended: %d, want 200 (places given back)", status)
	}
}

func TestPolicyListenerPoliciesComeFirstAndFailClosed(t *testing.T) {
	t.Parallel()
	b := startCountingBackend(t)
	edge := model.Policy{Name: "edge-denylist", Deny: prefixList("198.51.100.66/32")}
	spec := policySpec(b, true, []model.Policy{edge, oncePerMinute("api-limit")}, "api-limit")
	spec.Routes = append(spec.Routes, model.Route{Host: "other.test", Path: "/only", Backend: "b"})
	p := startProxyWith(t, spec, Options{Listeners: []model.ListenerSpec{
		{Name: "public", Address: "127.0.0.1:0", Policies: []string{"edge-denylist"}},
		{Name: "typo", Address: "127.0.0.1:0", Policies: []string{"edge-denylst"}},
	}})
	status, _, body := getAs(t, p.addr, nil, "198.51.100.66")
	if status != http.StatusForbidden || !strings.Contains(body, `"edge-denylist"`) {
		t.Errorf("denied client: %d %q, want 403 from the listener's policy", status, body)
	}
	// The listener's policy is checked before the route's: the denied
	// client took no token of the rate limit.
	spec.Policies = []model.Policy{{Name: "edge-denylist", Deny: prefixList("198.51.100.77/32")}, oncePerMinute("api-limit")}
	if err := p.srv.Apply(spec); err != nil {
		t.Fatal(err)
	}
	if status, _, _ := getAs(t, p.addr, nil, "198.51.100.66"); status != http.StatusOK {
		t.Errorf("the refused request took a token: %d", status)
	}
	// ... and also where no route matches.
	resp, err := rawRequest(t, p.addr, nil, "GET /nothing HTTP/1.1\r\nHost: other.test\r\nX-Forwarded-For: 198.51.100.77\r\nConnection: close\r\n\r\n")
	if err != nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("denied client on a path without route: %v %v, want 403", resp, err)
	}
	typo := p.srv.Addr("typo").String()
	if status, _, body := getAs(t, typo, nil, "198.51.100.1"); status != http.StatusForbidden || !strings.Contains(body, `"edge-denylst"`) {
		t.Errorf("listener naming an undefined policy: %d %q, want 403", status, body)
	}
	if n := b.hits.Load(); n != 1 {
		t.Errorf("the backend got %d requests, want 1", n)
	}
}

func TestPolicyStateSurvivesReload(t *testing.T) {
	t.Parallel()
	b := startCountingBackend(t)
	spec := policySpec(b, true, []model.Policy{oncePerMinute("api-limit")}, "api-limit")
	p := startProxy(t, spec, listen.Policy{})
	if status, _, _ := getAs(t, p.addr, nil, "198.51.100.1"); status != http.StatusOK {
		t.Fatal(status)
	}
	// A new table from the same spec, then one whose routes and lists
	// changed but whose limit did not: the client stays limited.
	spec2 := spec
	spec2.Routes = []model.Route{{Path: "/", Backend: "b", Policies: []string{"api-limit"}}, {Path: "/new", Backend: "b"}}
	spec2.Policies = []model.Policy{oncePerMinute("api-limit")}
	spec2.Policies[0].Deny = prefixList("192.0.2.0/24")
	for i, s := range []model.TableSpec{spec, spec2} {
		if err := p.srv.Apply(s); err != nil {
			t.Fatal(err)
		}
		if status, _, _ := getAs(t, p.addr, nil, "198.51.100.1"); status != http.StatusTooManyRequests {
			t.Errorf("reload %d reset the limit: %d, want 429", i, status)
		}
	}
	// A changed limit is a new limit.
	spec2.Policies = []model.Policy{{Name: "api-limit", RateLimit: &model.RateLimit{Requests: 2, Per: time.Minute, Burst: 1}}}
	if err := p.srv.Apply(spec2); err != nil {
		t.Fatal(err)
	}
	if status, _, _ := getAs(t, p.addr, nil, "198.51.100.1"); status != http.StatusOK {
		t.Errorf("after the limit changed: %d, want 200", status)
	}
}

// TestPolicyOnNetHTTPPath checks a listener the fast loop does not serve
// (h2c: every request goes through net/http's server) the same way.
func TestPolicyOnNetHTTPPath(t *testing.T) {
	t.Parallel()
	b := startCountingBackend(t)
	office := model.Policy{Name: "office-only", Allow: prefixList("203.0.113.0/24")}
	p := startProxyWith(t, policySpec(b, true, []model.Policy{office, oncePerMinute("api-limit")}, "office-only", "api-limit"),
		Options{Listeners: []model.ListenerSpec{{Name: "public", Address: "127.0.0.1:0", H2C: true}}})
	for _, tc := range []struct {
		client string
		want   int
	}{{"198.51.100.1", 403}, {"203.0.113.7", 200}, {"203.0.113.7", 429}} {
		if status, _, _ := getAs(t, p.addr, nil, tc.client); status != tc.want {
			t.Errorf("client %s: %d, want %d", tc.client, status, tc.want)
		}
	}
}

// TestPolicyPlaceGivenBackWhenClientLeaves: a client that hangs up while
// its request waits on the backend does not keep its place in flight.
func TestPolicyPlaceGivenBackWhenClientLeaves(t *testing.T) {
	t.Parallel()
	b := startCountingBackend(t)
	p := startProxy(t, policySpec(b, true, []model.Policy{{Name: "one-at-once", MaxConcurrent: 1}}, "one-at-once"), listen.Policy{})
	gate := b.hold()
	open := sync.OnceFunc(func() { close(gate) })
	t.Cleanup(open)
	c, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(c, "GET /x HTTP/1.1\r\nHost: app.test\r\nX-Forwarded-For: 198.51.100.1\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for b.waiting.Load() < 1 {
		if time.Now().After(deadline) {
			t.Fatal("the request did not reach the backend")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if status, _, _ := getAs(t, p.addr, nil, "198.51.100.1"); status != http.StatusTooManyRequests {
		t.Fatalf("second request in flight: %d, want 429", status)
	}
	c.Close()
	b.mu.Lock()
	b.gate = nil
	b.mu.Unlock()
	open()
	for {
		status, _, _ := getAs(t, p.addr, nil, "198.51.100.1")
		if status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the client left: still %d, want the place given back", status)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
