package proxy

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when goroutines outlive its tests: every
// server, backend, upstream connection and tunnel a test starts must be
// gone once the tests are over.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
