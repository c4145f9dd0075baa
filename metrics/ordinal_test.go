package metrics_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/replicate-emd/replicate/metrics"
)

// paperProbs and paperLabels are the four-class reference case of PAPER.md
// §1 (recomputed independently there).
var (
	paperProbs = [][]float64{
		{.2, .4, .2, .2},
		{.7, .1, .1, .1},
		{.5, .05, .1, .35},
		{.1, .05, .65, .2},
	}
	paperLabels = []int{0, 0, 3, 2}
)

// refRPS is a slow, obvious RPS: build both CDFs as slices, then sum the
// squared differences.
func refRPS(probs [][]float64, labels []int) float64 {
	total := 0.0
	for i, row := range probs {
		cp := make([]float64, len(row))
		ct := make([]float64, len(row))
		for k := range row {
			for j := 0; j <= k; j++ {
				cp[k] += row[j]
				if j == labels[i] {
					ct[k] = 1
				}
			}
		}
		for k := range row {
			total += (cp[k] - ct[k]) * (cp[k] - ct[k])
		}
	}
	return total / float64(len(probs))
}

func TestRPS_EMD2(t *testing.T) {
	tests := []struct {
		name      string
		probs     [][]float64
		labels    []int
		rps, emd2 float64
	}{
		// PAPER.md §1: one-hot at the far end of three classes.
		{"FarEnd", [][]float64{{1, 0, 0}}, []int{2}, 2.0, 2.0 / 3},
		// PAPER.md §1: p == t gives 0.
		{"Equal", [][]float64{{0, 1, 0}}, []int{1}, 0, 0},
		// PAPER.md §1: per-sample RPS [0.84, 0.14, 0.975, 0.0725], mean
		// 0.506875, with 1/C 0.12671875.
		{"Paper4", paperProbs, paperLabels, 0.506875, 0.12671875},
		// PAPER.md §1 note: p = [.05,.1,.5,.25,.1], y = 3 (0-based), closed
		// form without 1/C 0.4575.
		{"Paper5", [][]float64{{.05, .1, .5, .25, .1}}, []int{3}, 0.4575, 0.4575 / 5},
		{"Empty", nil, nil, math.NaN(), math.NaN()},
		{"NaN", [][]float64{{0.5, 0.5}, {math.NaN(), 1}}, []int{0, 1}, math.NaN(), math.NaN()},
		{"Inf", [][]float64{{math.Inf(1), 0}}, []int{0}, math.NaN(), math.NaN()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkNear(t, "RPS", metrics.RPS(tt.probs, tt.labels), tt.rps, refTol)
			checkNear(t, "EMD2", metrics.EMD2(tt.probs, tt.labels), tt.emd2, refTol)
		})
	}
}

func TestRPS_Properties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, c := range []int{2, 3, 8, 11} {
		probs := randomProbs(rng, 100, c, 2, false)
		labels := randomLabels(rng, 100, c)
		r := metrics.RPS(probs, labels)
		if !(r >= 0) {
			t.Errorf("C=%d: RPS %v is not ≥ 0", c, r)
		}
		checkNear(t, "RPS vs reference", r, refRPS(probs, labels), metricTol)
		checkNear(t, "EMD2 = RPS/C", metrics.EMD2(probs, labels), r/float64(c), metricTol)
		// One-hot at the label scores 0; one-hot at class j scores |j − y|.
		for i := range probs[:10] {
			y := labels[i]
			for j := 0; j < c; j++ {
				row := make([]float64, c)
				row[j] = 1
				want := math.Abs(float64(j - y))
				checkNear(t, "one-hot", metrics.RPS([][]float64{row}, []int{y}), want, metricTol)
			}
		}
	}
}

func TestExpectedClass(t *testing.T) {
	// Hand: Σ k·p_k of each row of the paper case.
	want := []float64{1.4, 0.6, 1.3, 1.95, math.NaN()}
	probs := append(cloneRows(paperProbs), []float64{0, math.NaN(), 0, 1})
	got := metrics.ExpectedClass(nil, probs)
	if diff := cmp.Diff(want, got, cmpopts.EquateApprox(0, metricTol), cmpopts.EquateNaNs()); diff != "" {
		t.Errorf("ExpectedClass mismatch (-want +got):\n%s", diff)
	}
	checkPanics(t, "dst", func() { metrics.ExpectedClass(make([]float64, 1), probs) })
	checkPanics(t, "ragged", func() { metrics.ExpectedClass(nil, [][]float64{{1}, {1, 0}}) })
}

func TestExpectedMAE(t *testing.T) {
	// Hand: |1.4−0| + |0.6−0| + |1.3−3| + |1.95−2| = 3.75, over 4.
	checkNear(t, "paper", metrics.ExpectedMAE(paperProbs, paperLabels), 0.9375, refTol)
	checkNear(t, "empty", metrics.ExpectedMAE(nil, nil), math.NaN(), 0)
	checkNear(t, "NaN", metrics.ExpectedMAE([][]float64{{math.NaN(), 1}}, []int{0}), math.NaN(), 0)
	checkPanics(t, "lengths", func() { metrics.ExpectedMAE(paperProbs, paperLabels[:2]) })
	checkPanics(t, "label", func() { metrics.ExpectedMAE(paperProbs, []int{0, 0, 4, 2}) })
}

func TestOrdinal_Panics(t *testing.T) {
	checkPanics(t, "RPS lengths", func() { metrics.RPS(paperProbs, paperLabels[:3]) })
	checkPanics(t, "RPS label", func() { metrics.RPS(paperProbs, []int{0, 0, -1, 2}) })
	checkPanics(t, "EMD2 ragged", func() { metrics.EMD2([][]float64{{1, 0}, {1}}, []int{0, 0}) })
}
