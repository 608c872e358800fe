package proxy

import (
	"net/http"
	"net/http/pprof"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/firsthop/firsthop/model"
)

// adminHandler serves the admin endpoints:
//
//	/                 this list, as text
//	/healthz          200 while the process is up
//	/readyz           200 while serving a table and not draining, else 503
//	/healthz/local    200 when this node has a ready endpoint (of ?backend=NAME), else 503
//	/metrics          Prometheus metrics, when Options.MetricsHandler is set
//	/debug/table      the current routing table as JSON
//	/debug/client-ip  what firsthop decides about a request's client IP, and why
//	/debug/pprof/     Go profiles, when Options.Pprof is set
//
// Every GET endpoint also answers HEAD (headers only, as a probe or
// `curl -I` expects); other paths are 404.
func (s *Server) adminHandler() http.Handler {
	r := chi.NewRouter()
	r.Use(middleware.GetHead)
	var index strings.Builder
	index.WriteString("firsthop admin endpoints:\n")
	get := func(path, what string, h http.HandlerFunc) {
		index.WriteString("  " + path + strings.Repeat(" ", max(1, 18-len(path))) + what + "\n")
		r.Get(path, h)
	}
	get("/healthz", "200 while the process is up", func(w http.ResponseWriter, _ *http.Request) {
		writeText(w, http.StatusOK, "ok\n")
	})
	get("/readyz", "200 while serving a routing table and not draining, else 503", func(w http.ResponseWriter, _ *http.Request) {
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
	get("/healthz/local", "200 when this node has a ready endpoint (of ?backend=NAME), else 503", s.healthzLocal)
	if s.opts.MetricsHandler != nil {
		get("/metrics", "Prometheus metrics", s.opts.MetricsHandler.ServeHTTP)
	}
	get("/debug/table", "the current routing table as JSON", s.debugTable)
	get("/debug/client-ip", "what firsthop decides about this request's client IP, and why", s.debugClientIP)
	if s.opts.Pprof {
		index.WriteString("  /debug/pprof/     Go profiles\n")
		r.HandleFunc("/debug/pprof/", pprof.Index)
		r.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		r.HandleFunc("/debug/pprof/profile", pprof.Profile)
		r.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		r.HandleFunc("/debug/pprof/trace", pprof.Trace)
		r.Handle("/debug/pprof/{name}", http.HandlerFunc(pprof.Index))
	}
	list := index.String()
	r.Get("/", func(w http.ResponseWriter, _ *http.Request) {
		writeText(w, http.StatusOK, list)
	})
	return r
}

func writeText(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// healthzLocal answers 200 when this node has a ready endpoint — of the
// backend named by ?backend=, or of any backend — so that a load balancer
// in front can prefer nodes that serve locally (what healthCheckNodePort
// tells kube-proxy's load balancers). It answers 503 while draining.
func (s *Server) healthzLocal(w http.ResponseWriter, r *http.Request) {
	t := s.table.Load()
	if t == nil || s.draining.Load() {
		writeText(w, http.StatusServiceUnavailable, "not serving\n")
		return
	}
	name := r.URL.Query().Get("backend")
	found := false
	for i := range t.spec.Backends {
		b := &t.spec.Backends[i]
		if name != "" && b.Name != name {
			continue
		}
		found = true
		for _, ep := range b.Endpoints {
			if ep.State == model.EndpointReady && onNode(ep, t.node) {
				writeText(w, http.StatusOK, "local endpoint ready: "+b.Name+"\n")
				return
			}
		}
	}
	if name != "" && !found {
		writeText(w, http.StatusNotFound, "no such backend\n")
		return
	}
	writeText(w, http.StatusServiceUnavailable, "no ready endpoint on this node\n")
}
