package proxy

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// A mirror (see [model.Mirror]) gets a copy of the request as it is
// forwarded: method, path and query after the rewrite, Host as sent,
// header after the modifiers with firsthop's forwarding headers, and the
// body when it is small. The copy goes from a goroutine of its own to an
// endpoint of the mirror backend picked as for any request, through that
// backend's transport; its answer is read (up to maxMirrorBody) and
// dropped. Nothing about it reaches the client or delays its request: a
// mirror that is slow, refuses or is down costs a goroutine for at most
// mirrorTimeout, and at most maxMirrorsInFlight of those run per listener,
// past which copies are dropped and counted.

// maxMirrorBody is the largest request body a mirror copy carries: a
// request with a longer body, or one of unknown length (chunked), is not
// mirrored. The body is kept as it streams to the backend and the copy
// leaves once it is whole; a body the backend never reads whole is not
// mirrored either.
const maxMirrorBody = 64 << 10

// maxMirrorsInFlight bounds the mirror copies in flight per listener.
const maxMirrorsInFlight = 256

// mirrorTimeout bounds one mirror copy, from its start to its answer's
// end.
const mirrorTimeout = 30 * time.Second

// mirrorTarget is a compiled [model.Mirror].
type mirrorTarget struct {
	name    string
	backend *backend // the table's of that name; nil when there is none
	// percent of requests copied; 0 and 100 mean all.
	percent int
}

// sampled draws whether a request is copied to t: percent of them.
func (t *mirrorTarget) sampled() bool {
	return t.percent <= 0 || t.percent >= 100 || rand.IntN(100) < t.percent
}

// mirrorSlots bounds the mirror copies one handler has in flight.
type mirrorSlots chan struct{}

// mirror copies r, about to be forwarded as st says, to those of targets
// its sampling picks.
func (h *handler) mirror(r *http.Request, st *requestState, targets []mirrorTarget) {
	var picked []*mirrorTarget
	for i := range targets {
		if t := &targets[i]; t.sampled() {
			picked = append(picked, t)
		}
	}
	if len(picked) == 0 {
		return
	}
	if r.ContentLength < 0 || r.ContentLength > maxMirrorBody {
		for _, t := range picked {
			h.metrics.mirrored(t.name, "body-too-large")
		}
		return
	}
	copyOf := mirrorCopy(r, st)
	if r.ContentLength == 0 {
		for _, t := range picked {
			h.sendMirror(t, copyOf, nil)
		}
		return
	}
	r.Body = &mirrorTee{ReadCloser: r.Body, want: int(r.ContentLength), whole: func(body []byte) {
		for _, t := range picked {
			h.sendMirror(t, copyOf, body)
		}
	}}
}

// mirrorCopy returns the request a mirror gets for r, without URL host or
// body: the header is what the upstream request carries (see
// [writeUpstreamHead]), the trace context aside.
func mirrorCopy(r *http.Request, st *requestState) *http.Request {
	hdr := make(http.Header, len(r.Header)+len(forwardingHeaderNames))
	conn := r.Header["Connection"]
	for k, vv := range r.Header {
		if !skipOutbound(k, conn, st.fwd.identityTrusted()) {
			hdr[k] = vv
		}
	}
	setForwardingHeaders(hdr, st.headers, &st.fwd)
	p, raw := st.forwardPath(r)
	host := r.Host
	if st.upstreamHost != "" {
		host = st.upstreamHost
	}
	return &http.Request{
		Method: r.Method, Host: host, Header: hdr, ContentLength: r.ContentLength,
		URL:   &url.URL{Path: p, RawPath: raw, RawQuery: cleanQueryParams(r.URL.RawQuery)},
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
	}
}

// sendMirror sends a copy of req with body to t from a goroutine of its
// own, or drops it when the handler has maxMirrorsInFlight out already.
func (h *handler) sendMirror(t *mirrorTarget, req *http.Request, body []byte) {
	select {
	case h.mirrorSlots <- struct{}{}:
	default:
		h.metrics.mirrored(t.name, "dropped")
		return
	}
	go func() {
		defer func() { <-h.mirrorSlots }()
		outcome := sendMirrorCopy(t.backend, req, body)
		if outcome != "sent" {
			h.log.Debug("mirror copy not delivered", "backend", t.name, "outcome", outcome)
		}
		h.metrics.mirrored(t.name, outcome)
	}()
}

// sendMirrorCopy sends req, with body, to an endpoint of b, and returns
// the outcome counted: sent, no-endpoint or failed.
func sendMirrorCopy(b *backend, req *http.Request, body []byte) string {
	if b == nil {
		return "no-endpoint"
	}
	up, _, ok := b.pick(nil)
	if !ok {
		return "no-endpoint"
	}
	up.state.inflight.Add(1)
	defer up.state.inflight.Add(-1)
	ctx, cancel := context.WithTimeout(context.Background(), mirrorTimeout)
	defer cancel()
	out := req.Clone(ctx)
	out.URL.Scheme, out.URL.Host = b.scheme, up.Addr.String()
	if req.ContentLength > 0 {
		out.Body = io.NopCloser(bytes.NewReader(body))
	}
	resp, err := b.transport.RoundTrip(out)
	if err != nil {
		return "failed"
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxMirrorBody))
	resp.Body.Close()
	return "sent"
}

// mirrorTee passes a request body through, keeping a copy, and hands the
// copy to whole once want bytes have gone through.
type mirrorTee struct {
	io.ReadCloser
	want  int
	kept  []byte
	whole func([]byte)
	done  bool
}

func (t *mirrorTee) Read(p []byte) (int, error) {
	n, err := t.ReadCloser.Read(p)
	if !t.done && n > 0 {
		t.kept = append(t.kept, p[:min(n, t.want-len(t.kept))]...)
		if len(t.kept) == t.want {
			t.done = true
			t.whole(t.kept)
		}
	}
	return n, err
}

// mirrored counts a mirror copy as firsthop.mirror.requests, by mirror
// backend and outcome: sent, dropped (too many in flight),
// body-too-large, no-endpoint, failed. Backend names come from the
// configuration, so the series are bounded.
func (m *Metrics) mirrored(backend, outcome string) {
	if m == nil {
		return
	}
	c, err := m.meter.Int64Counter("firsthop.mirror.requests",
		metric.WithDescription("Request copies sent to mirror backends, by backend and outcome (sent, dropped, body-too-large, no-endpoint, failed)."))
	if err != nil {
		return
	}
	c.Add(context.Background(), 1, metric.WithAttributes(attribute.String("backend", backend), attribute.String("outcome", outcome)))
}
