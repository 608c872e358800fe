package main

import (
	"context"
	"log/slog"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// A proxy's live heap is small (a few MiB standalone) while it allocates
// about a kilobyte per request, mostly in net/http's request parser. With
// the runtime's default GOGC=100 the heap goal is twice the live heap, so
// at tens of thousands of requests a second the collector runs many times
// a second, and on one core each cycle shows in the tail latency. tuneGC
// raises GOGC while the live heap is below a floor, so that the heap goal
// is about the floor, and returns to 100 as the live heap grows past half
// of it: memory stays proportional to what is live (a large cluster's
// tables), and a small proxy spends its floor on fewer collections.

// gcPercentMax bounds how far GOGC is raised for a tiny live heap.
const gcPercentMax = 1600

// gcPercentFor returns the GOGC that makes the heap goal, live·(1+GOGC/100),
// about floor bytes, but never less than the runtime's default of 100 nor
// more than gcPercentMax. A live heap not yet measured (0) gets the maximum.
func gcPercentFor(live, floor uint64) int {
	if live == 0 {
		return gcPercentMax
	}
	if floor <= 2*live {
		return 100
	}
	pct := (floor - live) * 100 / live
	if pct > gcPercentMax {
		return gcPercentMax
	}
	return int(pct)
}

// tuneGC adjusts GOGC every interval from the live heap (see gcPercentFor)
// until ctx is done. It does nothing when floor is zero or GOGC is set in
// the environment: an operator's choice wins. GOMEMLIMIT keeps its meaning
// either way, since the runtime collects before the limit whatever GOGC is.
func tuneGC(ctx context.Context, log *slog.Logger, floor uint64, interval time.Duration) {
	if floor == 0 || os.Getenv("GOGC") != "" {
		return
	}
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	current := -1
	apply := func() {
		metrics.Read(sample)
		live := uint64(0)
		if sample[0].Value.Kind() == metrics.KindUint64 {
			live = sample[0].Value.Uint64()
		}
		if pct := gcPercentFor(live, floor); pct != current {
			debug.SetGCPercent(pct)
			log.Debug("GOGC tuned", "gogc", pct, "live_heap_bytes", live, "floor_bytes", floor)
			current = pct
		}
	}
	apply()
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				apply()
			}
		}
	}()
}
