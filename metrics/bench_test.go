package metrics_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/replicate-emd/replicate/metrics"
)

func BenchmarkEvaluate(b *testing.B) {
	for _, bc := range []struct {
		n, classes int
		ordered    bool
	}{
		{10000, 8, true},     // Adience-sized ordinal task: every ordinal metric
		{10000, 1000, false}, // ImageNet-sized orderless task: acc, top-1, top-5
	} {
		b.Run(fmt.Sprintf("N%d_C%d_ordered=%v", bc.n, bc.classes, bc.ordered), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			probs := randomProbs(rng, bc.n, bc.classes, 1, false)
			labels := randomLabels(rng, bc.n, bc.classes)
			b.SetBytes(int64(8 * bc.n * bc.classes))
			b.ReportAllocs()
			for b.Loop() {
				metrics.Evaluate(probs, labels, bc.classes, bc.ordered, nil)
			}
		})
	}
}

func BenchmarkSpearman(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	x := make([]float64, 10000)
	y := make([]float64, 10000)
	for i := range x {
		x[i], y[i] = rng.Float64(), rng.Float64()
	}
	b.ReportAllocs()
	for b.Loop() {
		metrics.Spearman(x, y)
	}
}
