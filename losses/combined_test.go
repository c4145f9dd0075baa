package losses

import (
	"fmt"
	"math"
	"testing"
)

func TestCEPlusEMD2Grad_IsWeightedSum(t *testing.T) {
	rng := newRand(50)
	for range 200 {
		c := 2 + rng.IntN(10)
		z, q := randLogits(rng, c, 3), randTarget(rng, c, rng.IntN(2) == 0)
		w := Weights{CE: rng.Float64(), EMD: 10 * rng.Float64()}
		D := randCostMatrix(rng, c)

		ce, gce := CrossEntropyGrad(z, q)
		for _, norm := range []Norm{NormMean, NormSum} {
			e, ge := EMD2Grad(z, q)
			if norm == NormSum {
				e, ge = RPSGrad(z, q)
			}
			loss, g := CEPlusEMD2Grad(z, q, nil, norm, w)
			checkClose(t, "ordered loss", loss, w.CE*ce+w.EMD*e, lossTol64)
			for i := range g {
				checkClose(t, "ordered grad", g[i], w.CE*gce[i]+w.EMD*ge[i], lossTol64)
			}
		}
		e, ge := CostMatrixEMD2Grad(z, q, D)
		loss, g := CEPlusEMD2Grad(z, q, D, NormSum, w) // norm ignored with D
		checkClose(t, "cost-matrix loss", loss, w.CE*ce+w.EMD*e, lossTol64)
		for i := range g {
			checkClose(t, "cost-matrix grad", g[i], w.CE*gce[i]+w.EMD*ge[i], lossTol64)
		}
	}
}

func TestCEPlusEMD2Grad_FiniteDifferences(t *testing.T) {
	for _, lc := range logitCases {
		for _, form := range []string{"ordered", "cost-matrix"} {
			for _, floor := range []float64{0, 1e-4} {
				t.Run(fmt.Sprintf("%s/%s/floor=%g", lc.name, form, floor), func(t *testing.T) {
					rng := newRand(51)
					for range 30 {
						c := 2 + rng.IntN(10)
						z, q := lc.gen(rng, c), randTarget(rng, c, rng.IntN(2) == 0)
						var D [][]float64
						if form == "cost-matrix" {
							D = randCostMatrix(rng, c)
						}
						w := Weights{CE: 0.5 + rng.Float64(), EMD: 5 * rng.Float64(), Floor: floor}
						done := unmodified(t, z, q)
						_, g := CEPlusEMD2Grad(z, q, D, NormMean, w)
						done()
						checkGradFD(t, func(x []float64) float64 {
							l, _ := CEPlusEMD2Grad(x, q, D, NormMean, w)
							return l
						}, z, g)
					}
				})
			}
		}
	}
}

func TestWeights_Validate(t *testing.T) {
	tests := []struct {
		name string
		w    Weights
		ok   bool
	}{
		{"OK/default", DefaultWeights, true},
		{"OK/emd-only", Weights{EMD: 1}, true},
		{"OK/floor", Weights{CE: 1, EMD: 1, Floor: 1e-8}, true},
		{"ErrBothZero", Weights{}, false},
		{"ErrNegative", Weights{CE: -1, EMD: 1}, false},
		{"ErrNaN", Weights{CE: math.NaN(), EMD: 1}, false},
		{"ErrInf", Weights{CE: 1, EMD: math.Inf(1)}, false},
		{"ErrFloorOne", Weights{CE: 1, Floor: 1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.w.Validate(); (err == nil) != tt.ok {
				t.Fatalf("Validate(%+v) = %v, want ok = %v", tt.w, err, tt.ok)
			}
		})
	}
}

func TestCEPlusEMD2Grad_Panics(t *testing.T) {
	z, q := []float64{0, 1}, []float64{1, 0}
	wantPanic(t, errBadWeights, func() { CEPlusEMD2Grad(z, q, nil, NormMean, Weights{}) })
	wantPanic(t, errLength, func() { CEPlusEMD2Grad(z, q[:1], nil, NormMean, DefaultWeights) })
	wantPanic(t, errDistShape, func() { CEPlusEMD2Grad(z, q, OrderedDistance(3, 1), NormMean, DefaultWeights) })
	wantPanic(t, errBadParam, func() { CEPlusEMD2Grad(z, q, nil, Norm(9), DefaultWeights) })
}
