package kubetest

import (
	"testing"
	"time"
)

// Eventually polls cond until it holds or 10 seconds pass; then it fails
// t with cond's last description.
func Eventually(t testing.TB, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ok, desc := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; last state: %s", what, desc)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
