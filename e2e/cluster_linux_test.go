package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestClusterLoopback starts the control plane on loopback (no fabric) and
// talks to it with plain HTTP: authentication is on, RBAC lets the admin
// token create objects, and EndpointSlices refuse loopback addresses.
func TestClusterLoopback(t *testing.T) {
	t.Parallel()
	c := StartCluster(t, ClusterSpec{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	t.Run("anonymous is refused", func(t *testing.T) {
		resp, err := c.HTTPClient().Get(c.URL + "/api/v1/namespaces")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("anonymous GET namespaces: %d, want 401 or 403", resp.StatusCode)
		}
	})

	t.Run("admin creates a namespace", func(t *testing.T) {
		status, body, err := c.Do(ctx, http.MethodPost, "/api/v1/namespaces", []byte(`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"e2e"}}`))
		if err != nil || status != http.StatusCreated {
			t.Fatalf("create namespace: %d %v %s", status, err, body)
		}
		status, body, err = c.Do(ctx, http.MethodGet, "/api/v1/namespaces/e2e", nil)
		if err != nil || status != http.StatusOK {
			t.Fatalf("get namespace: %d %v %s", status, err, body)
		}
		var ns struct {
			Metadata struct{ Name, UID string }
		}
		if err := json.Unmarshal(body, &ns); err != nil || ns.Metadata.Name != "e2e" || ns.Metadata.UID == "" {
			t.Errorf("namespace = %+v (%v), want name e2e with a UID", ns, err)
		}
	})

	t.Run("endpoint slices", func(t *testing.T) {
		tests := []struct {
			name   string
			addr   string
			status int
		}{
			{"pod address accepted", "198.51.100.64", http.StatusCreated},
			{"loopback refused", "127.0.0.1", http.StatusUnprocessableEntity},
		}
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				slice := `{"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice",
				"metadata":{"name":"s` + string(rune('a'+i)) + `","labels":{"kubernetes.io/service-name":"web"}},
				"addressType":"IPv4","endpoints":[{"addresses":["` + tt.addr + `"]}],
				"ports":[{"name":"http","port":8080,"protocol":"TCP"}]}`
				status, body, err := c.Do(ctx, http.MethodPost, "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices", []byte(slice))
				if err != nil || status != tt.status {
					t.Errorf("create EndpointSlice with %s: %d %v %s, want %d", tt.addr, status, err, body, tt.status)
				}
			})
		}
	})
}

// TestClusterOnFabric runs the control plane inside a fabric host and
// reaches the API server from another host, as firsthop ingress on a node
// will, with the kubeconfig's CA and token.
func TestClusterOnFabric(t *testing.T) {
	t.Parallel()
	f := NewFabric(t)
	cp := f.Infra(t, "cp")
	node := f.Node(t, "node-a")
	c := StartCluster(t, ClusterSpec{Host: cp})
	if want := "https://" + cp.IPv4.String() + ":6443"; c.URL != want {
		t.Errorf("URL = %s, want %s", c.URL, want)
	}
	// The same client as c's, but dialling from the node's namespace.
	fromNode := c.HTTPClient()
	fromNode.Transport.(*http.Transport).DialContext = node.DialContext
	for _, url := range []string{c.URL, "https://[" + cp.IPv6.String() + "]:6443"} {
		req, _ := http.NewRequest(http.MethodGet, url+"/api/v1/namespaces/default", nil)
		req.Header.Set("Authorization", "Bearer "+c.Token)
		resp, err := fromNode.Do(req)
		if err != nil {
			t.Errorf("from node-a: %v", err)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("from node-a GET %s/api/v1/namespaces/default: %d, want 200", url, resp.StatusCode)
		}
	}
	// The kubernetes Service's endpoints are the advertised fabric address.
	Eventually(t, 30*time.Second, "kubernetes endpoints name "+cp.IPv4.String(), func() error {
		status, body, err := c.Do(context.Background(), http.MethodGet, "/api/v1/namespaces/default/endpoints/kubernetes", nil)
		if err != nil {
			return err
		}
		if status != http.StatusOK || !strings.Contains(string(body), `"`+cp.IPv4.String()+`"`) {
			return fmt.Errorf("%d %s", status, body)
		}
		return nil
	})
}
