package losses

import (
	"math"
	"strings"
	"testing"

	"github.com/replicate-emd/replicate/metrics"
)

// The hand-worked case: class 0 = [1,0,0], class 1 = [1,1,0] (ℓ1 → [½,½,0]),
// class 2 = [0,0,1]. Centroid distances d01 = √½ ≈ .707, d02 = √2 ≈ 1.414,
// d12 = √1.5 ≈ 1.225, so the row ranks / C are
//
//	row 0: 1/3 2/3 1     row 1: 2/3 1/3 1     row 2: 1 2/3 1/3
var learnedFeatures = [][]float64{{1, 0, 0}, {2, 0, 0}, {1, 1, 0}, {0, 0, 3}}
var learnedLabels = []int{0, 0, 1, 2}

func TestLearnedGroundDistance_Golden(t *testing.T) {
	tests := []struct {
		name      string
		mu, omega float64
		want      [][]float64
	}{
		// Hand-derived (see learnedFeatures), ω = 1, μ = ½:
		// D01 = (2/3+2/3)/2 − ½, D02 = (1+1)/2 − ½, D12 = (1+2/3)/2 − ½.
		{"xe-emd1", XEEMD1Mu, XEEMD1Omega, [][]float64{
			{1, 1.0 / 6, 0.5},
			{1.0 / 6, 1, 1.0 / 3},
			{0.5, 1.0 / 3, 1}}},
		// Hand-derived, ω = 2, μ = ¼: ranks squared 1/9, 4/9, 1;
		// D01 = 4/9 − ¼ = 7/36, D02 = 1 − ¼, D12 = (1 + 4/9)/2 − ¼ = 17/36.
		{"xe-emd2", XEEMD2Mu, XEEMD2Omega, [][]float64{
			{1, 7.0 / 36, 0.75},
			{7.0 / 36, 1, 17.0 / 36},
			{0.75, 17.0 / 36, 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			D, err := LearnedGroundDistance(learnedFeatures, learnedLabels, 3, tt.mu, tt.omega)
			if err != nil {
				t.Fatal(err)
			}
			for i := range tt.want {
				for j := range tt.want[i] {
					checkClose(t, "D", D[i][j], tt.want[i][j], lossTol64)
				}
			}
		})
	}
}

func TestRanks_PercentileRank(t *testing.T) {
	tests := []struct {
		name string
		row  []float64
		want []float64
	}{
		// Hand-derived: distinct values get k; the 1st value is the smallest.
		{"distinct", []float64{0, 3, 1, 2}, []float64{1, 4, 2, 3}},
		// Hand-derived: a tie over ranks 2 and 3 gets 2.5 (scipy's
		// percentileofscore(kind="rank") gives 62.5 = 2.5/4·100 for them).
		{"tie", []float64{0, 2, 2, 5}, []float64{1, 2.5, 2.5, 4}},
		{"all-equal", []float64{7, 7, 7}, []float64{2, 2, 2}},
		{"tie-with-zero", []float64{0, 0, 1}, []float64{1.5, 1.5, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := make([]float64, len(tt.row))
			metrics.Ranks(got, tt.row)
			for i := range got {
				checkClose(t, "rank", got[i], tt.want[i], lossTol64)
			}
		})
	}
}

// slowPercentileRank (the rank LearnedGroundDistance takes from
// metrics.Ranks) is scipy's percentileofscore(row, row[i], kind="rank")
// divided by 100/C, written from its definition: (left + right + [right >
// left]) / 2 with left = #{< x} and right = #{≤ x}.
func slowPercentileRank(row []float64, i int) float64 {
	var left, right int
	for _, v := range row {
		if v < row[i] {
			left++
		}
		if v <= row[i] {
			right++
		}
	}
	r := float64(left + right)
	if right > left {
		r++
	}
	return r / 2
}

func TestRanks_PercentileRankDefinition(t *testing.T) {
	rng := newRand(60)
	for range 300 {
		n := 1 + rng.IntN(12)
		row := make([]float64, n)
		for i := range row {
			row[i] = float64(rng.IntN(4)) // many ties
		}
		got := make([]float64, n)
		metrics.Ranks(got, row)
		for i := range row {
			checkClose(t, "rank", got[i], slowPercentileRank(row, i), lossTol64)
		}
	}
}

func TestLearnedGroundDistance_Properties(t *testing.T) {
	rng := newRand(61)
	for range 100 {
		c, dim := 2+rng.IntN(8), 1+rng.IntN(6)
		feats, labels := randFeatures(rng, c, dim, c+rng.IntN(40))
		mu, omega := rng.Float64(), 0.5+2*rng.Float64()
		saved := cloneMatrix(feats)
		D, err := LearnedGroundDistance(feats, labels, c, mu, omega)
		if err != nil {
			t.Fatal(err)
		}
		if !equalMatrix(feats, saved) {
			t.Fatal("features modified")
		}
		checkLearnedShape(t, D, c, mu, omega)

		// ℓ1 normalisation makes the result invariant to positive rescaling
		// of any feature vector, and it is invariant to sample order.
		scaled := cloneMatrix(feats)
		for n := range scaled {
			s := math.Exp(4 * rng.NormFloat64())
			for j := range scaled[n] {
				scaled[n][j] *= s
			}
		}
		perm := rng.Perm(len(feats))
		pf, pl := make([][]float64, len(feats)), make([]int, len(feats))
		for k, n := range perm {
			pf[k], pl[k] = scaled[n], labels[n]
		}
		D2, err := LearnedGroundDistance(pf, pl, c, mu, omega)
		if err != nil {
			t.Fatal(err)
		}
		for i := range D {
			for j := range D[i] {
				checkClose(t, "invariance", D2[i][j], D[i][j], 1e-9)
			}
		}
	}
}

// checkLearnedShape checks the structural properties of a learned matrix:
// finite, symmetric, unit diagonal, off-diagonal in [1/C^ω − μ, 1 − μ].
func checkLearnedShape(t *testing.T, D [][]float64, c int, mu, omega float64) {
	t.Helper()
	if err := ValidateDistance(D, c); err != nil {
		t.Fatal(err)
	}
	lo, hi := math.Pow(1/float64(c), omega)-mu, 1-mu
	for i := range D {
		if D[i][i] != 1 {
			t.Fatalf("D[%d][%d] = %v, want 1", i, i, D[i][i])
		}
		for j := range D[i] {
			if D[i][j] != D[j][i] {
				t.Fatalf("D not symmetric at %d,%d: %v vs %v", i, j, D[i][j], D[j][i])
			}
			if i != j && (D[i][j] < lo-1e-12 || D[i][j] > hi+1e-12) {
				t.Fatalf("D[%d][%d] = %v outside [%v, %v]", i, j, D[i][j], lo, hi)
			}
		}
	}
}

// randFeatures returns n non-negative feature vectors with every class
// present, sparse like post-ReLU activations.
func randFeatures(rng interface {
	IntN(int) int
	ExpFloat64() float64
}, c, dim, n int) ([][]float64, []int) {
	feats, labels := make([][]float64, n), make([]int, n)
	for k := range n {
		labels[k] = k % c
		f := make([]float64, dim)
		for j := range f {
			if rng.IntN(3) > 0 {
				f[j] = rng.ExpFloat64() * float64(1+labels[k]%3)
			}
		}
		if rng.IntN(4) == 0 || allZero(f) {
			f[rng.IntN(dim)] = 1 + rng.ExpFloat64()
		}
		feats[k] = f
	}
	return feats, labels
}

func allZero(f []float64) bool {
	for _, v := range f {
		if v != 0 {
			return false
		}
	}
	return true
}

func TestLearnedGroundDistance_Errors(t *testing.T) {
	ok := [][]float64{{1, 0}, {0, 1}}
	tests := []struct {
		name      string
		feats     [][]float64
		labels    []int
		classes   int
		mu, omega float64
		want      string
	}{
		{"ErrEmptyClass", ok, []int{0, 0}, 2, .5, 1, "class 1 has no sample"},
		{"ErrEmptyClassLast", ok, []int{0, 1}, 3, .5, 1, "class 2 has no sample"},
		{"ErrLabel", ok, []int{0, 2}, 2, .5, 1, "sample 1: label 2 outside [0, 2)"},
		{"ErrLabelNegative", ok, []int{-1, 1}, 2, .5, 1, "sample 0: label -1"},
		{"ErrNegativeFeature", [][]float64{{1, -1}, {0, 1}}, []int{0, 1}, 2, .5, 1, "sample 0: feature 1 is -1"},
		{"ErrNaN", [][]float64{{1, 0}, {math.NaN(), 1}}, []int{0, 1}, 2, .5, 1, "sample 1: feature 0 is NaN"},
		{"ErrInf", [][]float64{{1, 0}, {math.Inf(1), 1}}, []int{0, 1}, 2, .5, 1, "sample 1: feature 0 is +Inf"},
		{"ErrZeroVector", [][]float64{{0, 0}, {0, 1}}, []int{0, 1}, 2, .5, 1, "sample 0: feature vector sums to 0"},
		{"ErrOverflow", [][]float64{{math.MaxFloat64, math.MaxFloat64}, {0, 1}}, []int{0, 1}, 2, .5, 1, "sample 0: feature vector sums to +Inf"},
		{"ErrNoSamples", nil, nil, 2, .5, 1, "no samples"},
		{"ErrClasses", ok, []int{0, 0}, 1, .5, 1, "at least 2 classes"},
		{"ErrMu", ok, []int{0, 1}, 2, math.NaN(), 1, "mu = NaN"},
		{"ErrOmega", ok, []int{0, 1}, 2, .5, 0, "omega = 0"},
		{"ErrOmegaInf", ok, []int{0, 1}, 2, .5, math.Inf(1), "omega = +Inf"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			D, err := LearnedGroundDistance(tt.feats, tt.labels, tt.classes, tt.mu, tt.omega)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, %v; want an error containing %q", D, err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "losses: ") {
				t.Errorf("error %q does not start with %q", err, "losses: ")
			}
		})
	}
}

