package metrics

import (
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
)

// quantileTol bounds the difference between gonum's Student-t quantile and
// the reference values below.
const quantileTol = 1e-10

func TestTQuantile(t *testing.T) {
	// References: bisection on the closed-form Student-t CDF for integer ν
	// (Abramowitz & Stegun 26.7.3 odd ν, 26.7.4 even ν) in Python,
	// testdata/reference_t.py; they agree with Simpson integration of the
	// density to 1e-13. ν = 1 is also tan(0.475π) = 12.706204736174696.
	tests := []struct {
		q, df, want float64
	}{
		{0.975, 4, 2.7764451051977908},
		{0.975, 9, 2.262157162798204},
		{0.975, 1, 12.706204736174676},
		{0.995, 4, 4.604094871349982},
		{0.95, 4, 2.1318467863266477},
		{0.025, 4, -2.7764451051977908},
		{0.5, 7, 0},
	}
	for _, tt := range tests {
		got := tQuantile(tt.q, tt.df)
		if !scalar.EqualWithinAbsOrRel(got, tt.want, quantileTol, quantileTol) {
			t.Errorf("t quantile q=%v ν=%v: got %.17g, want %.17g", tt.q, tt.df, got, tt.want)
		}
	}
}

func TestTTwoSided(t *testing.T) {
	// Same script: 2·(1 − F(|t|)) from the closed-form CDF.
	tests := []struct {
		t, df, want float64
	}{
		{4, 4, 0.01613008990009246},
		{-3.0779350562554617, 9, 0.013183869818504501},
		{2.7764451051977908, 4, 0.05},
		{0, 3, 1},
	}
	for _, tt := range tests {
		got := tTwoSided(tt.t, tt.df)
		if !scalar.EqualWithinAbsOrRel(got, tt.want, quantileTol, quantileTol) {
			t.Errorf("two-sided p t=%v ν=%v: got %.17g, want %.17g", tt.t, tt.df, got, tt.want)
		}
	}
}
