package listen

import (
	"context"
	"net"
)

type connKey struct{}

// ConnContext returns ctx carrying c. Its signature fits
// [net/http.Server.ConnContext], which calls it on the accepting
// goroutine: it only stores c and never reads from it.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, c)
}

// ConnFromContext returns the connection stored by [ConnContext], and
// whether there was one. Pass it to [InfoOf] to learn the client's address.
func ConnFromContext(ctx context.Context) (net.Conn, bool) {
	c, ok := ctx.Value(connKey{}).(net.Conn)
	return c, ok && c != nil
}
