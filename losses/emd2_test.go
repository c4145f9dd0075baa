package losses

import (
	"fmt"
	"math"
	"testing"
)

func TestEMD2_Golden(t *testing.T) {
	tests := []struct {
		name    string
		p       []float64
		y       int
		rps     float64
		emd2    float64
		comment string
	}{
		// PAPER.md §1 reference values (recomputed independently there);
		// also STYLE.md H12: 2.0 for the opposite-end one-hot with C = 3.
		{name: "opposite-end", p: []float64{1, 0, 0}, y: 2, rps: 2, emd2: 2.0 / 3},
		{name: "equal", p: []float64{0, 0, 1}, y: 2, rps: 0, emd2: 0},
		// PAPER.md §1 item 6 worked example: closed form without 1/C = 0.4575.
		// Hand check: CDF_p = .05 .15 .65 .9 1, CDF_t = 0 0 0 1 1,
		// squares .0025 + .0225 + .4225 + .01 + 0.
		{name: "worked-example", p: []float64{.05, .1, .5, .25, .1}, y: 3, rps: 0.4575, emd2: 0.4575 / 5},
		// PAPER.md §1 C = 4 batch, per sample (the batch is in TestEMD2_GoldenBatch).
		{name: "batch-0", p: []float64{.2, .4, .2, .2}, y: 0, rps: 0.84, emd2: 0.84 / 4},
		{name: "batch-1", p: []float64{.7, .1, .1, .1}, y: 0, rps: 0.14, emd2: 0.14 / 4},
		{name: "batch-2", p: []float64{.5, .05, .1, .35}, y: 3, rps: 0.975, emd2: 0.975 / 4},
		{name: "batch-3", p: []float64{.1, .05, .65, .2}, y: 2, rps: 0.0725, emd2: 0.0725 / 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := OneHot(nil, tt.y, len(tt.p))
			checkClose(t, "RPS", RPS(tt.p, target), tt.rps, lossTol64)
			checkClose(t, "EMD2", EMD2(tt.p, target), tt.emd2, lossTol64)
		})
	}
}

func TestEMD2_GoldenBatch(t *testing.T) {
	// PAPER.md §1: C = 4, y = [0,0,3,2]: mean RPS 0.506875, with 1/C 0.12671875.
	P := [][]float64{{.2, .4, .2, .2}, {.7, .1, .1, .1}, {.5, .05, .1, .35}, {.1, .05, .65, .2}}
	y := []int{0, 0, 3, 2}
	var rps, emd2 float64
	for i, p := range P {
		rps += RPS(p, OneHot(nil, y[i], 4)) / 4
		emd2 += EMD2(p, OneHot(nil, y[i], 4)) / 4
	}
	checkClose(t, "mean RPS", rps, 0.506875, lossTol64)
	checkClose(t, "mean EMD2", emd2, 0.12671875, lossTol64)
}

func TestEMD2_Properties(t *testing.T) {
	rng := newRand(1)
	for n := range 500 {
		c := 2 + rng.IntN(12)
		p, q := randDist(rng, c), randTarget(rng, c, n%2 == 0)
		done := unmodified(t, p, q)
		e, r := EMD2(p, q), RPS(p, q)
		done()
		if !(e >= 0) {
			t.Fatalf("EMD2(%v, %v) = %v, want ≥ 0", p, q, e)
		}
		checkClose(t, "RPS = C·EMD2", r, float64(c)*e, lossTol64)
		checkClose(t, "symmetry", EMD2(q, p), e, lossTol64)
		if got := EMD2(p, p); got != 0 {
			t.Fatalf("EMD2(p, p) = %v, want exactly 0", got)
		}
		// Zero only when the CDFs agree: any p ≠ q has a CDF gap.
		var gap, cp, cq float64
		for k := range p {
			cp, cq = cp+p[k], cq+q[k]
			gap = math.Max(gap, math.Abs(cp-cq))
		}
		if gap > 1e-12 && !(e > 0) {
			t.Fatalf("EMD2(%v, %v) = %v with CDF gap %g, want > 0", p, q, e, gap)
		}
	}
}

func TestEMD2Grad_MatchesValue(t *testing.T) {
	rng := newRand(2)
	for range 200 {
		c := 2 + rng.IntN(10)
		z, q := randLogits(rng, c, 3), randTarget(rng, c, rng.IntN(2) == 0)
		done := unmodified(t, z, q)
		loss, _ := EMD2Grad(z, q)
		lossSum, _ := RPSGrad(z, q)
		done()
		p := Softmax(nil, z)
		checkClose(t, "EMD2Grad loss", loss, EMD2(p, q), lossTol64)
		checkClose(t, "RPSGrad loss", lossSum, RPS(p, q), lossTol64)
	}
}

func TestEMD2Grad_FiniteDifferences(t *testing.T) {
	for _, lc := range logitCases {
		for _, soft := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/soft=%v", lc.name, soft), func(t *testing.T) {
				rng := newRand(3)
				for range 50 {
					c := 2 + rng.IntN(10)
					z, q := lc.gen(rng, c), randTarget(rng, c, soft)
					_, g := EMD2Grad(z, q)
					checkGradFD(t, func(x []float64) float64 { return EMD2(Softmax(nil, x), q) }, z, g)
					_, gs := RPSGrad(z, q)
					checkGradFD(t, func(x []float64) float64 { return RPS(Softmax(nil, x), q) }, z, gs)
				}
			})
		}
	}
}

func TestEMD2Grad_ExtremeLogits(t *testing.T) {
	// A naive softmax overflows at exp(1e4); the stable one gives an exact
	// one-hot output, so the loss is that of a one-hot p and the gradient 0.
	z := []float64{1e4, -1e4, 0, 5e3}
	q := OneHot(nil, 3, 4)
	loss, g := EMD2Grad(z, q)
	// Hand-derived: p = [1,0,0,0], CDF gaps 1,1,1,0 → (1/4)·3.
	checkClose(t, "loss", loss, 0.75, lossTol64)
	for i, v := range g {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("grad[%d] = %v, want finite", i, v)
		}
	}
}

func TestEMD2_NaN(t *testing.T) {
	p := []float64{0.5, math.NaN(), 0.5}
	q := OneHot(nil, 0, 3)
	if v := EMD2(p, q); !math.IsNaN(v) {
		t.Errorf("EMD2 with NaN = %v, want NaN", v)
	}
	if v, _ := EMD2Grad([]float64{0, math.NaN(), 1}, q); !math.IsNaN(v) {
		t.Errorf("EMD2Grad with NaN = %v, want NaN", v)
	}
}

func TestEMD2_Panics(t *testing.T) {
	tests := []struct {
		name string
		f    func()
		want string
	}{
		{"EMD2/ErrLength", func() { EMD2([]float64{1}, []float64{1, 0}) }, errLength},
		{"EMD2/ErrEmpty", func() { EMD2(nil, nil) }, errEmpty},
		{"RPS/ErrLength", func() { RPS([]float64{1, 0}, []float64{1}) }, errLength},
		{"EMD2Grad/ErrLength", func() { EMD2Grad([]float64{1, 2}, []float64{1}) }, errLength},
		{"RPSGrad/ErrEmpty", func() { RPSGrad(nil, nil) }, errEmpty},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantPanic(t, tt.want, tt.f) })
	}
}

func TestNorm_String(t *testing.T) {
	for n, want := range map[Norm]string{NormMean: "mean", NormSum: "sum", Norm(7): "Norm(7)"} {
		if got := n.String(); got != want {
			t.Errorf("Norm(%d).String() = %q, want %q", int(n), got, want)
		}
	}
}
