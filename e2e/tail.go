package e2e

import (
	"strings"
	"sync"
)

// tailBuffer is an io.Writer that keeps the last max bytes written to it.
// It is safe for concurrent use. The zero value keeps nothing; use
// newTailBuffer.
type tailBuffer struct {
	mu      sync.Mutex
	max     int
	buf     []byte
	dropped int64
}

func newTailBuffer(max int) *tailBuffer { return &tailBuffer{max: max} }

// Write appends p, dropping the oldest bytes beyond max. It never fails.
func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.max; over > 0 {
		b.dropped += int64(over)
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

// String returns what is kept, prefixed with a note if older output was
// dropped.
func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.dropped > 0 {
		return "[... earlier output dropped ...]\n" + string(b.buf)
	}
	return string(b.buf)
}

// Contains reports whether the kept output contains s.
func (b *tailBuffer) Contains(s string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Contains(string(b.buf), s)
}