func TestLearnedGroundDistance_Panics(t *testing.T) {
	wantPanic(t, errLength, func() { LearnedGroundDistance([][]float64{{1}}, []int{0, 1}, 2, .5, 1) })
	wantPanic(t, errBatchShape, func() { LearnedGroundDistance([][]float64{{1, 0}, {1}}, []int{0, 1}, 2, .5, 1) })
	wantPanic(t, errBatchShape, func() { LearnedGroundDistance([][]float64{{}, {}}, []int{0, 1}, 2, .5, 1) })
}

// FuzzLearnedGroundDistance checks that any input gives either an error or
// a finite, symmetric matrix with unit diagonal, never a NaN or a panic.
func FuzzLearnedGroundDistance(f *testing.F) {
	f.Add([]byte{1, 0, 0, 1, 1, 0, 0, 0, 3}, uint8(3), uint8(3), 0.5, 1.0)
	f.Add([]byte{0, 0, 0, 0}, uint8(2), uint8(2), 0.25, 2.0)
	f.Add([]byte{255, 1, 2, 3, 4, 5, 6, 7}, uint8(2), uint8(4), -3.0, 0.1)
	f.Fuzz(func(t *testing.T, data []byte, classes, dim uint8, mu, omega float64) {
		c, d := int(classes%9), 1+int(dim%5)
		n := len(data) / (d + 1)
		feats, labels := make([][]float64, n), make([]int, n)
		for k := range n {
			rec := data[k*(d+1) : (k+1)*(d+1)]
			labels[k] = int(rec[0]) % (c + 2) // sometimes out of range
			feats[k] = make([]float64, d)
			for j, b := range rec[1:] {
				feats[k][j] = float64(b) / 16
			}
		}
		D, err := LearnedGroundDistance(feats, labels, c, mu, omega)
		if err != nil {
			return
		}
		checkLearnedShape(t, D, c, mu, omega)
	})
}
