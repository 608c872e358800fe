package proxy

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// adminHandler serves the admin endpoints:
//
//	/healthz  200 while the process is up
//	/readyz   200 while serving a table and not draining, else 503
func (s *Server) adminHandler() http.Handler {
	r := chi.NewRouter()
	r.Get("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeText(w, http.StatusOK, "ok\n")
	})
	r.Get("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		switch {
		case s.draining.Load():
			writeText(w, http.StatusServiceUnavailable, "draining\n")
		case s.table.Load() == nil:
			writeText(w, http.StatusServiceUnavailable, "no routing table yet\n")
		case !s.serving.Load():
			writeText(w, http.StatusServiceUnavailable, "not serving yet\n")
		default:
			writeText(w, http.StatusOK, "ready\n")
		}
	})
	return r
}

func writeText(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}
