package e2e

import (
	"context"
	"io"
	"net/netip"
	"testing"
	"time"
)

// Exchange connects from h to addr, writes payload, and reads until the
// peer closes the connection or timeout passes. It returns the bytes read
// and the error that ended the exchange: nil when the peer closed cleanly
// after (or without) answering, a reset or broken pipe when it closed
// early, a timeout when it kept the connection open. For bytes curl will
// not send, such as a forged PROXY header. It fails t only if it cannot
// connect.
func (h *Host) Exchange(t testing.TB, addr netip.AddrPort, payload []byte, timeout time.Duration) ([]byte, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	c, err := h.DialContext(ctx, "tcp", addr.String())
	if err != nil {
		t.Fatalf("connect from %s to %s: %v", h.Name, addr, err)
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(timeout)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(payload); err != nil {
		return nil, err
	}
	return io.ReadAll(c)
}
