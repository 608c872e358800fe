package proxy

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	proxyproto "github.com/pires/go-proxyproto"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonv1 "go.opentelemetry.io/proto/otlp/common/v1"
	tracev1 "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/firsthop/firsthop/model"
	"github.com/firsthop/firsthop/proxy/clientip"
	"github.com/firsthop/firsthop/proxy/listen"
)

// scrape returns the Prometheus text exposition of the proxy's /metrics.
func scrape(t *testing.T, p *testProxy) string {
	t.Helper()
	resp, err := http.Get("http://" + p.srv.AdminAddr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: %d %s", resp.StatusCode, body)
	}
	return string(body)
}

// metricValue returns the value of the sample whose line starts with
// series (name and exact label set), or "" when there is none.
func metricValue(exposition, series string) string {
	for _, line := range strings.Split(exposition, "\n") {
		if strings.HasPrefix(line, series+" ") {
			return strings.TrimSpace(strings.TrimPrefix(line, series))
		}
	}
	return ""
}

func TestMetricsCountKnownTraffic(t *testing.T) {
	t.Parallel()
	m, handler, err := NewPrometheusMetrics()
	if err != nil {
		t.Fatal(err)
	}
	spec := oneBackend(echoBackend(t))
	spec.Routes = []model.Route{{Host: "app.test", Path: "/", Backend: "b"}}
	p := startProxyWith(t, spec, Options{
		Listeners: []model.ListenerSpec{
			{Name: "public", Address: "127.0.0.1:0"},
			{Name: "lb", Address: "127.0.0.1:0", ProxyProtocol: listen.Policy{
				Mode: listen.ModeOptional, TrustedCIDRs: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}}},
		},
		Metrics: m, MetricsHandler: handler,
	})
	// Three requests on "public": two routed (one with two forged identity
	// headers), one with no route.
	for _, raw := range []string{
		"GET / HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: app.test\r\nX-Forwarded-For: 6.6.6.6\r\nX-Real-IP: 6.6.6.6\r\nConnection: close\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: nowhere.test\r\nConnection: close\r\n\r\n",
	} {
		resp, err := rawRequest(t, p.addr, nil, raw)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
	}
	// A PROXY header from a peer outside trustedCIDRs on "lb": closed.
	hdr, _ := proxyproto.HeaderProxyFromAddrs(1,
		&net.TCPAddr{IP: net.ParseIP("203.0.113.7"), Port: 1000}, &net.TCPAddr{IP: net.ParseIP("192.0.2.1"), Port: 80}).Format()
	if resp, err := rawRequest(t, p.srv.Addr("lb").String(), hdr, "GET / HTTP/1.1\r\nHost: app.test\r\n\r\n"); err == nil {
		t.Fatalf("PROXY header from an untrusted peer got %d, want the connection closed", resp.StatusCode)
	}

	var got string
	want := map[string]string{
		`firsthop_requests_total{backend="b",listener="public",route="app.test/ Prefix",status_class="2xx",tier="cluster"}`: "2",
		`firsthop_requests_total{backend="",listener="public",route="",status_class="4xx",tier=""}`:                         "1",
		`firsthop_client_ip_decisions_total{listener="public",source="peer"}`:                                               "3",
		`firsthop_client_ip_forged_headers_removed_total{listener="public"}`:                                                "2",
		`firsthop_proxy_protocol_headers_total{listener="lb",outcome="untrusted-sender"}`:                                   "1",
		`firsthop_endpoints{backend="b",tier="cluster"}`:                                                                    "1",
		`firsthop_table_generation`:                "1",
		`firsthop_table_builds_total{result="ok"}`: "1",
		`http_server_request_duration_seconds_count{backend="b",http_request_method="GET",http_response_status_code="200",listener="public"}`: "2",
	}
	// The counters settle once the server has seen every close (the
	// refused PROXY header is counted as its connection ends).
	deadline := time.Now().Add(5 * time.Second)
	for {
		got = scrape(t, p)
		settled := metricValue(got, `firsthop_connections_open{listener="public"}`) == "0" &&
			metricValue(got, `firsthop_connections_open{listener="lb"}`) == "0"
		if settled || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	want[`firsthop_connections_open{listener="public"}`] = "0"
	want[`firsthop_connections_open{listener="lb"}`] = "0"
	for series, v := range want {
		if g := metricValue(got, series); g != v {
			t.Errorf("%s = %q, want %q", series, g, v)
		}
	}
	if t.Failed() {
		t.Logf("exposition:\n%s", got)
	}
}

// otlpReceiver is an in-test OTLP/HTTP trace receiver.
type otlpReceiver struct {
	mu    sync.Mutex
	spans []*tracev1.Span
}

func (o *otlpReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var req collectortrace.ExportTraceServiceRequest
	if err := proto.Unmarshal(body, &req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	o.mu.Lock()
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			o.spans = append(o.spans, ss.Spans...)
		}
	}
	o.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-protobuf")
	out, _ := proto.Marshal(&collectortrace.ExportTraceServiceResponse{})
	w.Write(out)
}

func (o *otlpReceiver) snapshot() []*tracev1.Span {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]*tracev1.Span(nil), o.spans...)
}

