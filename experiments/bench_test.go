package experiments

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkExpand10k expands a grid of 10,000 runs (5 losses × 20 learning
// rates × 20 seeds × 5 folds) and computes every run's key.
func BenchmarkExpand10k(b *testing.B) {
	lrs := make([]string, 20)
	for i := range lrs {
		lrs[i] = fmt.Sprintf("%g", 0.1/float64(i+1))
	}
	seeds := make([]string, 20)
	for i := range seeds {
		seeds[i] = fmt.Sprint(i + 1)
	}
	y := strings.NewReplacer(
		"folds: 2", "folds: 5",
		"[ce, emd2]", "[ce, l2, emd2, ce+emd2, xe-emd1]",
		"seeds: [1, 2]", "seeds: ["+strings.Join(seeds, ", ")+"]",
		"[0.1, 0.01]", "["+strings.Join(lrs, ", ")+"]",
	).Replace(validGrid)
	g, err := Parse(strings.NewReader(y), "bench.yaml")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		runs, err := g.Expand("")
		if err != nil || len(runs) != 10000 {
			b.Fatalf("%d runs, %v", len(runs), err)
		}
		for _, r := range runs {
			_ = r.Key()
		}
	}
}
