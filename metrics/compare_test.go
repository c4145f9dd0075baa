package metrics_test

import (
	"math"
	"testing"

	"github.com/replicate-emd/replicate/metrics"
)

// Splits of a 5-fold × 2-seed comparison; references from
// testdata/reference_compare.py (pure Python, series Student-t CDF).
var (
	cmpTreat = []float64{0.552, 0.561, 0.548, 0.570, 0.559, 0.549, 0.566, 0.553, 0.571, 0.558}
	cmpBase  = []float64{0.540, 0.545, 0.541, 0.551, 0.552, 0.538, 0.549, 0.547, 0.556, 0.544}
)

func TestCorrectedResampledTTest(t *testing.T) {
	tests := []struct {
		name              string
		ratio             float64
		se, tt, p, lo, hi float64
	}{
		{"FiveFold", 0.25, 0.002706781606754886, 4.581086249830892, 0.0013257626517297894, 0.00627683460014898, 0.018523165399850973},
		// Ratio 0 is the plain paired t-test.
		{"Plain", 0, 0.0014468356276140367, 8.570427603064145, 1.2715309119393226e-05, 0.009127030421601248, 0.015672969578398706},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := metrics.CorrectedResampledTTest(cmpTreat, cmpBase, tt.ratio, 0.95)
			if c.Status != metrics.TestOK || c.N != 10 || c.DF != 9 {
				t.Fatalf("status %v N %d DF %d", c.Status, c.N, c.DF)
			}
			checkNear(t, "mean", c.MeanDiff, 0.012399999999999977, 1e-15)
			checkNear(t, "std", c.StdDiff, 0.004575295983139565, 1e-15)
			checkNear(t, "se", c.SE, tt.se, 1e-15)
			checkNear(t, "t", c.T, tt.tt, 1e-12)
			checkNear(t, "p", c.P, tt.p, 1e-10)
			checkNear(t, "lo", c.Lo, tt.lo, 1e-12)
			checkNear(t, "hi", c.Hi, tt.hi, 1e-12)
		})
	}
	// The correction by hand: the variance of the mean grows from s²/J to
	// (1/J + ratio) s², so SE scales by sqrt(1 + J·ratio) = sqrt(3.5).
	plain := metrics.PairedTTest(cmpTreat, cmpBase)
	c := metrics.CorrectedResampledTTest(cmpTreat, cmpBase, 0.25, 0.95)
	checkNear(t, "t ratio", plain.T/c.T, math.Sqrt(3.5), 1e-12)
	// Swapping the arms flips the sign and keeps p.
	s := metrics.CorrectedResampledTTest(cmpBase, cmpTreat, 0.25, 0.95)
	checkNear(t, "swap t", s.T, -c.T, 1e-15)
	checkNear(t, "swap p", s.P, c.P, 1e-15)
	checkNear(t, "swap lo", s.Lo, -c.Hi, 1e-15)
}

func TestCorrectedResampledTTestDegenerate(t *testing.T) {
	same := metrics.CorrectedResampledTTest([]float64{1, 2}, []float64{1, 2}, 0.25, 0.95)
	if same.Status != metrics.TestNoDifference || same.Lo != 0 || same.Hi != 0 || !math.IsNaN(same.P) {
		t.Errorf("no difference: %+v", same)
	}
	shift := metrics.CorrectedResampledTTest([]float64{2, 3}, []float64{1, 2}, 0.25, 0.95)
	if shift.Status != metrics.TestNoVariance || shift.Lo != 1 || shift.Hi != 1 || shift.P != 0 {
		t.Errorf("constant shift: %+v", shift)
	}
	one := metrics.CorrectedResampledTTest([]float64{2}, []float64{1}, 0.25, 0.95)
	if one.Status != metrics.TestTooFew || !math.IsNaN(one.Lo) || !math.IsNaN(one.Equivalence(0.1)) {
		t.Errorf("one pair: %+v", one)
	}
	bad := metrics.CorrectedResampledTTest([]float64{2, math.NaN()}, []float64{1, 1}, 0.25, 0.95)
	if bad.Status != metrics.TestInvalid || !math.IsNaN(bad.Hi) {
		t.Errorf("NaN input: %+v", bad)
	}
	for _, r := range []float64{-0.1, math.NaN(), math.Inf(1)} {
		checkPanics(t, "ratio", func() { metrics.CorrectedResampledTTest(cmpTreat, cmpBase, r, 0.95) })
	}
	checkPanics(t, "level", func() { metrics.CorrectedResampledTTest(cmpTreat, cmpBase, 0.25, 1) })
	checkPanics(t, "length", func() { metrics.CorrectedResampledTTest(cmpTreat, cmpBase[:3], 0.25, 0.95) })
}

