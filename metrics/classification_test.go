package metrics_test

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/replicate-emd/replicate/metrics"
)

// refTopK is a slow, obvious top-k check: stable-sort the class indices by
// descending probability (so ties keep index order) and look for the label
// among the first k.
func refTopK(row []float64, label, k int) bool {
	idx := make([]int, len(row))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return row[idx[a]] > row[idx[b]] })
	for _, j := range idx[:min(k, len(idx))] {
		if j == label {
			return true
		}
	}
	return false
}

func TestArgmax(t *testing.T) {
	probs := [][]float64{
		{0.1, 0.7, 0.2},
		{0.4, 0.2, 0.4},        // tie between 0 and 2: lowest index
		{0.2, 0.3, 0.3},        // tie between 1 and 2
		{math.NaN(), 0.5, 0.5}, // non-finite row: no prediction
		{0.1, math.Inf(1), 0},  // non-finite row: no prediction
		{1, 0, 0},
	}
	want := []int{1, 0, 1, -1, -1, 0} // hand-read
	if diff := cmp.Diff(want, metrics.Argmax(nil, probs)); diff != "" {
		t.Errorf("Argmax mismatch (-want +got):\n%s", diff)
	}
	dst := make([]int, len(probs))
	if got := metrics.Argmax(dst, probs); &got[0] != &dst[0] {
		t.Error("Argmax did not write into dst")
	}
	checkPanics(t, "dst length", func() { metrics.Argmax(make([]int, 2), probs) })
	checkPanics(t, "ragged rows", func() { metrics.Argmax(nil, [][]float64{{1, 0}, {1}}) })
}

func TestTopK(t *testing.T) {
	probs := [][]float64{
		{0.3, 0.3, 0.2, 0.2},
		{0.3, 0.3, 0.2, 0.2},
		{0.1, 0.2, 0.3, 0.4},
		{0.25, 0.25, 0.25, 0.25},
	}
	labels := []int{0, 1, 3, 3}
	// Hand ranks under the index tie rule: row 0 label 0 → 0; row 1 label 1
	// → 1 (class 0 ties and comes first); row 2 label 3 → 0; row 3 label 3
	// → 3 (three tied classes have lower indices).
	for _, tt := range []struct {
		k    int
		want float64
	}{{1, 2.0 / 4}, {2, 3.0 / 4}, {3, 3.0 / 4}, {4, 1}, {9, 1}} {
		checkNear(t, "TopK", metrics.TopK(probs, labels, tt.k), tt.want, metricTol)
	}
	checkNear(t, "empty", metrics.TopK(nil, nil, 1), math.NaN(), 0)
	checkNear(t, "NaN row", metrics.TopK([][]float64{{0.5, 0.5}, {math.NaN(), 1}}, []int{0, 1}, 1), math.NaN(), 0)

	checkPanics(t, "k=0", func() { metrics.TopK(probs, labels, 0) })
	checkPanics(t, "lengths", func() { metrics.TopK(probs, labels[:3], 1) })
	checkPanics(t, "label high", func() { metrics.TopK(probs, []int{0, 1, 4, 3}, 1) })
	checkPanics(t, "label negative", func() { metrics.TopK(probs, []int{0, -1, 3, 3}, 1) })
	checkPanics(t, "ragged", func() { metrics.TopK([][]float64{{1, 0}, {1, 0, 0}}, []int{0, 0}, 1) })
}

func TestTopK_AgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, coarse := range []bool{false, true} {
		for _, c := range []int{2, 5, 8, 30} {
			probs := randomProbs(rng, 200, c, 1.5, coarse)
			labels := randomLabels(rng, 200, c)
			pred := metrics.Argmax(nil, probs)
			for k := 1; k <= 6; k++ {
				hits := 0
				for i := range probs {
					if refTopK(probs[i], labels[i], k) {
						hits++
					}
				}
				want := float64(hits) / 200
				checkNear(t, "TopK vs stable sort", metrics.TopK(probs, labels, k), want, metricTol)
			}
			// The tie rules of Argmax and TopK agree, so top-1 is accuracy.
			checkNear(t, "top1 = acc", metrics.TopK(probs, labels, 1), metrics.Accuracy(pred, labels), 0)
			checkNear(t, "top-C = 1", metrics.TopK(probs, labels, c), 1, 0)
		}
	}
}
