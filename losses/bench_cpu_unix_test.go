//go:build unix

package losses

import (
	"syscall"
	"testing"
	"time"
)

// cpuTimer reports the process's CPU time (user + system, all threads) per
// operation as the metric "cpu-ns/op". On a shared machine wall time
// includes waiting for a core; CPU time counts only the work done.
type cpuTimer struct{ start time.Duration }

func startCPU() cpuTimer { return cpuTimer{processCPU()} }

func (c cpuTimer) report(b *testing.B) {
	if b.N > 0 {
		b.ReportMetric(float64(processCPU()-c.start)/float64(b.N), "cpu-ns/op")
	}
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
