package kube

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestRequestObserverNamesTheCause(t *testing.T) {
	t.Parallel()
	// A port nobody listens on: bind one, then close it.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	forbidden := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "forbidden", http.StatusForbidden)
	}))
	t.Cleanup(forbidden.Close)

	tests := []struct {
		name string
		url  string
		want string
	}{
		{"refused", "https://" + closed + "/api/v1/services", "GET https://" + closed + "/api/v1/services: dial tcp " + closed + ": connect: connection refused"},
		{"error status", forbidden.URL + "/api/v1/secrets?watch=true", "GET " + forbidden.URL + "/api/v1/secrets: 403 Forbidden"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var o RequestObserver
			client := &http.Client{Transport: o.Wrap(http.DefaultTransport), Timeout: 10 * time.Second}
			if resp, err := client.Get(tc.url); err == nil {
				resp.Body.Close()
			}
			if got, at := o.lastFailure(); got != tc.want || at.IsZero() {
				t.Errorf("lastFailure() = %q at %v, want %q", got, at, tc.want)
			}
			if got, _ := o.stalled(0); got != "" {
				t.Errorf("stalled(0) = %q after the answer, want none", got)
			}
		})
	}
}

// TestRequestObserverSeesUnansweredRequest: an API server that accepts
// connections and never answers shows as a request pending; cancelling
// it is not a failure.
func TestRequestObserverSeesUnansweredRequest(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		var held []net.Conn // accepted, never answered
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	var o RequestObserver
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+l.Addr().String()+"/apis/networking.k8s.io/v1/ingresses?limit=500", nil)
		if resp, err := (&http.Client{Transport: o.Wrap(http.DefaultTransport)}).Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	want := "GET http://" + l.Addr().String() + "/apis/networking.k8s.io/v1/ingresses"
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, waited := o.stalled(20 * time.Millisecond)
		if got == want && waited >= 20*time.Millisecond {
			break
		}
		if got != "" || time.Now().After(deadline) {
			t.Fatalf("stalled() = %q, %v; want %q", got, waited, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if got, _ := o.stalled(time.Hour); got != "" {
		t.Errorf("stalled(1h) = %q, want none so soon", got)
	}
	cancel()
	<-done
	if got, _ := o.stalled(0); got != "" {
		t.Errorf("stalled(0) = %q after the request ended", got)
	}
	if got, _ := o.lastFailure(); got != "" {
		t.Errorf("lastFailure() = %q: a cancelled request is not the server's failure", got)
	}
}
