package gemm

import (
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// benchShape is one benchmarked product; name says where it comes from.
type benchShape struct {
	name           string
	transA, transB bool
	m, n, k        int
}

// benchShapes are square products and the per-sample products of the
// fused convolution blocks (models/fused_conv.go: forward W·col is
// O × OH·OW × C·K·K; the filter gradient dz·colᵀ is O × C·K·K × OH·OW with
// B transposed; the input gradient Wᵀ·dz is C·K·K × OH·OW × O with A
// transposed) and of the fully connected layers, for the small CNN (batch
// 64, 3×32×32) and the face AlexNet (batch 32, 3×227×227).
var benchShapes = []benchShape{
	{"square/64", false, false, 64, 64, 64},
	{"square/128", false, false, 128, 128, 128},
	{"square/256", false, false, 256, 256, 256},
	{"square/512", false, false, 512, 512, 512},
	{"square/1024", false, false, 1024, 1024, 1024},
	{"cnn/conv1-fwd", false, false, 32, 1024, 27},
	{"cnn/conv1-dw", false, true, 32, 27, 1024},
	{"cnn/conv2-fwd", false, false, 64, 256, 288},
	{"cnn/conv2-dw", false, true, 64, 288, 256},
	{"cnn/conv2-dx", true, false, 288, 256, 64},
	{"cnn/fc-fwd", false, false, 64, 8, 4096},
	{"alexnet/conv1-fwd", false, false, 96, 3136, 147},
	{"alexnet/conv1-dw", false, true, 96, 147, 3136},
	{"alexnet/conv2-fwd", false, false, 256, 784, 2400},
	{"alexnet/conv2-dw", false, true, 256, 2400, 784},
	{"alexnet/conv2-dx", true, false, 2400, 784, 256},
	{"alexnet/conv3-fwd", false, false, 384, 196, 2304},
	{"alexnet/conv3-dw", false, true, 384, 2304, 196},
	{"alexnet/conv3-dx", true, false, 2304, 196, 384},
	{"alexnet/fc1-fwd", false, false, 32, 512, 18816},
	{"alexnet/fc1-dw", true, false, 18816, 512, 32},
}

// BenchmarkSgemm times C = A·B for each shape with this package's kernels
// and with gonum's Sgemm (the default BLAS of gorgonia), reporting GFLOP/s
// (2mnk floating-point operations per product).
func BenchmarkSgemm(b *testing.B) {
	for _, s := range benchShapes {
		rng := rand.New(rand.NewPCG(1, 2))
		p := newProblem(rng, s.transA, s.transB, s.m, s.n, s.k, 0, 1, 0)
		flops := 2 * float64(s.m) * float64(s.n) * float64(s.k)
		for _, kn := range kernels() {
			b.Run(fmt.Sprintf("%s/%s", s.name, kn.name), func(b *testing.B) {
				defer setVar(&kern, kn)()
				benchProduct(b, flops, func() {
					Sgemm(p.transA, p.transB, p.m, p.n, p.k, p.alpha, p.a, p.lda, p.b, p.ldb, p.beta, p.c, p.ldc)
				})
			})
		}
		b.Run(s.name+"/gonum", func(b *testing.B) {
			ta, tb := blas.NoTrans, blas.NoTrans
			if p.transA {
				ta = blas.Trans
			}
			if p.transB {
				tb = blas.Trans
			}
			benchProduct(b, flops, func() {
				gonum.Implementation{}.Sgemm(ta, tb, p.m, p.n, p.k, p.alpha, p.a, p.lda, p.b, p.ldb, p.beta, p.c, p.ldc)
			})
		})
	}
}

// benchProduct times f and reports GFLOP/s (by wall-clock time) and
// GFLOP/cpu-s (by the CPU time of the process, all threads together) for
// flops operations per call. On a machine shared with other jobs the
// second is the steadier: it leaves out the time the benchmark waited for
// a core, and divided by the per-core peak it gives the efficiency.
func benchProduct(b *testing.B, flops float64, f func()) {
	f() // warm the pools
	cpu0 := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		f()
	}
	b.StopTimer()
	cpu := float64(cpuTime()-cpu0) / 1e9
	b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	b.ReportMetric(flops*float64(b.N)/cpu/1e9, "GFLOP/cpu-s")
}

// cpuTime is the user + system CPU time of the process so far, in
// nanoseconds.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkKernel times the micro-kernel alone on panels that stay in the
// level-1 cache (kc = 256), on one goroutine: the ceiling of the blocked
// algorithm on one core.
func BenchmarkKernel(b *testing.B) {
	for _, kn := range kernels() {
		b.Run(kn.name, func(b *testing.B) {
			const kc = 256
			rng := rand.New(rand.NewPCG(1, 3))
			ap, bp := randMatrix(rng, kc, kn.mr), randMatrix(rng, kc, kn.nr)
			c := make([]float32, kn.mr*kn.nr)
			flops := 2 * float64(kn.mr*kn.nr*kc)
			benchProduct(b, flops, func() { kn.tile(kc, ap, bp, c, kn.nr, 1, 0) })
		})
	}
}
