package kube

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"k8s.io/client-go/tools/cache"
)

// RequestObserver watches the requests a client sends to the API server,
// so that a controller waiting for its caches can say what is wrong: the
// last request that failed, or one still without an answer (an API server
// that accepts connections and never answers). client-go retries both
// quietly. Install it with rest.Config.Wrap(o.Wrap) and pass it as
// [Config.Requests]. The zero value is ready to use; it is safe for
// concurrent use and must not be copied after first use.
type RequestObserver struct {
	mu      sync.Mutex
	lastErr string    // the last failure, "" when none
	lastAt  time.Time // when it happened
	nextID  uint64
	pending map[uint64]pendingRequest // waiting for response headers
}

// pendingRequest is a request sent and not answered yet.
type pendingRequest struct {
	what  string // "GET https://host/path"
	since time.Time
}

// Wrap returns rt observed by o; its signature is a
// k8s.io/client-go/transport.WrapperFunc.
func (o *RequestObserver) Wrap(rt http.RoundTripper) http.RoundTripper {
	return &observedTransport{rt: rt, o: o}
}

type observedTransport struct {
	rt http.RoundTripper
	o  *RequestObserver
}

// RoundTrip sends req with the wrapped transport, recording it as pending
// until the response headers (or an error) come back.
func (t *observedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	what := req.Method + " " + req.URL.Scheme + "://" + req.URL.Host + req.URL.Path
	id := t.o.begin(what)
	resp, err := t.rt.RoundTrip(req)
	t.o.end(req.Context(), id, what, resp, err)
	return resp, err
}

func (o *RequestObserver) begin(what string) uint64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.pending == nil {
		o.pending = make(map[uint64]pendingRequest)
	}
	o.nextID++
	o.pending[o.nextID] = pendingRequest{what: what, since: time.Now()}
	return o.nextID
}

func (o *RequestObserver) end(ctx context.Context, id uint64, what string, resp *http.Response, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.pending, id)
	switch {
	case err != nil && ctx.Err() != nil:
		// Cancelled by the caller (shutdown, a watch ended): not the
		// API server's fault.
	case err != nil:
		o.lastErr, o.lastAt = what+": "+err.Error(), time.Now()
	case resp.StatusCode >= 400:
		o.lastErr, o.lastAt = what+": "+resp.Status, time.Now()
	}
}

// stalled returns the oldest request unanswered for at least d, and for
// how long, or "" when there is none.
func (o *RequestObserver) stalled(d time.Duration) (string, time.Duration) {
	if o == nil {
		return "", 0
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	var oldest pendingRequest
	for _, p := range o.pending {
		if oldest.since.IsZero() || p.since.Before(oldest.since) {
			oldest = p
		}
	}
	if oldest.since.IsZero() {
		return "", 0
	}
	waited := time.Since(oldest.since)
	if waited < d {
		return "", 0
	}
	return oldest.what, waited
}

// lastFailure returns the last request that failed and when, or "".
func (o *RequestObserver) lastFailure() (string, time.Time) {
	if o == nil {
		return "", time.Time{}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.lastErr, o.lastAt
}

// watchErrors keeps the last list or watch error of each informer, as
// client-go's reflectors report them.
type watchErrors struct {
	mu   sync.Mutex
	last map[string]timedError // by resource
}

type timedError struct {
	err string
	at  time.Time
}

// handler returns the watch error handler of resource's informer. It
// records the error and then does what client-go does by default (log it
// through klog).
func (w *watchErrors) handler(resource string) cache.WatchErrorHandlerWithContext {
	return func(ctx context.Context, r *cache.Reflector, err error) {
		w.mu.Lock()
		if w.last == nil {
			w.last = make(map[string]timedError)
		}
		w.last[resource] = timedError{err: err.Error(), at: time.Now()}
		w.mu.Unlock()
		cache.DefaultWatchErrorHandler(ctx, r, err)
	}
}

// latest returns the most recent error of the resources named, or "".
func (w *watchErrors) latest(resources []string) (string, time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var best timedError
	for _, r := range resources {
		if e, ok := w.last[r]; ok && e.at.After(best.at) {
			best = timedError{err: r + ": " + e.err, at: e.at}
		}
	}
	return best.err, best.at
}

// syncReport says, while the caches are not synced, what is awaited and
// why, every interval.
type syncReport struct {
	log      *slog.Logger
	interval time.Duration
	requests *RequestObserver // may be nil
}

// syncPoll is how often waitForSync looks at the caches, as
// cache.WaitForCacheSync does.
const syncPoll = 100 * time.Millisecond

// waitForSync waits for every cache to sync, recording each cache's state
// in m (which may be nil) and, when rep is not nil, logging every
// rep.interval which caches are still awaited and the last error seen. It
// reports false when ctx is done first.
func (l *listers) waitForSync(ctx context.Context, m *CacheMetrics, rep *syncReport) bool {
	for _, r := range l.resources {
		m.CacheSynced(r, false)
	}
	start := time.Now()
	lastReport := start
	tick := time.NewTicker(syncPoll)
	defer tick.Stop()
	for {
		waiting := l.unsynced()
		if len(waiting) == 0 {
			break
		}
		if rep != nil && time.Since(lastReport) >= rep.interval {
			lastReport = time.Now()
			watchErr, watchAt := l.watchErrs.latest(waiting)
			rep.report(waiting, lastReport.Sub(start).Round(time.Second), watchErr, watchAt)
		}
		select {
		case <-ctx.Done():
			return false
		case <-tick.C:
		}
	}
	for _, r := range l.resources {
		m.CacheSynced(r, true)
	}
	return true
}

// unsynced returns the resources whose caches have not synced.
func (l *listers) unsynced() []string {
	var out []string
	for i, synced := range l.synced {
		if !synced() {
			out = append(out, l.resources[i])
		}
	}
	return out
}

// stalledAfter is how long a request to the API server goes unanswered
// before a report names it as the cause of the wait.
const stalledAfter = time.Second

// report logs one line about the wait: the resources awaited, for how
// long, and the cause: a request the API server has not answered for
// stalledAfter or more, else the latest of watchErr (a reflector's, at
// watchAt) and the last failed request.
func (r *syncReport) report(waiting []string, waited time.Duration, watchErr string, watchAt time.Time) {
	cause := "no error seen: the API server answers, the lists are not complete yet"
	if what, d := r.requests.stalled(stalledAfter); what != "" {
		cause = fmt.Sprintf("%s: no response after %v", what, d.Round(time.Second))
	} else {
		reqErr, reqAt := r.requests.lastFailure()
		switch {
		case reqErr != "" && reqAt.After(watchAt):
			cause = reqErr
		case watchErr != "":
			cause = watchErr
		}
	}
	r.log.Warn("waiting for the informer caches to sync", "waiting_for", strings.Join(waiting, ","),
		"waited", waited.String(), "cause", cause)
}
