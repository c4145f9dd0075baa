package metrics_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
	"gonum.org/v1/gonum/stat"

	"github.com/replicate-emd/replicate/metrics"
)

// Tolerances, per quantity.
const (
	// metricTol bounds rounding in a metric computed two ways from the same
	// float64 data (different summation order or formula).
	metricTol = 1e-12
	// refTol bounds the difference from a reference value printed by an
	// independent float64 computation (Python, closed-form series).
	refTol = 1e-12
	// distTol bounds the difference between gonum's Student-t quantile or
	// tail and the closed-form series of Abramowitz & Stegun 26.7.3–4
	// evaluated in Python (itself checked against tan(0.475π) for ν = 1).
	distTol = 1e-10
)

// near reports whether got is within tol of want, absolutely or relatively.
// A NaN want matches only a NaN got; a NaN got never matches a number.
func near(got, want, tol float64) bool {
	if math.IsNaN(want) {
		return math.IsNaN(got)
	}
	return scalar.EqualWithinAbsOrRel(got, want, tol, tol)
}

func checkNear(t *testing.T, name string, got, want, tol float64) {
	t.Helper()
	if !near(got, want, tol) {
		t.Errorf("%s: got %.17g, want %.17g (tol %g)", name, got, want, tol)
	}
}

// panicMessage runs f and returns the message it panicked with, or "" and
// false when it did not panic.
func panicMessage(f func()) (msg string, panicked bool) {
	defer func() {
		if r := recover(); r != nil {
			msg, panicked = r.(string), true
		}
	}()
	f()
	return "", false
}

// checkPanics fails unless f panics with a string starting "metrics: ".
func checkPanics(t *testing.T, name string, f func()) {
	t.Helper()
	msg, ok := panicMessage(f)
	if !ok {
		t.Errorf("%s: did not panic", name)
		return
	}
	if !strings.HasPrefix(msg, "metrics: ") {
		t.Errorf("%s: panic message %q does not start with %q", name, msg, "metrics: ")
	}
}

// randomProbs returns n rows of c probabilities: a softmax of normal logits
// with spread scale, or, when coarse is set, rows quantised to multiples of
// 1/10 so that ties are common.
func randomProbs(rng *rand.Rand, n, c int, scale float64, coarse bool) [][]float64 {
	probs := make([][]float64, n)
	for i := range probs {
		row := make([]float64, c)
		if coarse {
			units := 10
			for u := 0; u < units; u++ {
				row[rng.IntN(c)]++
			}
			for k := range row {
				row[k] /= float64(units)
			}
		} else {
			sum := 0.0
			for k := range row {
				row[k] = math.Exp(scale * rng.NormFloat64())
				sum += row[k]
			}
			for k := range row {
				row[k] /= sum
			}
		}
		probs[i] = row
	}
	return probs
}

func randomLabels(rng *rand.Rand, n, c int) []int {
	y := make([]int, n)
	for i := range y {
		y[i] = rng.IntN(c)
	}
	return y
}

func cloneRows(probs [][]float64) [][]float64 {
	out := make([][]float64, len(probs))
	for i, r := range probs {
		out[i] = slices.Clone(r)
	}
	return out
}

func TestOffByAtMost(t *testing.T) {
	// Hand-counted: differences pred − label are 0, 1, −1, 2, −3, 0.
	pred := []int{0, 2, 1, 5, 0, 3}
	label := []int{0, 1, 2, 3, 3, 3}
	tests := []struct {
		name string
		got  float64
		want float64
	}{
		{"Accuracy", metrics.Accuracy(pred, label), 2.0 / 6},
		{"OneOff", metrics.OneOff(pred, label), 4.0 / 6},
		{"OffByAtMost2", metrics.OffByAtMost(pred, label, 2), 5.0 / 6},
		{"OffByAtMost3", metrics.OffByAtMost(pred, label, 3), 1},
		{"OffByAtMostNegative", metrics.OffByAtMost(pred, label, -1), 0},
		{"MAE", metrics.MAE(pred, label), 7.0 / 6}, // (0+1+1+2+3+0)/6
		{"EmptyAccuracy", metrics.Accuracy(nil, nil), math.NaN()},
		{"EmptyOneOff", metrics.OneOff([]int{}, []int{}), math.NaN()},
		{"EmptyMAE", metrics.MAE(nil, nil), math.NaN()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkNear(t, tt.name, tt.got, tt.want, metricTol) })
	}
}

func TestIndexMetrics_Panics(t *testing.T) {
	a, b := []int{1, 2}, []int{1}
	checkPanics(t, "Accuracy", func() { metrics.Accuracy(a, b) })
	checkPanics(t, "OneOff", func() { metrics.OneOff(a, b) })
	checkPanics(t, "OffByAtMost", func() { metrics.OffByAtMost(a, b, 2) })
	checkPanics(t, "MAE", func() { metrics.MAE(a, b) })
}

func TestMeanStd(t *testing.T) {
	tests := []struct {
		name      string
		xs        []float64
		mean, std float64
	}{
		// Hand: mean 5, squared deviations sum to 32, 32/7 under the root.
		{"Hand", []float64{2, 4, 4, 4, 5, 5, 7, 9}, 5, math.Sqrt(32.0 / 7)},
		{"One", []float64{3.5}, 3.5, math.NaN()},
		{"Empty", nil, math.NaN(), math.NaN()},
		{"Constant", []float64{0.25, 0.25, 0.25}, 0.25, 0},
		{"NaN", []float64{1, math.NaN()}, math.NaN(), math.NaN()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, s := metrics.MeanStd(tt.xs)
			checkNear(t, "mean", m, tt.mean, metricTol)
			checkNear(t, "std", s, tt.std, metricTol)
		})
	}
	t.Run("AgainstGonum", func(t *testing.T) {
		// gonum stat.MeanStdDev uses the same n−1 convention (unweighted).
		rng := rand.New(rand.NewPCG(1, 1))
		for trial := 0; trial < 20; trial++ {
			xs := make([]float64, 2+rng.IntN(30))
			for i := range xs {
				xs[i] = 10 + rng.NormFloat64()
			}
			m, s := metrics.MeanStd(xs)
			wm, ws := stat.MeanStdDev(xs, nil)
			checkNear(t, "mean", m, wm, metricTol)
			checkNear(t, "std", s, ws, metricTol)
		}
	})
}
