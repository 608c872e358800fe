package proxy

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// logAccess writes the access-log line of one finished request. Its fields
// are the contract of the access log (see the README, "Observability"):
//
//	client_ip, client_ip_source  the resolver's answer and where it came from
//	peer                         the TCP peer
//	proxy_source                 the PROXY header's source, "" without one
//	x_forwarded_for              X-Forwarded-For as received, lines joined
//	method, host, path, status, bytes, duration_ms
//	backend, endpoint, tier      "" when no backend was chosen
//	policy, policy_action        on a refused request only: the policy that
//	                             refused it and why (denied, rate_limited,
//	                             concurrency_limited)
func (h *handler) logAccess(r *http.Request, st *requestState, d time.Duration) {
	clientIP, source := "", ""
	if st.fwd.res.Client.IsValid() {
		clientIP, source = st.fwd.res.Client.String(), st.fwd.res.Source.String()
	}
	peer, proxySource := "", ""
	if st.conn.Peer.IsValid() {
		peer = st.conn.Peer.String()
	}
	if st.conn.ViaProxy {
		proxySource = st.conn.Source.String()
	}
	backend, endpoint, tier := "", "", ""
	if st.backend != nil {
		backend, tier = st.backend.name, st.tier.String()
		if st.endpoint.Addr.IsValid() {
			endpoint = st.endpoint.Addr.String()
		}
	}
	attrs := []slog.Attr{
		slog.String("listener", h.listener),
		slog.String("client_ip", clientIP),
		slog.String("client_ip_source", source),
		slog.String("peer", peer),
		slog.String("proxy_source", proxySource),
		slog.String("x_forwarded_for", strings.Join(r.Header.Values("X-Forwarded-For"), ", ")),
		slog.String("method", r.Method),
		slog.String("host", r.Host),
		slog.String("path", r.URL.Path),
		slog.Int("status", st.rec.status),
		slog.Int64("bytes", st.rec.bytes),
		slog.Float64("duration_ms", float64(d.Microseconds())/1000),
		slog.String("backend", backend),
		slog.String("endpoint", endpoint),
		slog.String("tier", tier),
	}
	if st.refusedBy != "" {
		attrs = append(attrs, slog.String("policy", st.refusedBy), slog.String("policy_action", st.refusal.String()))
	}
	h.accessLog.LogAttrs(context.Background(), slog.LevelInfo, "access", attrs...)
}
