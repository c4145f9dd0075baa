package losses

import (
	"fmt"
	"math"
	"testing"
)

func TestCostMatrixEMD2_Golden(t *testing.T) {
	D := [][]float64{{1, .5, 2}, {.5, 1, 2}, {2, -.25, 1}}
	tests := []struct {
		name string
		p    []float64
		y    int
		want float64
	}{
		// Hand-derived: (1/3)(.2²·.5 + .5²·1 + .3²·2) = (1/3)(.02 + .25 + .18).
		{"row-1", []float64{.2, .5, .3}, 1, 0.45 / 3},
		// Hand-derived: negative weights reward mass there:
		// (1/3)(.1²·2 + .6²·(−.25) + .7²·1) = (1/3)(.02 − .09 + .49).
		{"negative-weight", []float64{.1, .6, .3}, 2, 0.42 / 3},
		// Hand-derived: p = t gives 0 whatever D.
		{"exact", []float64{0, 0, 1}, 2, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkClose(t, "CostMatrixEMD2", CostMatrixEMD2(tt.p, tt.y, D), tt.want, lossTol64)
		})
	}
}

func TestCostMatrixEMD2_OnesIsSquaredError(t *testing.T) {
	// Identity: with every weight 1, E_D = (1/C)‖p − t‖².
	rng := newRand(40)
	for range 100 {
		c := 2 + rng.IntN(10)
		ones := newMatrix(c)
		for i := range ones {
			for j := range ones[i] {
				ones[i][j] = 1
			}
		}
		p, y := randDist(rng, c), rng.IntN(c)
		var want float64
		for i := range p {
			d := p[i]
			if i == y {
				d--
			}
			want += d * d / float64(c)
		}
		checkClose(t, "ones", CostMatrixEMD2(p, y, ones), want, lossTol64)
	}
}

func TestCostMatrixEMD2Grad_MatchesValue(t *testing.T) {
	rng := newRand(41)
	for range 200 {
		c := 2 + rng.IntN(10)
		D := randCostMatrix(rng, c)
		z, y := randLogits(rng, c, 3), rng.IntN(c)
		q := OneHot(nil, y, c)
		saved := cloneMatrix(D)
		done := unmodified(t, z, q)
		loss, _ := CostMatrixEMD2Grad(z, q, D)
		done()
		if !equalMatrix(D, saved) {
			t.Fatal("D modified")
		}
		checkClose(t, "loss", loss, CostMatrixEMD2(Softmax(nil, z), y, D), lossTol64)
	}
}

func TestCostMatrixEMD2Grad_FiniteDifferences(t *testing.T) {
	for _, lc := range logitCases {
		for _, soft := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/soft=%v", lc.name, soft), func(t *testing.T) {
				rng := newRand(42)
				for range 50 {
					c := 2 + rng.IntN(10)
					D := randCostMatrix(rng, c)
					z, q := lc.gen(rng, c), randTarget(rng, c, soft)
					_, g := CostMatrixEMD2Grad(z, q, D)
					checkGradFD(t, func(x []float64) float64 {
						l, _ := CostMatrixEMD2Grad(x, q, D)
						return l
					}, z, g)
				}
			})
		}
	}
}

func TestCostMatrixEMD2Grad_SoftMixesRows(t *testing.T) {
	// Hand-derived: t = [.5, .5, 0] takes w = ½(D[0] + D[1]) = [.75, .75, 2];
	// p = [1/3, 1/3, 1/3] (zero logits):
	// E = (1/3)((1/3−½)²·.75·2 + (1/3)²·2) = (1/3)(1/24 + 2/9).
	D := [][]float64{{1, .5, 2}, {.5, 1, 2}, {2, -.25, 1}}
	loss, _ := CostMatrixEMD2Grad([]float64{0, 0, 0}, []float64{.5, .5, 0}, D)
	checkClose(t, "soft", loss, (1.0/24+2.0/9)/3, lossTol64)
}

func TestCostMatrixEMD2_Panics(t *testing.T) {
	D := OrderedDistance(3, 1)
	tests := []struct {
		name string
		f    func()
		want string
	}{
		{"ErrLabel", func() { CostMatrixEMD2([]float64{.5, .5, 0}, 3, D) }, errLabel},
		{"ErrLabelNegative", func() { CostMatrixEMD2([]float64{.5, .5, 0}, -1, D) }, errLabel},
		{"ErrEmpty", func() { CostMatrixEMD2(nil, 0, D) }, errEmpty},
		{"ErrDistShape", func() { CostMatrixEMD2([]float64{.5, .5}, 0, D) }, errDistShape},
		{"ErrDistRagged", func() { CostMatrixEMD2([]float64{.5, .5}, 0, [][]float64{{0, 1}, {1}}) }, errDistShape},
		{"Grad/ErrLength", func() { CostMatrixEMD2Grad([]float64{1, 2}, []float64{1}, D) }, errLength},
		{"Grad/ErrDistShape", func() { CostMatrixEMD2Grad([]float64{1, 2}, []float64{1, 0}, D) }, errDistShape},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantPanic(t, tt.want, tt.f) })
	}
}

func TestCostMatrixEMD2_NaN(t *testing.T) {
	if v := CostMatrixEMD2([]float64{math.NaN(), 1}, 0, UnitDiagonal(OrderedDistance(2, 1))); !math.IsNaN(v) {
		t.Errorf("got %v, want NaN", v)
	}
}

// randCostMatrix returns a random C×C matrix in the shape of the paper's
// learned weights: entries in [−0.5, 1), diagonal 1.
func randCostMatrix(rng interface{ Float64() float64 }, c int) [][]float64 {
	D := newMatrix(c)
	for i := range D {
		for j := range D[i] {
			D[i][j] = 1.5*rng.Float64() - 0.5
		}
		D[i][i] = 1
	}
	return D
}
