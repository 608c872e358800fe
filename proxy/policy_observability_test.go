package proxy

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/firsthop/firsthop/model"
)

// TestPolicyObservability refuses one request by allowlist and one by rate
// and finds them in the metrics and the access log, and the policies in
// /debug/table and /debug/client-ip.
func TestPolicyObservability(t *testing.T) {
	t.Parallel()
	m, mh, err := NewPrometheusMetrics()
	if err != nil {
		t.Fatal(err)
	}
	var buf lockedBuffer
	b := startCountingBackend(t)
	office := model.Policy{Name: "office", Allow: prefixList("198.51.100.0/24")}
	spec := policySpec(b, true, []model.Policy{office, oncePerMinute("api-limit")}, "api-limit")
	spec.Routes = append(spec.Routes, model.Route{Host: "app.test", Path: "/admin", Backend: "b", Policies: []string{"api-limit", "office"}})
	p := startProxyWith(t, spec, Options{
		Listeners: []model.ListenerSpec{{Name: "public", Address: "127.0.0.1:0", AccessLog: true}},
		AccessLog: &buf, Metrics: m, MetricsHandler: mh,
	})
	get := func(path, xff string) int {
		host := "other.test"
		if path == "/admin" {
			host = "app.test"
		}
		resp, err := rawRequest(t, p.addr, nil, "GET "+path+" HTTP/1.1\r\nHost: "+host+"\r\nX-Forwarded-For: "+xff+"\r\nConnection: close\r\n\r\n")
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode
	}
	if s := get("/admin", "203.0.113.9"); s != 403 {
		t.Fatalf("outsider on /admin: %d", s)
	}
	if s := get("/limited", "198.51.100.1"); s != 200 {
		t.Fatalf("first request: %d", s)
	}
	if s := get("/limited", "198.51.100.1"); s != 429 {
		t.Fatalf("second request: %d", s)
	}

	exp := scrape(t, p)
	for series, want := range map[string]string{
		`firsthop_policy_refusals_total{listener="public",policy="office",reason="denied",route="app.test/admin Prefix"}`: "1",
		`firsthop_policy_refusals_total{listener="public",policy="api-limit",reason="rate_limited",route="*/ Prefix"}`:    "1",
	} {
		if got := metricValue(exp, series); got != want {
			t.Errorf("%s = %q, want %s", series, got, want)
		}
	}

	logged := map[string]map[string]any{}
	deadline := time.Now().Add(5 * time.Second)
	for len(logged) < 3 && time.Now().Before(deadline) {
		logged = map[string]map[string]any{}
		sc := bufio.NewScanner(strings.NewReader(buf.String()))
		for sc.Scan() {
			var line map[string]any
			if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
				t.Fatal(err)
			}
			logged[sc.Text()] = line
		}
		time.Sleep(10 * time.Millisecond)
	}
	var denied, limited, passed int
	for _, line := range logged {
		switch {
		case line["policy"] == "office" && line["policy_action"] == "denied" && line["status"] == 403.0:
			denied++
		case line["policy"] == "api-limit" && line["policy_action"] == "rate_limited" && line["status"] == 429.0:
			limited++
		case line["policy"] == nil && line["policy_action"] == nil && line["status"] == 200.0:
			passed++
		}
	}
	if denied != 1 || limited != 1 || passed != 1 {
		t.Errorf("access log: %d denied, %d limited, %d passed lines, want 1 each: %v", denied, limited, passed, logged)
	}

	admin := "http://" + p.srv.AdminAddr().String()
	var table debugTable
	getJSON(t, admin+"/debug/table", &table)
	if len(table.Policies) != 2 || table.Policies[0].Name != "api-limit" || table.Policies[0].Clients != 2 ||
		table.Policies[1].Name != "office" || len(table.Policies[1].Allow) != 1 {
		t.Errorf("/debug/table policies = %+v", table.Policies)
	}
	found := false
	for _, r := range table.Routes {
		if r.Path == "/admin" && strings.Join(r.Policies, ",") == "api-limit,office" {
			found = true
		}
	}
	if !found {
		t.Errorf("/debug/table routes lack /admin's policies: %+v", table.Routes)
	}

	var decision debugDecision
	req, _ := http.NewRequest(http.MethodGet, admin+"/debug/client-ip?peer=127.0.0.1&listener=public&host=app.test&path=/admin", nil)
	req.Header.Set("X-Forwarded-For", "198.51.100.1")
	getJSONReq(t, req, &decision)
	want := []debugVerdict{
		{Policy: "api-limit", From: "route app.test/admin Prefix", Address: "198.51.100.1", Verdict: "rate_limited", Status: 429, Why: "too many requests from this client"},
		{Policy: "office", From: "route app.test/admin Prefix", Address: "198.51.100.1", Verdict: "passed"},
	}
	if len(decision.Policies) != len(want) || decision.Policies[0] != want[0] || decision.Policies[1] != want[1] {
		t.Errorf("/debug/client-ip policies = %+v\nwant %+v", decision.Policies, want)
	}
	// Explaining took nothing: another client is still admitted once.
	if s := get("/limited", "198.51.100.2"); s != 200 {
		t.Errorf("a fresh client after /debug/client-ip: %d", s)
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	getJSONReq(t, req, v)
}

func getJSONReq(t *testing.T, req *http.Request, v any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("%s: %v\n%s", req.URL, err, body)
	}
}
