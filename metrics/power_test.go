package metrics

import (
	"math"
	"testing"
)

// normalSurvival is P(Z > z) for a standard normal Z, from math.Erfc: a
// reference independent of the t distribution's code.
func normalSurvival(z float64) float64 { return 0.5 * math.Erfc(z/math.Sqrt2) }

func TestPower(t *testing.T) {
	const alpha = 0.05
	z := 1.959963984540054 // the normal 0.975 quantile
	// With many pairs and no correction, the t test is the z test:
	// power = P(Z > z_{0.975} − δ/se), se = s/√j.
	for _, tt := range []struct{ j, std, margin float64 }{{5000, 0.1, 0.005}, {20000, 1, 0.02}, {8000, 0.03, 0.001}} {
		se := tt.std / math.Sqrt(tt.j)
		want := normalSurvival(z - tt.margin/se)
		if got := Power(int(tt.j), tt.std, tt.margin, 0, alpha); math.Abs(got-want) > 2e-3 {
			t.Errorf("Power(%v, %v, %v, 0) = %v, want ≈ %v (normal limit)", tt.j, tt.std, tt.margin, got, want)
		}
	}
	// A difference of almost nothing is found about as often as the test
	// errs on that side: α/2.
	if got := Power(10, 1, 1e-12, 0.25, alpha); math.Abs(got-alpha/2) > 1e-9 {
		t.Errorf("power at a vanishing margin %v, want α/2", got)
	}
	// More pairs help, more spread hurts, and the correction bounds the
	// power: it tends to P(Z > z − δ/(√ratio·s)) as j grows.
	prev := 0.0
	for _, j := range []int{2, 3, 5, 10, 25, 100, 1000} {
		p := Power(j, 0.007, 0.01, 0.278, alpha)
		if !(p > prev) {
			t.Errorf("power with %d pairs %v, not above %v with fewer", j, p, prev)
		}
		prev = p
	}
	if limit := normalSurvival(z - 0.01/(math.Sqrt(0.278)*0.007)); !(prev < limit) || limit-prev > 0.01 {
		t.Errorf("power with 1000 pairs %v, want just under the limit %v", prev, limit)
	}
	if a, b := Power(10, 0.01, 0.01, 0.25, alpha), Power(10, 0.02, 0.01, 0.25, alpha); !(a > b) {
		t.Errorf("power %v with s = 0.01 not above %v with s = 0.02", a, b)
	}
	// RequiredPairs is the first j whose power reaches the target.
	j, ok := RequiredPairs(0.01, 0.01, 0.1, alpha, 0.8, 1000)
	if !ok || Power(j, 0.01, 0.01, 0.1, alpha) < 0.8 || Power(j-1, 0.01, 0.01, 0.1, alpha) >= 0.8 {
		t.Errorf("RequiredPairs %d (%v): power %v there, %v one pair fewer", j, ok, Power(j, 0.01, 0.01, 0.1, alpha), Power(j-1, 0.01, 0.01, 0.1, alpha))
	}
	for _, bad := range [][4]float64{{1, 1, 1, 0}, {5, 0, 1, 0}, {5, math.NaN(), 1, 0}, {5, 1, 0, 0}, {5, 1, math.Inf(1), 0}, {5, 1, 1, -1}, {5, 1, 1, math.Inf(1)}} {
		if got := Power(int(bad[0]), bad[1], bad[2], bad[3], alpha); !math.IsNaN(got) {
			t.Errorf("Power%v = %v, want NaN", bad, got)
		}
	}
}
