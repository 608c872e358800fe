package e2e

import (
	"context"
	"testing"
	"time"
)

// PollInterval is how long [Eventually] waits between attempts.
const PollInterval = 25 * time.Millisecond

// Eventually calls cond until it returns nil or timeout passes, waiting
// [PollInterval] between attempts. On timeout it fails t with what, the
// timeout and cond's last error. cond should be quick and bounded itself
// (dial and request timeouts well under timeout).
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() error) {
	t.Helper()
	if err := Poll(context.Background(), timeout, cond); err != nil {
		t.Fatalf("%s: not true after %v: %v", what, timeout, err)
	}
}

// Poll is [Eventually] for code that has no testing.TB: it returns nil as
// soon as cond does, or cond's last error once timeout has passed or ctx is
// done.
func Poll(ctx context.Context, timeout time.Duration, cond func() error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(PollInterval)
	defer tick.Stop()
	for {
		err := cond()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-tick.C:
		}
	}
}

// Elapsed polls cond every millisecond until it returns nil and returns
// how long that took from start, for measuring how fast something
// converges; it fails t with what after timeout. cond must be cheap.
func Elapsed(t testing.TB, start time.Time, timeout time.Duration, what string, cond func() error) time.Duration {
	t.Helper()
	deadline := start.Add(timeout)
	for {
		err := cond()
		if err == nil {
			return time.Since(start)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not true after %v: %v", what, timeout, err)
		}
		time.Sleep(time.Millisecond)
	}
}
