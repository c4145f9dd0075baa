package metrics_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/replicate-emd/replicate/metrics"
)

// refQWK is a slow QWK written without a confusion matrix: summing the
// weighted expected disagreement over all pairs of samples gives
//
//	κ = 1 − N Σ_a (y_a − p_a)² / Σ_a Σ_b (y_a − p_b)².
func refQWK(pred, label []int) float64 {
	var obs, exp float64
	for a := range label {
		d := float64(label[a] - pred[a])
		obs += d * d
		for b := range pred {
			e := float64(label[a] - pred[b])
			exp += e * e
		}
	}
	return 1 - float64(len(label))*obs/exp
}

// momentQWK uses the identity κ = 2 cov(y, p) / (var y + var p + (ȳ − p̄)²)
// with population (1/N) moments, a third, independent route.
func momentQWK(pred, label []int) float64 {
	n := float64(len(label))
	var my, mp float64
	for i := range label {
		my += float64(label[i])
		mp += float64(pred[i])
	}
	my /= n
	mp /= n
	var vy, vp, cv float64
	for i := range label {
		dy, dp := float64(label[i])-my, float64(pred[i])-mp
		vy += dy * dy
		vp += dp * dp
		cv += dy * dp
	}
	return 2 * cv / n / (vy/n + vp/n + (my-mp)*(my-mp))
}

func TestQWK(t *testing.T) {
	tests := []struct {
		name        string
		pred, label []int
		classes     int
		want        float64
	}{
		// Exact fractions in Python (testdata/reference_other.py) by
		// the pairwise formula of refQWK; also by hand: observed 5,
		// expected 42/6 = 7, κ = 1 − 5/7.
		{"Hand3", []int{0, 1, 1, 1, 2, 0}, []int{0, 0, 1, 1, 2, 2}, 3, 2.0 / 7},
		// Hand: reversed order, observed 8, expected 12/3, κ = −1.
		{"Reversed", []int{2, 1, 0}, []int{0, 1, 2}, 3, -1},
		// Python exact fractions: 1/21 (the argmax of the PAPER.md case).
		{"Paper4", []int{1, 0, 0, 2}, []int{0, 0, 3, 2}, 4, 1.0 / 21},
		// Python exact fractions: 26/37.
		{"Five", []int{0, 2, 2, 3, 3, 4, 1, 2, 1, 1, 2, 4}, []int{0, 1, 2, 3, 4, 4, 3, 2, 1, 0, 2, 2}, 5, 26.0 / 37},
		{"Perfect", []int{0, 3, 1, 3}, []int{0, 3, 1, 3}, 4, 1},
		// Unused classes do not change κ.
		{"UnusedClasses", []int{0, 1, 1, 1, 2, 0}, []int{0, 0, 1, 1, 2, 2}, 7, 2.0 / 7},
		// Both constant on different classes: observed = expected, κ = 0.
		{"ConstantApart", []int{2, 2, 2}, []int{0, 0, 0}, 3, 0},
		// Degenerate, documented as NaN: both raters in one same class.
		{"ConstantSame", []int{1, 1}, []int{1, 1}, 3, math.NaN()},
		{"OneClass", []int{0, 0, 0}, []int{0, 0, 0}, 1, math.NaN()},
		{"Empty", nil, nil, 3, math.NaN()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkNear(t, "QWK", metrics.QWK(tt.pred, tt.label, tt.classes), tt.want, refTol)
		})
	}
	checkPanics(t, "lengths", func() { metrics.QWK([]int{0}, []int{0, 1}, 2) })
	checkPanics(t, "classes", func() { metrics.QWK(nil, nil, 0) })
	checkPanics(t, "range", func() { metrics.QWK([]int{3}, []int{0}, 3) })
}

func TestQWK_Properties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for trial := 0; trial < 40; trial++ {
		c := 2 + rng.IntN(9)
		n := 2 + rng.IntN(200)
		label := randomLabels(rng, n, c)
		label[0], label[1] = 0, c-1 // at least two classes
		pred := make([]int, n)
		for i, y := range label { // noisy copy of the label
			pred[i] = min(c-1, max(0, y+rng.IntN(5)-2))
		}
		k := metrics.QWK(pred, label, c)
		checkNear(t, "pairwise formula", k, refQWK(pred, label), metricTol)
		checkNear(t, "moment identity", k, momentQWK(pred, label), metricTol)
		checkNear(t, "symmetric", metrics.QWK(label, pred, c), k, metricTol)
		if k < -1 || k > 1 {
			t.Errorf("κ = %v outside [−1, 1]", k)
		}
		checkNear(t, "perfect agreement", metrics.QWK(label, label, c), 1, metricTol)
	}
}
