package proxy

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"testing/iotest"
	"time"

	"github.com/firsthop/firsthop/proxy/h1"
)

// deadlineRecorder is a ResponseWriter that records read deadlines set
// through http.ResponseController.
type deadlineRecorder struct {
	*httptest.ResponseRecorder
	set atomic.Int32
}

func (d *deadlineRecorder) SetReadDeadline(time.Time) error {
	d.set.Add(1)
	return nil
}

// TestBodyCopyFinishLeavesAWholeBodyAlone: when the exchange ends while
// the copy is still writing a body it has read to the end, finish must
// not fail the client's connection: the client's next request may already
// be on it. (Before, it set the client's read deadline to the past, and
// net/http then closed the kept-alive connection under that request: an
// EOF for the client, seen about once in 1,000 requests with bodies.) A
// copy still reading the client's body is stopped as before.
func TestBodyCopyFinishLeavesAWholeBodyAlone(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name          string
		body          io.Reader
		length        int64
		wholeBodyRead bool
	}{
		{"known length, read whole", strings.NewReader("hello"), 5, true},
		// The end of the body comes with its last bytes, so the copy
		// knows it has read it all before it writes them.
		{"chunked, read whole", iotest.DataErrReader(strings.NewReader("hello")), -1, true},
		{"known length, still reading", strings.NewReader("hel"), 5, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// The backend's end of the pipe reads nothing: the copy's
			// first write of body bytes blocks until finish closes c.
			up, backend := net.Pipe()
			defer backend.Close()
			c := h1.NewConn(up, 1<<10)
			stall := make(chan struct{}) // the client sends no more until closed
			body := tc.body
			if !tc.wholeBodyRead {
				body = io.MultiReader(body, stalledReader(stall))
			}
			r := httptest.NewRequest(http.MethodPost, "/", body)
			r.ContentLength = tc.length
			b := &bodyCopy{r: r, rht: time.Minute, done: make(chan error, 1)}
			go func() { b.done <- b.copy(c) }()
			if tc.wholeBodyRead {
				waitFor(t, "the copy to read the body", b.bodyRead.Load)
			}
			w := &deadlineRecorder{ResponseRecorder: httptest.NewRecorder()}
			finished := make(chan struct{})
			go func() {
				defer close(finished)
				_ = b.finish(c, w, false)
			}()
			if !tc.wholeBodyRead {
				// The stalled read ends with the deadline finish sets; the
				// recorder has no connection, so end it by hand.
				waitFor(t, "finish to set the client's read deadline", func() bool { return w.set.Load() > 0 })
				close(stall)
			}
			select {
			case <-finished:
			case <-time.After(5 * time.Second):
				t.Fatal("finish did not return")
			}
			if got := w.set.Load() > 0; got != !tc.wholeBodyRead {
				t.Errorf("client's read deadline set: %v, want %v", got, !tc.wholeBodyRead)
			}
		})
	}
}

// stalledReader is a client body that sends nothing until c is closed,
// then fails as a read past its deadline does.
type stalledReader chan struct{}

func (c stalledReader) Read([]byte) (int, error) {
	<-c
	return 0, os.ErrDeadlineExceeded
}
