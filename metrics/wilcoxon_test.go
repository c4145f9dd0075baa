package metrics_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/replicate-emd/replicate/metrics"
)

// refSignedRankP enumerates the 2^n sign patterns of the ranks of the
// nonzero |d| one by one (no subset-sum table) and returns W+ and the
// two-sided exact p-value.
func refSignedRankP(d []float64) (wPlus, p float64) {
	var abs []float64
	var pos []bool
	for _, v := range d {
		if v != 0 {
			abs = append(abs, math.Abs(v))
			pos = append(pos, v > 0)
		}
	}
	r := refRanks(abs)
	for i := range r {
		if pos[i] {
			wPlus += r[i]
		}
	}
	n := len(r)
	var le, ge float64
	for mask := 0; mask < 1<<n; mask++ {
		s := 0.0
		for i := range r {
			if mask&(1<<i) != 0 {
				s += r[i]
			}
		}
		if s <= wPlus {
			le++
		}
		if s >= wPlus {
			ge++
		}
	}
	return wPlus, math.Min(1, 2*math.Min(le, ge)/float64(int(1)<<n))
}

func TestWilcoxon(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name   string
		d      []float64 // a = d, b = 0
		want   metrics.SignedRank
		tol    float64
		status metrics.TestStatus
	}{
		// Hand: of the 32 sign patterns only the all-positive one reaches
		// W+ = 15, so P = 2·(1/32); brute force in testdata/reference_other.py.
		{"AllPositive", []float64{1, 2, 3, 4, 5},
			metrics.SignedRank{N: 5, WPlus: 15, WMinus: 0, P: 0.0625, Exact: true}, refTol, metrics.TestOK},
		// Brute-force enumeration in Python (testdata/reference_other.py):
		// ties in |d| and one zero dropped; W+ 23, W− 5, P 0.171875 = 22/128.
		{"TiesAndZero", []float64{1, -2, 2, 3, 0, 4, -1, 5},
			metrics.SignedRank{N: 7, Zeros: 1, WPlus: 23, WMinus: 5, P: 0.171875, Exact: true}, refTol, metrics.TestOK},
		// Same script: W+ 42, W− 13, P 0.16015625 = 164/1024.
		{"Mixed", []float64{0.5, -1.5, 2.5, 3.5, -0.25, 4.5, 6, 7, -8, 9},
			metrics.SignedRank{N: 10, WPlus: 42, WMinus: 13, P: 0.16015625, Exact: true}, refTol, metrics.TestOK},
		{"One", []float64{-3},
			metrics.SignedRank{N: 1, WPlus: 0, WMinus: 1, P: 1, Exact: true}, refTol, metrics.TestOK},
		{"NoDifference", []float64{0, 0, 0},
			metrics.SignedRank{Zeros: 3, P: nan}, 0, metrics.TestNoDifference},
		{"Empty", nil, metrics.SignedRank{P: nan}, 0, metrics.TestTooFew},
		{"Invalid", []float64{1, nan}, metrics.SignedRank{P: nan}, 0, metrics.TestInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := metrics.Wilcoxon(tt.d, make([]float64, len(tt.d)))
			if got.Status != tt.status || got.N != tt.want.N || got.Zeros != tt.want.Zeros || got.Exact != tt.want.Exact {
				t.Errorf("got status %v N %d zeros %d exact %v, want %v %d %d %v",
					got.Status, got.N, got.Zeros, got.Exact, tt.status, tt.want.N, tt.want.Zeros, tt.want.Exact)
			}
			checkNear(t, "WPlus", got.WPlus, tt.want.WPlus, 0)
			checkNear(t, "WMinus", got.WMinus, tt.want.WMinus, 0)
			checkNear(t, "P", got.P, tt.want.P, tt.tol)
		})
	}
	checkPanics(t, "lengths", func() { metrics.Wilcoxon([]float64{1}, nil) })
}

func TestWilcoxon_Normal(t *testing.T) {
	// Sixty differences ±(1 … 20) with tie groups of three; the normal
	// approximation with tie correction in Python (testdata/
	// reference_other.py): W+ 1220, z 2.24589755983242, P 0.024710570228687397.
	d := make([]float64, 60)
	for i := range d {
		d[i] = float64(i%20 + 1)
		if i%3 == 0 {
			d[i] = -d[i]
		}
	}
	got := metrics.Wilcoxon(d, make([]float64, len(d)))
	if got.Exact || got.N != 60 || got.Status != metrics.TestOK {
		t.Errorf("got exact %v N %d status %v, want false 60 ok", got.Exact, got.N, got.Status)
	}
	checkNear(t, "WPlus", got.WPlus, 1220, 0)
	checkNear(t, "P", got.P, 0.024710570228687397, refTol)
}

func TestWilcoxon_AgainstEnumeration(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for trial := 0; trial < 60; trial++ {
		n := 1 + rng.IntN(12)
		a := make([]float64, n)
		b := make([]float64, n)
		for i := range a {
			a[i] = float64(rng.IntN(7)) / 4 // ties and zeros are common
			b[i] = float64(rng.IntN(7)) / 4
		}
		as, bs := slices.Clone(a), slices.Clone(b)
		got := metrics.Wilcoxon(a, b)
		d := make([]float64, n)
		for i := range d {
			d[i] = a[i] - b[i]
		}
		if got.Status == metrics.TestNoDifference {
			continue
		}
		w, p := refSignedRankP(d)
		checkNear(t, "WPlus", got.WPlus, w, 0)
		checkNear(t, "P", got.P, p, metricTol)
		nf := float64(got.N)
		checkNear(t, "W+ + W−", got.WPlus+got.WMinus, nf*(nf+1)/2, 0)
		sw := metrics.Wilcoxon(b, a)
		checkNear(t, "swap P", sw.P, got.P, metricTol)
		checkNear(t, "swap W", sw.WPlus, got.WMinus, 0)
		if !slices.Equal(a, as) || !slices.Equal(b, bs) {
			t.Fatal("Wilcoxon modified its inputs")
		}
	}
}
