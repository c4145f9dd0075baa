package losses

import (
	"math"
	"testing"
)

func TestL2_Golden(t *testing.T) {
	// Hand-derived: (2.5 − 4)² = 2.25, derivative 2·(−1.5) = −3.
	loss, g := L2Grad(2.5, 4)
	checkClose(t, "L2", L2(2.5, 4), 2.25, lossTol64)
	checkClose(t, "L2Grad loss", loss, 2.25, lossTol64)
	checkClose(t, "L2Grad grad", g, -3, lossTol64)
}

func TestL2Grad_FiniteDifferences(t *testing.T) {
	rng := newRand(30)
	for range 200 {
		o, y := 10*rng.NormFloat64(), rng.IntN(10)
		_, g := L2Grad(o, y)
		checkGradFD(t, func(x []float64) float64 { return L2(x[0], y) }, []float64{o}, []float64{g})
	}
}

func TestL2Class(t *testing.T) {
	tests := []struct {
		name    string
		o       float64
		classes int
		want    int
	}{
		{"exact", 3, 8, 3},
		{"round-down", 3.49, 8, 3},
		{"round-half-up", 3.5, 8, 4},
		{"clamp-low", -2.7, 8, 0},
		{"clamp-high", 12.2, 8, 7},
		{"negative-half", -0.5, 8, 0},
		{"NaN", math.NaN(), 8, 0},
		{"+Inf", math.Inf(1), 8, 7},
		{"-Inf", math.Inf(-1), 8, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := L2Class(tt.o, tt.classes); got != tt.want {
				t.Errorf("L2Class(%v, %d) = %d, want %d", tt.o, tt.classes, got, tt.want)
			}
		})
	}
	wantPanic(t, errEmpty, func() { L2Class(1, 0) })
}
