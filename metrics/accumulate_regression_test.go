package metrics_test

import (
	"math"
	"testing"

	"github.com/replicate-emd/replicate/metrics"
)

// TestAccumulator_AddRegression: a regression head's raw output, not its
// rounded class, drives mae_exp and Spearman's ρ; the class metrics use
// the rounded class.
func TestAccumulator_AddRegression(t *testing.T) {
	a := metrics.NewAccumulator(4, true, true)
	// Raw outputs 0.6 (→ class 1) for label 0, 2.2 (→ 2) for label 2,
	// 2.4 (→ 2) for label 3; true scores 0.1, 0.5, 0.9.
	a.AddRegression([]float64{0, 1, 0, 0}, 0.6, 0, 0.1)
	a.AddRegression([]float64{0, 0, 1, 0}, 2.2, 2, 0.5)
	a.AddRegression([]float64{0, 0, 1, 0}, 2.4, 3, 0.9)
	s := a.Summary()
	checkNear(t, "acc", s[metrics.NameAcc], 1.0/3, 1e-15)
	checkNear(t, "mae (rounded)", s[metrics.NameMAE], 2.0/3, 1e-15)
	checkNear(t, "mae_exp (raw)", s[metrics.NameMAEExp], (0.6+0.2+0.6)/3, 1e-15)
	// Raw 0.6 < 2.2 < 2.4 ranks like the scores; the rounded classes tie.
	checkNear(t, "spearman (raw)", s[metrics.NameSpearman], 1, 1e-15)

	b := metrics.NewAccumulator(4, true, false)
	b.AddRegression([]float64{0, 1, 0, 0}, math.NaN(), 1, math.NaN())
	if v := b.Summary()[metrics.NameAcc]; !math.IsNaN(v) {
		t.Errorf("a NaN output gave acc %v, want NaN", v)
	}
}
