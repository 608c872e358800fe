package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"
)

// APIRequests returns kube-apiserver's request counts for resource (such
// as "httproutes"), by verb, subresource and response code, from its
// /metrics (apiserver_request_total, read with the admin token). The
// counters grow from the API server's start: take two and [APIRequestCounts.Sub]
// them to count the requests made in between. It fails t on any error.
func (c *Cluster) APIRequests(t testing.TB, resource string) APIRequestCounts {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.URL+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	resp, err := c.client.Do(req)
	if err != nil {
		t.Fatalf("kube-apiserver /metrics: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		t.Fatalf("kube-apiserver /metrics: %d %s", resp.StatusCode, b)
	}
	counts, err := parseAPIRequestCounts(resp.Body, resource)
	if err != nil {
		t.Fatal(fmt.Errorf("GET %s/metrics: %w", c.URL, err))
	}
	return counts
}
