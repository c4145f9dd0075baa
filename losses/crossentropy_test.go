package losses

import (
	"fmt"
	"math"
	"testing"
)

func TestCrossEntropy_Golden(t *testing.T) {
	tests := []struct {
		name   string
		logits []float64
		target []float64
		want   float64
	}{
		// Hand-derived: uniform logits over 3 classes give −log(1/3).
		{"uniform", []float64{0, 0, 0}, []float64{0, 1, 0}, math.Log(3)},
		// Hand-derived: −log(e³/(e+e²+e³)) = log(1 + e⁻¹ + e⁻²).
		{"ramp", []float64{1, 2, 3}, []float64{0, 0, 1}, math.Log(1 + math.Exp(-1) + math.Exp(-2))},
		// Hand-derived: a soft target mixes the per-class values; log 2 each.
		{"soft", []float64{5, 5}, []float64{.3, .7}, math.Log(2)},
		// Hand-derived: p_y = e^{−2e4}/(1+…) underflows, but log p_y = −2e4 exactly.
		{"extreme", []float64{1e4, -1e4}, []float64{0, 1}, 2e4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkClose(t, "CE", CrossEntropy(tt.logits, tt.target), tt.want, lossTol64)
			loss, g := CrossEntropyGrad(tt.logits, tt.target)
			checkClose(t, "CE from Grad", loss, tt.want, lossTol64)
			for i, v := range g {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("grad[%d] = %v, want finite", i, v)
				}
			}
		})
	}
}

func TestCrossEntropyGrad_FiniteDifferences(t *testing.T) {
	for _, lc := range logitCases {
		for _, soft := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/soft=%v", lc.name, soft), func(t *testing.T) {
				rng := newRand(20)
				for range 50 {
					c := 2 + rng.IntN(10)
					z, q := lc.gen(rng, c), randTarget(rng, c, soft)
					done := unmodified(t, z, q)
					_, g := CrossEntropyGrad(z, q)
					done()
					checkGradFD(t, func(x []float64) float64 { return CrossEntropy(x, q) }, z, g)
				}
			})
		}
	}
}

func TestCrossEntropy_NonNegative(t *testing.T) {
	rng := newRand(21)
	for range 300 {
		c := 2 + rng.IntN(10)
		z, q := randLogits(rng, c, 4), randTarget(rng, c, rng.IntN(2) == 0)
		if v := CrossEntropy(z, q); !(v >= 0) {
			t.Fatalf("CE(%v, %v) = %v, want ≥ 0", z, q, v)
		}
	}
}

func TestCrossEntropyFloor(t *testing.T) {
	rng := newRand(22)
	for _, floor := range []float64{0, 1e-8, 1e-3, 0.1} {
		for _, lc := range logitCases {
			t.Run(fmt.Sprintf("floor=%g/%s", floor, lc.name), func(t *testing.T) {
				for range 30 {
					c := 2 + rng.IntN(8)
					z, q := lc.gen(rng, c), randTarget(rng, c, rng.IntN(2) == 0)
					g := make([]float64, c)
					loss := crossEntropyFloorGradTo(g, z, q, floor)
					f := func(x []float64) float64 {
						if floor == 0 {
							return CrossEntropy(x, q)
						}
						p := Softmax(nil, x)
						var s float64
						for k := range p {
							if q[k] != 0 {
								s -= q[k] * math.Log(p[k]+floor)
							}
						}
						return s
					}
					checkClose(t, "floored CE", loss, f(z), lossTol64)
					checkGradFD(t, f, z, g)
				}
			})
		}
	}
	// Hand-derived: with floor ε, a one-hot output at the wrong class costs
	// −log ε, bounded, where the exact CE is 2e4.
	g := make([]float64, 2)
	checkClose(t, "bounded", crossEntropyFloorGradTo(g, []float64{1e4, -1e4}, []float64{0, 1}, 1e-3), -math.Log(1e-3), lossTol64)
}

func TestCrossEntropy_Panics(t *testing.T) {
	wantPanic(t, errLength, func() { CrossEntropy([]float64{1, 2}, []float64{1}) })
	wantPanic(t, errEmpty, func() { CrossEntropyGrad(nil, nil) })
}
