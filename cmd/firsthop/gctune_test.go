package main

import "testing"

func TestGCPercentFor(t *testing.T) {
	const mib = 1 << 20
	tests := []struct {
		live, floor uint64
		want        int
	}{
		{0, 64 * mib, gcPercentMax},       // before the first collection
		{1 * mib, 64 * mib, gcPercentMax}, // 6300 wanted, capped
		{4 * mib, 64 * mib, 1500},         // goal 4 MiB·16 = 64 MiB
		{8 * mib, 64 * mib, 700},          // goal 64 MiB
		{16 * mib, 64 * mib, 300},         // goal 64 MiB
		{32 * mib, 64 * mib, 100},         // the default's goal is the floor already
		{500 * mib, 64 * mib, 100},        // a large cluster: the default
		{20 * mib, 64 * mib, 220},         // goal 64 MiB, rounded down
	}
	for _, tt := range tests {
		if got := gcPercentFor(tt.live, tt.floor); got != tt.want {
			t.Errorf("gcPercentFor(%d MiB, %d MiB) = %d, want %d", tt.live/mib, tt.floor/mib, got, tt.want)
		}
		// Raised, the goal is the floor at most: memory is bounded by it.
		if got := gcPercentFor(tt.live, tt.floor); tt.live > 0 && got > 100 {
			if goal := tt.live + tt.live*uint64(got)/100; goal > tt.floor {
				t.Errorf("live %d MiB: heap goal %d bytes is over the floor", tt.live/mib, goal)
			}
		}
	}
}