func spanAttr(s *tracev1.Span, key string) string {
	for _, kv := range s.Attributes {
		if kv.Key == key {
			if sv, ok := kv.Value.Value.(*commonv1.AnyValue_StringValue); ok {
				return sv.StringValue
			}
			return kv.Value.String()
		}
	}
	return ""
}

func TestTracesReachAnOTLPReceiver(t *testing.T) {
	t.Parallel()
	recv := &otlpReceiver{}
	collector := httptest.NewServer(recv)
	t.Cleanup(collector.Close)
	exp, err := otlptracehttp.New(t.Context(),
		otlptracehttp.WithEndpointURL(collector.URL+"/v1/traces"), otlptracehttp.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { tp.Shutdown(t.Context()) })

	spec := oneBackend(echoBackend(t))
	spec.ClientIP = clientip.Policy{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		Headers: []clientip.Header{clientip.HeaderXForwardedFor}}
	p := startProxyWith(t, spec, Options{
		Listeners: []model.ListenerSpec{{Name: "public", Address: "127.0.0.1:0"}},
		Tracing:   NewTracing(tp),
	})
	const parentTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
	resp, err := rawRequest(t, p.addr, nil, "GET /x HTTP/1.1\r\nHost: app.test\r\nX-Forwarded-For: 203.0.113.9\r\n"+
		"Traceparent: 00-"+parentTrace+"-00f067aa0ba902b7-01\r\nConnection: close\r\n\r\n")
	got := echoed(t, resp, err)

	var server, client *tracev1.Span
	deadline := time.Now().Add(5 * time.Second)
	for (server == nil || client == nil) && time.Now().Before(deadline) {
		for _, s := range recv.snapshot() {
			switch s.Kind {
			case tracev1.Span_SPAN_KIND_SERVER:
				server = s
			case tracev1.Span_SPAN_KIND_CLIENT:
				client = s
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	if server == nil || client == nil {
		t.Fatalf("spans received: server %v, client %v", server != nil, client != nil)
	}
	if hex.EncodeToString(server.TraceId) != parentTrace {
		t.Errorf("server span trace %x, want the client's %s", server.TraceId, parentTrace)
	}
	if !bytes.Equal(client.ParentSpanId, server.SpanId) || !bytes.Equal(client.TraceId, server.TraceId) {
		t.Error("client span is not a child of the server span")
	}
	for k, v := range map[string]string{
		"client.address":            "203.0.113.9",
		"firsthop.client_ip.source": "x-forwarded-for",
		"firsthop.tier":             "cluster",
		"firsthop.backend":          "b",
	} {
		if g := spanAttr(server, k); g != v {
			t.Errorf("server span %s = %q, want %q", k, g, v)
		}
	}
	wantParent := "00-" + parentTrace + "-" + hex.EncodeToString(client.SpanId) + "-01"
	if tp := got.Headers.Get("Traceparent"); tp != wantParent {
		t.Errorf("backend got traceparent %q, want the client span's %q", tp, wantParent)
	}
}

func TestAccessLog(t *testing.T) {
	t.Parallel()
	var buf lockedBuffer
	spec := oneBackend(echoBackend(t))
	spec.ClientIP = clientip.Policy{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")},
		Headers: []clientip.Header{clientip.HeaderXForwardedFor}}
	p := startProxyWith(t, spec, Options{
		Listeners: []model.ListenerSpec{{Name: "public", Address: "127.0.0.1:0", AccessLog: true, ProxyProtocol: listen.Policy{
			Mode: listen.ModeOptional, TrustedCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}}},
		AccessLog: &buf,
	})
	v2 := func(src string) []byte {
		b, _ := proxyproto.HeaderProxyFromAddrs(2, &net.TCPAddr{IP: net.ParseIP(src), Port: 5000},
			&net.TCPAddr{IP: net.ParseIP("198.51.100.1"), Port: 443}).Format()
		return b
	}
	requests := []struct {
		name   string
		prefix []byte
		xff    string
		want   map[string]any
	}{
		{"direct", nil, "6.6.6.6", map[string]any{
			"client_ip": "127.0.0.1", "client_ip_source": "peer", "proxy_source": "",
			"x_forwarded_for": "6.6.6.6", "status": 200.0, "backend": "b", "tier": "cluster", "path": "/direct", "method": "GET",
		}},
		{"proxy", v2("203.0.113.7"), "", map[string]any{
			"client_ip": "203.0.113.7", "client_ip_source": "proxy-protocol", "proxy_source": "203.0.113.7:5000",
		}},
		{"trusted-xff", v2("192.0.2.10"), "203.0.113.8", map[string]any{
			"client_ip": "203.0.113.8", "client_ip_source": "x-forwarded-for", "proxy_source": "192.0.2.10:5000",
			"x_forwarded_for": "203.0.113.8",
		}},
	}
	for _, r := range requests {
		raw := "GET /" + r.name + " HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n"
		if r.xff != "" {
			raw += "X-Forwarded-For: " + r.xff + "\r\n"
		}
		resp, err := rawRequest(t, p.addr, r.prefix, raw+"\r\n")
		echoed(t, resp, err)
	}
	lines := map[string]map[string]any{}
	deadline := time.Now().Add(5 * time.Second)
	for len(lines) < len(requests) && time.Now().Before(deadline) {
		sc := bufio.NewScanner(strings.NewReader(buf.String()))
		for sc.Scan() {
			var line map[string]any
			if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
				t.Fatalf("access log line is not JSON: %v: %s", err, sc.Text())
			}
			lines[strings.TrimPrefix(line["path"].(string), "/")] = line
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, r := range requests {
		line, ok := lines[r.name]
		if !ok {
			t.Errorf("%s: no access log line", r.name)
			continue
		}
		for _, k := range []string{"time", "bytes", "duration_ms", "endpoint", "host"} {
			if _, ok := line[k]; !ok {
				t.Errorf("%s: field %s missing", r.name, k)
			}
		}
		if peer, _ := line["peer"].(string); !strings.HasPrefix(peer, "127.0.0.1:") {
			t.Errorf("%s: peer = %q, want the loopback socket peer with its port", r.name, peer)
		}
		for k, v := range r.want {
			if line[k] != v {
				t.Errorf("%s: %s = %v, want %v", r.name, k, line[k], v)
			}
		}
	}
}

func TestDebugClientIP(t *testing.T) {
	t.Parallel()
	spec := oneBackend(echoBackend(t))
	spec.ClientIP = clientip.Policy{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")},
		Headers: []clientip.Header{clientip.HeaderXForwardedFor}}
	p := startProxy(t, spec, listen.Policy{})
	req, _ := http.NewRequest(http.MethodGet, "http://"+p.srv.AdminAddr().String()+"/debug/client-ip?peer=10.0.0.5", nil)
	req.Header.Set("X-Forwarded-For", "6.6.6.6, 203.0.113.7, 10.1.1.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got debugDecision
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if got.Client != "203.0.113.7" || got.Source != "x-forwarded-for" || !got.PeerTrusted || got.Stopped != "untrusted-hop" {
		t.Errorf("decision %+v", got)
	}
	wantHops := []debugHop{{Address: "10.1.1.1", Trusted: true}, {Address: "203.0.113.7", Trusted: false}}
	if len(got.Hops) != 2 || got.Hops[0] != wantHops[0] || got.Hops[1] != wantHops[1] {
		t.Errorf("hops %+v, want %+v", got.Hops, wantHops)
	}

	resp, err = http.Get("http://" + p.srv.AdminAddr().String() + "/debug/table")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var table debugTable
	if err := json.NewDecoder(resp.Body).Decode(&table); err != nil {
		t.Fatal(err)
	}
	if table.Generation != 1 || len(table.Backends) != 1 || len(table.Backends[0].Tiers) != 1 ||
		table.Backends[0].Tiers[0].Tier != "cluster" || len(table.Routes) != 1 {
		t.Errorf("/debug/table = %+v", table)
	}
}

// lockedBuffer is a bytes.Buffer safe for a logger's writes and a test's
// reads at the same time.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestGrafanaDashboardUsesExportedMetrics checks that every metric the
// example dashboard queries is one this package exports.
func TestGrafanaDashboardUsesExportedMetrics(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../examples/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(data, &dash); err != nil {
		t.Fatal(err)
	}
	m, handler, err := NewPrometheusMetrics()
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := refusedAddr(t)
	spec := oneBackend(echoBackend(t))
	spec.Routes = append(spec.Routes, model.Route{Host: "down.test", Path: "/", Backend: "down"})
	spec.Backends = append(spec.Backends, model.Backend{Name: "down", Endpoints: []model.Endpoint{{Addr: closedAddr}}})
	p := startProxyWith(t, spec, Options{Listeners: []model.ListenerSpec{{Name: "public", Address: "127.0.0.1:0",
		ProxyProtocol: listen.Policy{Mode: listen.ModeOptional}}}, Metrics: m, MetricsHandler: handler})
	// One request of each kind, so every series the dashboard reads exists.
	resp, err := rawRequest(t, p.addr, nil, "GET / HTTP/1.1\r\nHost: a\r\nX-Real-IP: 6.6.6.6\r\nConnection: close\r\n\r\n")
	echoed(t, resp, err)
	if resp, err := rawRequest(t, p.addr, nil, "GET / HTTP/1.1\r\nHost: down.test\r\nConnection: close\r\n\r\n"); err != nil || resp.StatusCode != http.StatusBadGateway {
		t.Fatalf("down backend: %v %v", resp, err)
	}
	exposition := scrape(t, p)
	name := regexp.MustCompile(`\b(firsthop_[a-z_]+|http_server_request_duration_seconds_bucket)\b`)
	n := 0
	for _, panel := range dash.Panels {
		for _, target := range panel.Targets {
			for _, metric := range name.FindAllString(target.Expr, -1) {
				n++
				if !strings.Contains(exposition, metric) {
					t.Errorf("panel %q queries %s, which /metrics does not export", panel.Title, metric)
				}
			}
		}
	}
	if n < 10 {
		t.Errorf("found only %d metric references in the dashboard", n)
	}
}
