package metrics_test

import (
	"testing"

	"github.com/replicate-emd/replicate/metrics"
)

// TestAccumulator_AddTarget: a target distribution counts as its most
// likely class for the class metrics and as its mean class for mae_exp;
// a one-hot target is a label.
func TestAccumulator_AddTarget(t *testing.T) {
	a := metrics.NewAccumulator(3, true, false)
	// Prediction (0.2, 0.3, 0.5): argmax 2, expected class 1.3.
	// Target (0.1, 0.6, 0.3): most likely 1, mean class 1.2 (hand-derived).
	a.AddTarget([]float64{0.2, 0.3, 0.5}, []float64{0.1, 0.6, 0.3}, 0)
	s := a.Summary()
	checkNear(t, "acc (argmax 2 vs class 1)", s[metrics.NameAcc], 0, 1e-15)
	checkNear(t, "acc1off", s[metrics.NameAcc1Off], 1, 1e-15)
	checkNear(t, "mae", s[metrics.NameMAE], 1, 1e-15)
	checkNear(t, "mae_exp (1.3 vs 1.2)", s[metrics.NameMAEExp], 0.1, 1e-15)

	// One-hot targets give exactly what Add gives.
	hard, soft := metrics.NewAccumulator(4, true, false), metrics.NewAccumulator(4, true, false)
	rows := [][]float64{{0.1, 0.2, 0.3, 0.4}, {0.7, 0.1, 0.1, 0.1}, {0.25, 0.25, 0.25, 0.25}}
	for i, p := range rows {
		y := (i + 1) % 4
		onehot := make([]float64, 4)
		onehot[y] = 1
		hard.Add(p, y, 0)
		soft.AddTarget(p, onehot, 0)
	}
	hs, ss := hard.Summary(), soft.Summary()
	for name, v := range hs {
		if ss[name] != v {
			t.Errorf("%s: one-hot targets give %v, labels %v", name, ss[name], v)
		}
	}
}
