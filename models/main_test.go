package models

import (
	"os"
	"runtime"
	"testing"
)

// TestMain makes every test go through the parallel paths of the kernels
// (split over at least three goroutines, however small the input), so that
// the plain-Go references check them and the race detector sees them.
func TestMain(m *testing.M) {
	parallelMinWork = 1
	runtime.GOMAXPROCS(max(3, runtime.GOMAXPROCS(0)))
	os.Exit(m.Run())
}
