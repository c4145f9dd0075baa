package metrics_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/replicate-emd/replicate/metrics"
)

// refRanks is a slow, obvious average rank: 1 + #smaller + (#equal − 1)/2.
func refRanks(x []float64) []float64 {
	r := make([]float64, len(x))
	for i, xi := range x {
		smaller, equal := 0, 0
		for _, v := range x {
			if v < xi {
				smaller++
			}
			if v == xi {
				equal++
			}
		}
		r[i] = 1 + float64(smaller) + float64(equal-1)/2
	}
	return r
}

func TestRanks(t *testing.T) {
	tests := []struct {
		name string
		x    []float64
		want []float64
	}{
		{"Doc", []float64{10, 20, 20, 30}, []float64{1, 2.5, 2.5, 4}},
		{"Unsorted", []float64{3, -1, 2}, []float64{3, 1, 2}},
		{"AllTied", []float64{7, 7, 7}, []float64{2, 2, 2}},
		{"Inf", []float64{math.Inf(1), 0, math.Inf(-1)}, []float64{3, 2, 1}},
		{"NaN", []float64{1, math.NaN()}, []float64{math.NaN(), math.NaN()}},
		{"Empty", []float64{}, []float64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := metrics.Ranks(nil, tt.x)
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateNaNs()); diff != "" {
				t.Errorf("Ranks mismatch (-want +got):\n%s", diff)
			}
		})
	}
	checkPanics(t, "dst", func() { metrics.Ranks(make([]float64, 1), []float64{1, 2}) })
}

func TestRanks_AgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for trial := 0; trial < 50; trial++ {
		x := make([]float64, 1+rng.IntN(40))
		for i := range x {
			x[i] = float64(rng.IntN(8)) // many ties
		}
		orig := slices.Clone(x)
		got := metrics.Ranks(nil, x)
		if diff := cmp.Diff(refRanks(x), got); diff != "" {
			t.Fatalf("Ranks mismatch (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(orig, x); diff != "" {
			t.Fatalf("Ranks modified its input:\n%s", diff)
		}
		n := float64(len(x))
		checkNear(t, "rank sum", floatsSum(got), n*(n+1)/2, 0)
	}
}

func floatsSum(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s
}

func TestSpearman(t *testing.T) {
	tests := []struct {
		name string
		x, y []float64
		want float64
	}{
		// The input pair of scipy.stats.spearmanr's documentation example;
		// value from average ranks and Pearson in pure Python
		// (testdata/reference_other.py; scipy itself was not run here).
		{"ScipyDoc", []float64{1, 2, 3, 4, 5}, []float64{5, 6, 7, 8, 7}, 0.8207826816681233},
		// Hand, no ties: ranks [3 1 5 4 2] and [1 3 5 2 4], Σd² = 16,
		// ρ = 1 − 6·16/(5·24) = 0.2.
		{"NoTies", []float64{3.1, 1.2, 5.5, 4.0, 2.2}, []float64{10, 30, 50, 20, 40}, 0.2},
		// Ties in both: ranks [1.5 1.5 3.5 3.5 5] and [1 2.5 2.5 4.5 4.5];
		// Python (same script) gives 0.8055555555555556 = 29/36.
		{"BothTied", []float64{1, 1, 2, 2, 3}, []float64{1, 2, 2, 3, 3}, 29.0 / 36},
		{"Reversed", []float64{1, 2, 3}, []float64{9, 5, 1}, -1},
		{"ConstantX", []float64{2, 2, 2}, []float64{1, 2, 3}, math.NaN()},
		{"ConstantY", []float64{1, 2, 3}, []float64{4, 4, 4}, math.NaN()},
		{"One", []float64{1}, []float64{2}, math.NaN()},
		{"Empty", nil, nil, math.NaN()},
		{"NaN", []float64{1, 2, math.NaN()}, []float64{1, 2, 3}, math.NaN()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkNear(t, "Spearman", metrics.Spearman(tt.x, tt.y), tt.want, refTol)
		})
	}
	checkPanics(t, "lengths", func() { metrics.Spearman([]float64{1, 2}, []float64{1}) })
}

func TestSpearman_Properties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for trial := 0; trial < 30; trial++ {
		n := 2 + rng.IntN(60)
		x := make([]float64, n)
		y := make([]float64, n)
		for i := range x {
			x[i] = rng.NormFloat64()
			y[i] = x[i] + rng.NormFloat64()
		}
		x[0], x[1] = -1, 1 // not constant
		xs, ys := slices.Clone(x), slices.Clone(y)

		// A strictly increasing transform keeps the ranks: ρ = 1; a
		// decreasing one reverses them: ρ = −1.
		up := make([]float64, n)
		down := make([]float64, n)
		for i, v := range x {
			up[i] = math.Exp(3*v) + 7
			down[i] = -v * v * v
		}
		checkNear(t, "monotone up", metrics.Spearman(x, up), 1, metricTol)
		checkNear(t, "monotone down", metrics.Spearman(x, down), -1, metricTol)

		rho := metrics.Spearman(x, y)
		if rho < -1 || rho > 1 {
			t.Errorf("ρ = %v outside [−1, 1]", rho)
		}
		checkNear(t, "symmetric", metrics.Spearman(y, x), rho, metricTol)
		// Without ties, the Σd² formula (independent of the Pearson path).
		rx, ry := refRanks(x), refRanks(y)
		d2 := 0.0
		for i := range rx {
			d2 += (rx[i] - ry[i]) * (rx[i] - ry[i])
		}
		nf := float64(n)
		checkNear(t, "Σd² formula", rho, 1-6*d2/(nf*(nf*nf-1)), metricTol)
		// Order invariance: permuting pairs together leaves ρ unchanged.
		perm := rng.Perm(n)
		px, py := make([]float64, n), make([]float64, n)
		for i, j := range perm {
			px[i], py[i] = x[j], y[j]
		}
		checkNear(t, "permuted", metrics.Spearman(px, py), rho, metricTol)

		if !slices.Equal(x, xs) || !slices.Equal(y, ys) {
			t.Fatal("Spearman modified its inputs")
		}
	}
}
