package listen

// growStack uses enough stack to make the calling goroutine's stack grow,
// once, to the size an HTTP/1.1 connection's goroutine needs (8 KiB).
//
// net/http serves each connection on a new goroutine whose stack starts
// small and grows on demand: twice during the first request, each time
// copying every frame on it, and the copy costs by the frame. The growths
// come deep in the request path (in the first Read, where the PROXY header
// is read, and in the handler), where copying costs tens of thousands of
// instructions: a third or more of serving a connection that carries one
// request. The first thing net/http does on the connection's goroutine is
// to ask for its RemoteAddr; growing the stack there, with three frames on
// it, costs a few hundred. The stack would reach this size anyway, so an
// idle connection holds no more memory for it.
//
//go:noinline
func growStack() byte {
	var b [5 << 10]byte
	return keep(b[:])
}

// keep makes b live, so that growStack's frame is not optimised away.
//
//go:noinline
func keep(b []byte) byte { return b[len(b)-1] }
