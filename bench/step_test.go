package bench

import (
	"flag"
	"fmt"
	"strings"
	"syscall"
	"testing"

	"gorgonia.org/tensor"

	"github.com/replicate-emd/replicate/models"
)

var (
	kernelsFlag = flag.String("kernels", "fused", "CNN kernels to benchmark: fused or native")
	netsFlag    = flag.String("nets", "cnn", "BenchmarkStep: comma-separated networks, cnn and/or alexnet")
	dtypesFlag  = flag.String("dtypes", "float32,float64", "BenchmarkStep: comma-separated dtypes")
)

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

func benchStep(b *testing.B, n Network, dt tensor.Dtype, loss Loss) {
	s, err := NewStep(n, dt, loss, kernels(b), 1)
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
// update) per network of -nets, dtype of -dtypes and loss, with the
// kernels of -kernels and the BLAS of the build (models.BLAS): the small
// CNN on a 64×3×32×32 batch, the face AlexNet on a 32×3×227×227 one (fused
// kernels only). Sub-benchmarks are named network/dtype/loss.
func BenchmarkStep(b *testing.B) {
	b.Logf("kernels %s, BLAS %s", *kernelsFlag, models.BLAS())
	for _, n := range strings.Split(*netsFlag, ",") {
		for _, d := range strings.Split(*dtypesFlag, ",") {
			dt := map[string]tensor.Dtype{"float32": tensor.Float32, "float64": tensor.Float64}[d]
			if dt == (tensor.Dtype{}) {
				b.Fatalf("unknown dtype %q in -dtypes", d)
			}
			for _, loss := range []Loss{CE, EMD2} {
				b.Run(fmt.Sprintf("%s/%v/%s", n, dt, loss), func(b *testing.B) { benchStep(b, Network(n), dt, loss) })
			}
		}
	}
}
