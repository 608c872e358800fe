package proxy

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/firsthop/firsthop/proxy/h1"
)

func TestUpstreamFailureAnswer(t *testing.T) {
	t.Parallel()
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	tests := []struct {
		name      string
		f         upstreamFailure
		status    int
		msg, kind string
	}{
		{"body stalled", upstreamFailure{err: os.ErrDeadlineExceeded, bodyFailed: true, bodyTimedOut: true},
			http.StatusRequestTimeout, "timed out reading the request body", ""},
		{"body stalled, client gone since", upstreamFailure{err: os.ErrDeadlineExceeded, bodyFailed: true, bodyTimedOut: true, clientGone: true},
			http.StatusRequestTimeout, "timed out reading the request body", ""},
		{"body malformed", upstreamFailure{err: io.ErrUnexpectedEOF, bodyFailed: true},
			http.StatusBadRequest, "malformed request body", ""},
		{"body malformed, client gone since", upstreamFailure{err: io.ErrUnexpectedEOF, bodyFailed: true, clientGone: true},
			http.StatusBadRequest, "malformed request body", ""},
		{"body malformed, route expired", upstreamFailure{err: io.ErrUnexpectedEOF, bodyFailed: true, routeExpired: true},
			http.StatusBadRequest, "malformed request body", ""},
		{"unsendable request", upstreamFailure{err: h1.ErrInvalidRequest, clientGone: true},
			http.StatusBadRequest, "request cannot be forwarded as HTTP/1.1", ""},
		{"client gone", upstreamFailure{err: context.Canceled, clientGone: true}, statusClientClosed, "", ""},
		{"route expired", upstreamFailure{err: context.DeadlineExceeded, routeExpired: true},
			http.StatusGatewayTimeout, "route timeout exceeded", "timeout"},
		{"upstream timed out", upstreamFailure{err: os.ErrDeadlineExceeded},
			http.StatusGatewayTimeout, "upstream timed out", "timeout"},
		{"connect refused", upstreamFailure{err: refused}, http.StatusBadGateway, "upstream connection failed", "connect"},
		{"unasked 101", upstreamFailure{err: errUnaskedSwitch}, http.StatusBadGateway, "upstream connection failed", "other"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			status, msg, kind := tc.f.answer()
			if status != tc.status || msg != tc.msg || kind != tc.kind {
				t.Errorf("answer() = %d, %q, %q; want %d, %q, %q", status, msg, kind, tc.status, tc.msg, tc.kind)
			}
		})
	}
}

// TestProxyErrorBodyFailureWinsOverClientGone: through
// httputil.ReverseProxy as on the lean path, a request whose body was
// malformed is answered 400 even when the client has gone since (the lean
// path's rule, [upstreamFailure.answer]); it used to be taken for a client
// that left (499, no answer) on this path only.
func TestProxyErrorBodyFailureWinsOverClientGone(t *testing.T) {
	t.Parallel()
	h := newHandler(func() *Table { return nil }, handlerOptions{log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	st := &requestState{backend: &backend{name: "b"}}
	st.body.failed.Store(true)
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), stateKey{}, st))
	cancel() // the client has gone
	r := httptest.NewRequest(http.MethodPost, "/", nil).WithContext(ctx)
	w := httptest.NewRecorder()
	h.proxyError(w, r, io.ErrUnexpectedEOF)
	if w.Code != http.StatusBadRequest || st.abort {
		t.Errorf("got %d (abort %v), want 400 and no abort", w.Code, st.abort)
	}
}
