package listen

import (
	"context"
	"log/slog"
	"net/netip"
	"sync/atomic"
	"time"
)

// RefusalLogInterval is the least time between two log lines about refused
// connections of one reason (one [Outcome]) on one listener.
const RefusalLogInterval = time.Second

// refusalLog writes a warning for each refused connection, at most one
// line per reason per interval; a line says how many refusals of its
// reason were left out since the previous one.
//
// It is on the accept path: refused never blocks and, when it writes
// nothing, allocates nothing (a clock read and two atomic operations). A
// line is written by a goroutine of its own, so a slow log sink cannot
// stall Accept.
type refusalLog struct {
	log      *slog.Logger
	interval time.Duration
	now      func() time.Time
	reasons  [len(outcomeNames)]refusalReason
}

// refusalReason is the state of one reason.
type refusalReason struct {
	// next is when (Unix nanoseconds) a line may be written again.
	next atomic.Int64
	// suppressed counts the refusals not logged since the last line.
	suppressed atomic.Uint64
}

// newRefusalLog returns a log writing to log, or nil when log is nil.
func newRefusalLog(log *slog.Logger, interval time.Duration, now func() time.Time) *refusalLog {
	if log == nil {
		return nil
	}
	return &refusalLog{log: log, interval: interval, now: now}
}

// refused records that the connection from peer was refused for o (never
// OutcomeAccepted or OutcomeNone), err being the cause. A nil r does
// nothing.
func (r *refusalLog) refused(o Outcome, peer netip.AddrPort, err error) {
	if r == nil || int(o) >= len(r.reasons) {
		return
	}
	b := &r.reasons[o]
	now := r.now().UnixNano()
	next := b.next.Load()
	if now < next || !b.next.CompareAndSwap(next, now+int64(r.interval)) {
		b.suppressed.Add(1)
		return
	}
	go r.write(o, peer, err, b.suppressed.Swap(0))
}

// write logs one refusal; suppressed is the number of refusals of the
// same reason left out before it.
func (r *refusalLog) write(o Outcome, peer netip.AddrPort, err error, suppressed uint64) {
	attrs := make([]slog.Attr, 0, 4)
	attrs = append(attrs, slog.String("peer", peer.String()), slog.String("reason", o.String()))
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	if suppressed > 0 {
		attrs = append(attrs, slog.Uint64("suppressed", suppressed))
	}
	r.log.LogAttrs(context.Background(), slog.LevelWarn, "PROXY protocol: connection refused", attrs...)
}
