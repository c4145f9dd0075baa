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

func TestStdErr(t *testing.T) {
	// Hand: std sqrt(32/7) (see TestMeanStd) over sqrt(8).
	checkNear(t, "hand", metrics.StdErr([]float64{2, 4, 4, 4, 5, 5, 7, 9}), math.Sqrt(32.0/7)/math.Sqrt(8), metricTol)
	checkNear(t, "one", metrics.StdErr([]float64{1}), math.NaN(), 0)
	checkNear(t, "empty", metrics.StdErr(nil), math.NaN(), 0)
}

func TestTInterval(t *testing.T) {
	nan := math.NaN()
	folds := []float64{0.61, 0.64, 0.59, 0.66, 0.62}
	tests := []struct {
		name  string
		xs    []float64
		level float64
		want  metrics.Interval
	}{
		// testdata/reference_t.py: mean 0.624, std 0.027018512172212617,
		// SE 0.012083045973594582, t_{0.975,4} = 2.7764451051977908.
		{"Folds95", folds, 0.95, metrics.Interval{Mean: 0.624, Std: 0.027018512172212617,
			SE: 0.012083045973594582, N: 5, Lo: 0.5904520861507334, Hi: 0.6575479138492666, Level: 0.95}},
		// Same script with t_{0.95,4} = 2.1318467863266477.
		{"Folds90", folds, 0.90, metrics.Interval{Mean: 0.624, Std: 0.027018512172212617,
			SE: 0.012083045973594582, N: 5, Lo: 0.5982407972721553, Hi: 0.6497592027278447, Level: 0.90}},
		{"Constant", []float64{0.5, 0.5, 0.5}, 0.95, metrics.Interval{Mean: 0.5, Std: 0, SE: 0, N: 3, Lo: 0.5, Hi: 0.5, Level: 0.95}},
		{"One", []float64{0.7}, 0.95, metrics.Interval{Mean: 0.7, Std: nan, SE: nan, N: 1, Lo: nan, Hi: nan, Level: 0.95}},
		{"Empty", nil, 0.95, metrics.Interval{Mean: nan, Std: nan, SE: nan, N: 0, Lo: nan, Hi: nan, Level: 0.95}},
		{"NaN", []float64{0.7, nan}, 0.95, metrics.Interval{Mean: nan, Std: nan, SE: nan, N: 2, Lo: nan, Hi: nan, Level: 0.95}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			xs := slices.Clone(tt.xs)
			got := metrics.TInterval(tt.xs, tt.level)
			checkInterval(t, got, tt.want)
			if diff := cmp.Diff(xs, tt.xs, cmpopts.EquateNaNs()); diff != "" {
				t.Error("TInterval modified its input")
			}
		})
	}
	for _, level := range []float64{0, 1, -0.5, 95, math.NaN()} {
		checkPanics(t, "level", func() { metrics.TInterval(folds, level) })
	}
}

func checkInterval(t *testing.T, got, want metrics.Interval) {
	t.Helper()
	if got.N != want.N {
		t.Errorf("N: got %d, want %d", got.N, want.N)
	}
	checkNear(t, "Mean", got.Mean, want.Mean, refTol)
	checkNear(t, "Std", got.Std, want.Std, refTol)
	checkNear(t, "SE", got.SE, want.SE, refTol)
	checkNear(t, "Lo", got.Lo, want.Lo, distTol)
	checkNear(t, "Hi", got.Hi, want.Hi, distTol)
	checkNear(t, "Level", got.Level, want.Level, 0)
}

func TestTInterval_Properties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for trial := 0; trial < 20; trial++ {
		xs := make([]float64, 2+rng.IntN(20))
		for i := range xs {
			xs[i] = rng.NormFloat64()
		}
		iv90 := metrics.TInterval(xs, 0.90)
		iv95 := metrics.TInterval(xs, 0.95)
		iv99 := metrics.TInterval(xs, 0.99)
		if !(iv90.HalfWidth() < iv95.HalfWidth() && iv95.HalfWidth() < iv99.HalfWidth()) {
			t.Errorf("half widths not increasing with level: %v %v %v", iv90.HalfWidth(), iv95.HalfWidth(), iv99.HalfWidth())
		}
		checkNear(t, "centred", (iv95.Lo+iv95.Hi)/2, iv95.Mean, metricTol)
		// Shifting the data shifts the interval; scaling scales it.
		shifted := make([]float64, len(xs))
		for i, v := range xs {
			shifted[i] = 3*v + 10
		}
		ivs := metrics.TInterval(shifted, 0.95)
		checkNear(t, "scaled Lo", ivs.Lo, 3*iv95.Lo+10, metricTol)
		checkNear(t, "scaled Hi", ivs.Hi, 3*iv95.Hi+10, metricTol)
	}
}