func TestEquivalence(t *testing.T) {
	c := metrics.CorrectedResampledTTest(cmpTreat, cmpBase, 0.25, 0.95)
	// Δ = 0.0124 is not shown inside ±0.01, but is inside ±0.03.
	checkNear(t, "margin 0.01", c.Equivalence(0.01), 0.8008329341133318, 1e-10)
	checkNear(t, "margin 0.03", c.Equivalence(0.03), 5.558386391213421e-05, 1e-12)
	if p := c.Equivalence(0); !math.IsNaN(p) {
		t.Errorf("margin 0: p = %v, want NaN", p)
	}
	// TOST at level α agrees with the (1 − 2α) interval lying inside the
	// margins: p < 0.05 exactly when the 90% interval is inside.
	c90 := metrics.CorrectedResampledTTest(cmpTreat, cmpBase, 0.25, 0.90)
	for _, m := range []float64{0.016, 0.017, 0.0175, 0.018, 0.02} {
		inside := c90.Lo > -m && c90.Hi < m
		if got := c.Equivalence(m) < 0.05; got != inside {
			t.Errorf("margin %v: TOST p<0.05 %v, 90%% interval [%v, %v] inside %v", m, got, c90.Lo, c90.Hi, inside)
		}
	}
	shift := metrics.CorrectedResampledTTest([]float64{2, 3}, []float64{1, 2}, 0.25, 0.95)
	if shift.Equivalence(2) != 0 || shift.Equivalence(0.5) != 1 {
		t.Errorf("zero spread: %v %v", shift.Equivalence(2), shift.Equivalence(0.5))
	}
}

func TestRequiredPairs(t *testing.T) {
	// With 5-fold splits (ratio 1/4) the corrected SE never falls below
	// std/2, so a margin equal to std is out of reach at 80% power.
	if j, ok := metrics.RequiredPairs(0.01, 0.01, 0.25, 0.05, 0.8, 1000); ok || j != 1000 {
		t.Errorf("unreachable: got %d %v", j, ok)
	}
	if j, ok := metrics.RequiredPairs(0.02, 0.01, 0.02, 0.05, 0.8, 1000); !ok || j != 90 {
		t.Errorf("small ratio: got %d %v, want 90 true", j, ok)
	}
	// The plain test at a large effect needs few pairs: δ = 3σ.
	j, ok := metrics.RequiredPairs(1, 3, 0, 0.05, 0.8, 100)
	if !ok || j < 3 || j > 5 {
		t.Errorf("large effect: %d %v", j, ok)
	}
	for _, bad := range [][5]float64{{0, 1, 0, 0.05, 0.8}, {1, 0, 0, 0.05, 0.8}, {1, 1, -1, 0.05, 0.8}, {1, 1, 0, 0, 0.8}, {math.NaN(), 1, 0, 0.05, 0.8}} {
		if j, ok := metrics.RequiredPairs(bad[0], bad[1], bad[2], bad[3], bad[4], 100); ok || j != 0 {
			t.Errorf("%v: got %d %v", bad, j, ok)
		}
	}
}

func TestHolm(t *testing.T) {
	nan := math.NaN()
	// By hand, m = 4 finite: 0.005·4 = 0.02; 0.01·3 = 0.03; 0.03·2 = 0.06;
	// 0.04·1 = 0.04 → 0.06 by the running maximum.
	got := metrics.Holm([]float64{0.01, 0.04, 0.03, nan, 0.005})
	want := []float64{0.03, 0.06, 0.06, nan, 0.02}
	for i := range want {
		checkNear(t, "holm", got[i], want[i], 1e-15)
	}
	if got := metrics.Holm([]float64{0.5, 0.9}); got[0] != 1 || got[1] != 1 {
		t.Errorf("capped at 1: %v", got)
	}
	if got := metrics.Holm(nil); len(got) != 0 {
		t.Errorf("empty: %v", got)
	}
}
