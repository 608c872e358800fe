package proxy

import (
	"net/http"
	"net/http/pprof"

	"github.com/go-chi/chi/v5"
)

// adminHandler serves the admin endpoints:
//
//	/healthz          200 while the process is up
//	/readyz           200 while serving a table and not draining, else 503
//	/metrics          Prometheus metrics, when Options.MetricsHandler is set
//	/debug/table      the current routing table as JSON
//	/debug/client-ip  what firsthop decides about a request's client IP, and why
//	/debug/pprof/     Go profiles, when Options.Pprof is set
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
	if s.opts.MetricsHandler != nil {
		r.Method(http.MethodGet, "/metrics", s.opts.MetricsHandler)
	}
	r.Get("/debug/table", s.debugTable)
	r.Get("/debug/client-ip", s.debugClientIP)
	if s.opts.Pprof {
		r.HandleFunc("/debug/pprof/", pprof.Index)
		r.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		r.HandleFunc("/debug/pprof/profile", pprof.Profile)
		r.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		r.HandleFunc("/debug/pprof/trace", pprof.Trace)
		r.Handle("/debug/pprof/{name}", http.HandlerFunc(pprof.Index))
	}
	return r
}

func writeText(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}