func TestPairedTTest(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name   string
		a, b   []float64
		want   metrics.PairedT
		pTol   float64
		status metrics.TestStatus
	}{
		// testdata/reference_t.py: d = [.011 .002 .013 .005 .009], mean
		// 0.008, sd 0.004472135954999583, t = 4 (to rounding), p from the
		// closed-form CDF 0.01613008990009246.
		{"Folds5",
			[]float64{0.652, 0.631, 0.668, 0.645, 0.659}, []float64{0.641, 0.629, 0.655, 0.640, 0.650},
			metrics.PairedT{N: 5, MeanDiff: 0.008, StdDiff: 0.004472135954999583, T: 4, DF: 4, P: 0.01613008990009246},
			distTol, metrics.TestOK},
		// Same script: negative t, ten pairs.
		{"Ten",
			[]float64{1.2, 0.8, 1.1, 0.9, 1.0, 1.3, 0.7, 1.05, 0.95, 1.0}, []float64{1.3, 0.9, 1.0, 1.1, 1.2, 1.3, 0.9, 1.10, 1.00, 1.2},
			metrics.PairedT{N: 10, MeanDiff: -0.1, StdDiff: 0.1027402333828163, T: -3.0779350562554617, DF: 9, P: 0.013183869818504501},
			distTol, metrics.TestOK},
		{"TooFewOne", []float64{1}, []float64{0},
			metrics.PairedT{N: 1, MeanDiff: 1, StdDiff: nan, T: nan, DF: 0, P: nan}, 0, metrics.TestTooFew},
		{"TooFewZero", nil, nil,
			metrics.PairedT{N: 0, MeanDiff: nan, StdDiff: nan, T: nan, DF: 0, P: nan}, 0, metrics.TestTooFew},
		// Exactly representable constant difference 0.5.
		{"NoVariance", []float64{1.5, 2.5, 3.5}, []float64{1, 2, 3},
			metrics.PairedT{N: 3, MeanDiff: 0.5, StdDiff: 0, T: inf, DF: 2, P: 0}, 0, metrics.TestNoVariance},
		{"NoVarianceNegative", []float64{1, 2, 3}, []float64{1.5, 2.5, 3.5},
			metrics.PairedT{N: 3, MeanDiff: -0.5, StdDiff: 0, T: -inf, DF: 2, P: 0}, 0, metrics.TestNoVariance},
		{"NoDifference", []float64{0.6, 0.7}, []float64{0.6, 0.7},
			metrics.PairedT{N: 2, MeanDiff: 0, StdDiff: 0, T: nan, DF: 1, P: nan}, 0, metrics.TestNoDifference},
		{"Invalid", []float64{0.6, nan, 0.8}, []float64{0.5, 0.6, 0.7},
			metrics.PairedT{N: 3, MeanDiff: nan, StdDiff: nan, T: nan, DF: 2, P: nan}, 0, metrics.TestInvalid},
		{"InvalidInf", []float64{0.6, inf, 0.8}, []float64{0.5, 0.6, 0.7},
			metrics.PairedT{N: 3, MeanDiff: inf, StdDiff: nan, T: nan, DF: 2, P: nan}, 0, metrics.TestInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := metrics.PairedTTest(tt.a, tt.b)
			if got.Status != tt.status {
				t.Errorf("Status: got %v, want %v", got.Status, tt.status)
			}
			if got.N != tt.want.N || got.DF != tt.want.DF {
				t.Errorf("N, DF: got %d, %d, want %d, %d", got.N, got.DF, tt.want.N, tt.want.DF)
			}
			checkNear(t, "MeanDiff", got.MeanDiff, tt.want.MeanDiff, refTol)
			checkNear(t, "StdDiff", got.StdDiff, tt.want.StdDiff, refTol)
			checkNear(t, "T", got.T, tt.want.T, 1e-10)
			checkNear(t, "P", got.P, tt.want.P, tt.pTol)
		})
	}
	checkPanics(t, "lengths", func() { metrics.PairedTTest([]float64{1, 2}, []float64{1}) })
}

func TestPairedTTest_Properties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for trial := 0; trial < 30; trial++ {
		n := 2 + rng.IntN(15)
		a := make([]float64, n)
		b := make([]float64, n)
		for i := range a {
			a[i] = 0.6 + 0.05*rng.NormFloat64()
			b[i] = a[i] + 0.01*rng.NormFloat64()
		}
		as, bs := slices.Clone(a), slices.Clone(b)
		r := metrics.PairedTTest(a, b)
		swapped := metrics.PairedTTest(b, a)
		checkNear(t, "swap T", swapped.T, -r.T, metricTol)
		checkNear(t, "swap P", swapped.P, r.P, metricTol)
		if !(r.P > 0 && r.P <= 1) {
			t.Errorf("P = %v outside (0, 1]", r.P)
		}
		// The paired test is the one-sample t-test of the differences; its
		// p-value is below 1 − level exactly when the level-interval of the
		// mean difference excludes 0.
		d := make([]float64, n)
		for i := range d {
			d[i] = a[i] - b[i]
		}
		iv := metrics.TInterval(d, 0.95)
		excludes := iv.Lo > 0 || iv.Hi < 0
		if excludes != (r.P < 0.05) {
			t.Errorf("interval [%v, %v] and P = %v disagree", iv.Lo, iv.Hi, r.P)
		}
		if !slices.Equal(a, as) || !slices.Equal(b, bs) {
			t.Fatal("PairedTTest modified its inputs")
		}
	}
}

func TestTestStatus_String(t *testing.T) {
	seen := map[string]bool{}
	for s := metrics.TestOK; s <= metrics.TestInvalid; s++ {
		name := s.String()
		if name == "unknown" || seen[name] {
			t.Errorf("status %d: name %q missing or repeated", s, name)
		}
		seen[name] = true
	}
	if got := metrics.TestStatus(99).String(); got != "unknown" {
		t.Errorf("got %q, want %q", got, "unknown")
	}
}
