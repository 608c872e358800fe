package proxy

import (
	"io"
	"sync/atomic"
)

// clientBody wraps a request body to remember whether reading it failed:
// malformed chunking, a body cut short, a body read deadline. Such a
// failure is the client's doing, not the endpoint's, so it must neither
// count against the endpoint's passive health (any client could otherwise
// eject every endpoint of a backend with a few broken bodies) nor be
// answered as a bad gateway. It is safe to use from the goroutine that
// reads the body and the one that handles the request at once.
type clientBody struct {
	io.ReadCloser
	failed  atomic.Bool
	timeout atomic.Bool
}

func (b *clientBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		if isTimeout(err) {
			b.timeout.Store(true)
		}
		b.failed.Store(true)
	}
	return n, err
}
