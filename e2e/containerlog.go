package e2e

import (
	"bytes"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// KubeletPort is the port a node's kubelet API listens on: the pod
// runner serves the container log endpoint there (see [kubeletLogs]).
const KubeletPort = 10250

// containerLogLines bounds the lines a [containerLog] keeps: the oldest
// go first.
const containerLogLines = 100_000

// containerLog is one container's combined output kept as lines, each
// with the time it was written, as a kubelet's log file keeps them, so
// that `kubectl logs --since-time` (the conformance suite's mirror tests
// count the requests a backend logged since a time) can be answered.
// A line is stored once its newline arrives. It is safe for concurrent
// use.
type containerLog struct {
	mu      sync.Mutex
	lines   []logLine
	partial []byte
	now     func() time.Time // time.Now unless a test sets it
}

// logLine is one line of output, with its newline.
type logLine struct {
	at   time.Time
	text []byte
}

func newContainerLog() *containerLog { return &containerLog{now: time.Now} }

// Write stores the complete lines of p, stamped with the current time;
// an unterminated tail waits for the rest of its line. It never fails.
func (l *containerLog) Write(p []byte) (int, error) {
	n := len(p)
	l.mu.Lock()
	defer l.mu.Unlock()
	at := l.now()
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			l.partial = append(l.partial, p...)
			break
		}
		text := append(l.partial, p[:i+1]...)
		l.partial = nil
		l.lines = append(l.lines, logLine{at: at, text: text})
		p = p[i+1:]
	}
	// Trim in batches, so that a full log costs a copy per
	// containerLogLines writes, not per write.
	if len(l.lines) >= 2*containerLogLines {
		l.lines = append([]logLine(nil), l.lines[len(l.lines)-containerLogLines:]...)
	}
	return n, nil
}

// read returns the stored lines written at or after since (every line
// for the zero time), only the last tail of them when tail > 0, each
// prefixed with its RFC 3339 time and a space when timestamps is set, as
// a kubelet's /containerLogs does.
func (l *containerLog) read(since time.Time, tail int, timestamps bool) []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	var sel []logLine
	for _, ln := range l.lines {
		if since.IsZero() || !ln.at.Before(since) {
			sel = append(sel, ln)
		}
	}
	if tail > 0 && len(sel) > tail {
		sel = sel[len(sel)-tail:]
	}
	var b bytes.Buffer
	for _, ln := range sel {
		if timestamps {
			b.WriteString(ln.at.UTC().Format(time.RFC3339Nano))
			b.WriteByte(' ')
		}
		b.Write(ln.text)
	}
	return b.Bytes()
}

// kubeletLogs serves a kubelet's container log endpoint,
// GET /containerLogs/{namespace}/{pod}/{container}, from the logs lookup
// finds (nil: 404), which is what kube-apiserver calls for a pod's
// log subresource. Query parameters as the API server sends them:
// sinceTime (RFC 3339) or sinceSeconds, tailLines, timestamps; follow
// answers what there is now and ends (no stream); previous and limitBytes
// are not supported (400). A malformed parameter is a 400.
func kubeletLogs(lookup func(namespace, pod, container string) *containerLog) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /containerLogs/{namespace}/{pod}/{container}", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("previous") == "true" || q.Has("limitBytes") {
			http.Error(w, "previous and limitBytes are not supported", http.StatusBadRequest)
			return
		}
		var since time.Time
		if v := q.Get("sinceTime"); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				http.Error(w, "sinceTime: "+err.Error(), http.StatusBadRequest)
				return
			}
			since = t
		}
		if v := q.Get("sinceSeconds"); v != "" {
			s, err := strconv.ParseInt(v, 10, 64)
			if err != nil || s <= 0 {
				http.Error(w, "sinceSeconds: want a positive integer", http.StatusBadRequest)
				return
			}
			since = time.Now().Add(-time.Duration(s) * time.Second)
		}
		tail := 0
		if v := q.Get("tailLines"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				http.Error(w, "tailLines: want a non-negative integer", http.StatusBadRequest)
				return
			}
			if n == 0 {
				return // no lines
			}
			tail = n
		}
		l := lookup(r.PathValue("namespace"), r.PathValue("pod"), r.PathValue("container"))
		if l == nil {
			http.Error(w, "no such container log", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write(l.read(since, tail, q.Get("timestamps") == "true"))
	})
	return mux
}
