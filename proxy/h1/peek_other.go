//go:build !linux

package h1

// peek is the callback of [Conn.alive]. Without a portable non-blocking
// peek it reports the connection alive; a stale connection is then found
// when its response does not come (see [Conn.ReadResponse]'s io.EOF).
func (c *Conn) peek(uintptr) bool {
	c.peekOK = true
	return true
}
