package gemm

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkPack times packing one kc×nc block of B and one mc×kc block of
// A of the small CNN's second convolution (k = 288, n = 256, m = 64), in
// both layouts; the figure is GB/s of packed floats.
func BenchmarkPack(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 4))
	const m, n, k = 64, 256, 288
	kb := ceilDiv(k, ceilDiv(k, blockK))
	src := randMatrix(rng, 300, 300)
	for _, trans := range []bool{false, true} {
		b.Run(fmt.Sprintf("B/trans=%t", trans), func(b *testing.B) {
			dst := make([]float32, kb*n)
			for b.Loop() {
				packB(16, trans, src, 300, 0, kb, 0, n, dst)
			}
			b.ReportMetric(float64(4*kb*n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
		})
		b.Run(fmt.Sprintf("A/trans=%t", trans), func(b *testing.B) {
			dst := make([]float32, kb*ceilDiv(m, 6)*6)
			for b.Loop() {
				packA(6, trans, src, 300, 0, m, 0, kb, dst)
			}
			b.ReportMetric(float64(4*kb*m)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
		})
	}
}
