package proxy

import (
	"errors"
	"io"
	"sync/atomic"
)

// errBodyTooLarge is the read error of a request body that grew past its
// route's Route.MaxRequestBodyBytes. Both upstream paths see it as the
// client body's failure (the endpoint is not blamed) and answer 413 when
// nothing was answered yet (see [upstreamFailure.answer]).
var errBodyTooLarge = errors.New("proxy: request body larger than the route allows")

// bodyLimit passes a request body through until left bytes have gone,
// then fails with errBodyTooLarge: a body of unknown length (chunked, or
// an HTTP/2 stream without content-length) is cut where it crosses the
// limit, and nothing past it is forwarded. It lives in the pooled
// requestState; exceeded is read by the handler while or after another
// goroutine copies the body.
type bodyLimit struct {
	io.ReadCloser
	left     int64
	exceeded atomic.Bool
}

func (b *bodyLimit) Read(p []byte) (int, error) {
	if b.exceeded.Load() {
		return 0, errBodyTooLarge
	}
	// Read one byte more than allowed, to tell a body that ends at the
	// limit from one that goes on.
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.ReadCloser.Read(p)
	if int64(n) > b.left {
		b.exceeded.Store(true)
		return int(b.left), errBodyTooLarge
	}
	b.left -= int64(n)
	return n, err
}
