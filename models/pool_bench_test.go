package models

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkPoolPlane times the 2×2/2 pooling pass of the fused block over
// the first block of the small CNN (64 samples × 32 planes of 32×32).
func BenchmarkPoolPlane(b *testing.B) {
	g := newConvGeom(64, 3, 32, 32, 32, 3, 1, 1)
	op := &convOp{g: g, relu: true, pool: poolGeom{K: 2, S: 2, PH: 16, PW: 16}}
	rng := rand.New(rand.NewPCG(1, 1))
	z := make([]float32, g.O*g.p)
	for i := range z {
		z[i] = float32(rng.NormFloat64())
	}
	out := make([]float32, 256)
	arg := make([]int32, 256)
	b.SetBytes(int64(4 * len(z) * g.B))
	for b.Loop() {
		for n := 0; n < g.B; n++ {
			for o := 0; o < g.O; o++ {
				poolPlane(op, z[o*g.p:][:g.p], 0.1, out, arg)
			}
		}
	}
}
