package resolve

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when goroutines outlive its tests: a loop's
// lookups end before Run and Update return.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
