package proxy

import "sync"

// bufferPool recycles the buffers bodies are copied with, so a request does
// not allocate a fresh 32 KiB. Get and Put serve httputil.ReverseProxy;
// get and put, which keep the pointer, serve the lean path without an
// allocation.
type bufferPool struct{ p sync.Pool }

const copyBufferSize = 32 << 10

// copyBuffers is the pool every handler shares.
var copyBuffers bufferPool

func (b *bufferPool) get() *[]byte {
	if v, ok := b.p.Get().(*[]byte); ok {
		return v
	}
	buf := make([]byte, copyBufferSize)
	return &buf
}

func (b *bufferPool) put(buf *[]byte) { b.p.Put(buf) }

func (b *bufferPool) Get() []byte { return *b.get() }

func (b *bufferPool) Put(buf []byte) {
	if cap(buf) != copyBufferSize {
		return
	}
	buf = buf[:copyBufferSize]
	b.p.Put(&buf)
}
