package losses

import (
	"errors"
	"math"
	"testing"
)

func TestSoftmax_Properties(t *testing.T) {
	rng := newRand(10)
	for _, lc := range logitCases {
		t.Run(lc.name, func(t *testing.T) {
			for range 100 {
				c := 1 + rng.IntN(20)
				z := lc.gen(rng, c)
				done := unmodified(t, z)
				p := Softmax(nil, z)
				logp := LogSoftmax(nil, z)
				done()
				var s float64
				for k := range p {
					if !(p[k] >= 0 && p[k] <= 1) {
						t.Fatalf("p[%d] = %v, want in [0, 1]", k, p[k])
					}
					if math.IsNaN(logp[k]) || math.IsInf(logp[k], 0) || logp[k] > 0 {
						t.Fatalf("log p[%d] = %v, want finite ≤ 0", k, logp[k])
					}
					if p[k] > 1e-300 {
						checkClose(t, "exp(log p)", math.Exp(logp[k]), p[k], lossTol64)
					}
					s += p[k]
				}
				checkClose(t, "Σp", s, 1, lossTol64)
			}
		})
	}
}

func TestSoftmax_Golden(t *testing.T) {
	// Hand-derived: softmax([0, ln 3]) = [1/4, 3/4]; shift invariance.
	for _, shift := range []float64{0, 700, -700, 1e5} {
		p := Softmax(nil, []float64{shift, shift + math.Log(3)})
		checkClose(t, "p0", p[0], 0.25, lossTol64)
		checkClose(t, "p1", p[1], 0.75, lossTol64)
		logp := LogSoftmax(nil, []float64{shift, shift + math.Log(3)})
		checkClose(t, "log p0", logp[0], math.Log(0.25), 1e-10)
	}
}

func TestSoftmax_InPlace(t *testing.T) {
	z := []float64{1, 2, 3}
	want := Softmax(nil, z)
	Softmax(z, z)
	for i := range z {
		checkClose(t, "aliased softmax", z[i], want[i], lossTol64)
	}
}

func TestSoftmax_Panics(t *testing.T) {
	wantPanic(t, errLength, func() { Softmax(make([]float64, 2), []float64{1, 2, 3}) })
	wantPanic(t, errEmpty, func() { Softmax(nil, nil) })
	wantPanic(t, errEmpty, func() { LogSoftmax(nil, []float64{}) })
	wantPanic(t, errLabel, func() { OneHot(nil, 3, 3) })
	wantPanic(t, errLabel, func() { OneHot(nil, -1, 3) })
	wantPanic(t, errEmpty, func() { OneHot(nil, 0, 0) })
}

func TestValidateDistribution(t *testing.T) {
	tests := []struct {
		name string
		p    []float64
		ok   bool
	}{
		{"OK", []float64{.25, .75}, true},
		{"OK/within-tol", []float64{.5, .5 + DistributionTol/2}, true},
		{"ErrEmpty", nil, false},
		{"ErrNaN", []float64{math.NaN(), 1}, false},
		{"ErrInf", []float64{math.Inf(1), 0}, false},
		{"ErrNegative", []float64{-.5, 1.5}, false},
		{"ErrUnnormalised", []float64{.5, .6}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateDistribution(tt.p)
			if (err == nil) != tt.ok {
				t.Fatalf("got error %v, want ok = %v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrNotDistribution) {
				t.Fatalf("error %v does not wrap ErrNotDistribution", err)
			}
		})
	}
}
