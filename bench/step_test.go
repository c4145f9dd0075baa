package bench

import (
	"flag"
	"fmt"
	"syscall"
	"testing"

	"gorgonia.org/tensor"

	"github.com/replicate-emd/replicate/models"
)

var kernelsFlag = flag.String("kernels", "fused", "CNN kernels to benchmark: fused or native")

func kernels(tb testing.TB) models.Kernels {
	switch *kernelsFlag {
	case "fused":
		return models.Fused
	case "native":
		return models.Native
	}
	tb.Fatalf("unknown -kernels %q", *kernelsFlag)
	return 0
}

func benchStep(b *testing.B, dt tensor.Dtype, loss Loss) {
	s, err := NewStep(dt, loss, kernels(b), 1)
	if err != nil {
		b.Fatal(err)
	}
	for range 2 { // warm-up: first-run allocations
		if _, err := s.Run(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	cpu0 := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Run(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(cpuTime()-cpu0)/1e6/float64(b.N), "cpu-ms/op")
}

// cpuTime is the user + system CPU time of the process so far, in
// nanoseconds, counting every thread (Go's and the BLAS's).
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkStep times one training step (forward, backward, Nesterov
// update) of the small CNN on a 64×3×32×32 batch, per dtype and loss, with
// the kernels of -kernels and the BLAS of the build (models.BLAS).
func BenchmarkStep(b *testing.B) {
	b.Logf("kernels %s, BLAS %s", *kernelsFlag, models.BLAS())
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		for _, loss := range []Loss{CE, EMD2} {
			b.Run(fmt.Sprintf("%v/%s", dt, loss), func(b *testing.B) { benchStep(b, dt, loss) })
		}
	}
}
