package proxy

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// adminRecorder sends one request to the admin handler of a server with a
// metrics handler, and returns the recorded answer.
func adminRecorder(t *testing.T, method, path string) *httptest.ResponseRecorder {
	t.Helper()
	metrics := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		_, _ = w.Write([]byte("firsthop_up 1\n"))
	})
	s := NewServer(Options{Logger: quietLogger(), MetricsHandler: metrics})
	rec := httptest.NewRecorder()
	s.adminHandler().ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec
}

func TestAdminAnswersHEADLikeGET(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"/metrics", "/healthz", "/readyz", "/debug/table", "/"} {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			get, head := adminRecorder(t, http.MethodGet, path), adminRecorder(t, http.MethodHead, path)
			if head.Code != get.Code {
				t.Errorf("HEAD %s = %d, GET = %d", path, head.Code, get.Code)
			}
			if got, want := head.Header().Get("Content-Type"), get.Header().Get("Content-Type"); got != want {
				t.Errorf("HEAD %s Content-Type %q, GET %q", path, got, want)
			}
		})
	}
	if rec := adminRecorder(t, http.MethodHead, "/metrics"); rec.Code != http.StatusOK {
		t.Errorf("HEAD /metrics = %d, want 200", rec.Code)
	}
	if rec := adminRecorder(t, http.MethodPost, "/metrics"); rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /metrics = %d, want 405", rec.Code)
	}
}

func TestAdminRootListsEndpoints(t *testing.T) {
	t.Parallel()
	rec := adminRecorder(t, http.MethodGet, "/")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET / = %d, want 200", rec.Code)
	}
	body := rec.Body.String()
	for _, want := range []string{"/healthz ", "/readyz ", "/healthz/local ", "/metrics ", "/debug/table ", "/debug/client-ip "} {
		if !strings.Contains(body, want) {
			t.Errorf("GET / does not list %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "/debug/pprof/") {
		t.Errorf("GET / lists pprof, which is off:\n%s", body)
	}
	if rec := adminRecorder(t, http.MethodGet, "/nope"); rec.Code != http.StatusNotFound {
		t.Errorf("GET /nope = %d, want 404", rec.Code)
	}
}
