package models

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// lrnCases are LRN settings and input shapes for the fused op's tests:
// even and odd channel counts and plane sizes, windows wider than the
// channels, a single channel, and the face AlexNet's first normalisation
// (CaffeLRN on 96 channels of 27×27).
func lrnCases(rng *rand.Rand) []struct {
	l  LRN
	xs shape4
} {
	type lc = struct {
		l  LRN
		xs shape4
	}
	cases := []lc{
		{CaffeLRN, shape4{2, 96, 27, 27}},
		{CaffeLRN, shape4{3, 8, 4, 6}},
		{LRN{Size: 5, Alpha: 2, Beta: 0.75, K: 1}, shape4{2, 4, 2, 2}},
		{LRN{Size: 3, Alpha: 0.9, Beta: 0.6, K: 1.5}, shape4{1, 1, 3, 3}},
		{LRN{Size: 1, Alpha: 1, Beta: 1, K: 2}, shape4{2, 5, 1, 4}},
		{LRN{Size: 7, Alpha: 0.5, Beta: 0.75, K: 0.5}, shape4{2, 6, 3, 2}},
	}
	for range 6 {
		l := LRN{Size: 2*rng.IntN(4) + 1, Alpha: 3 * rng.Float64(), Beta: rng.Float64(), K: 0.2 + 2*rng.Float64()}
		if rng.IntN(2) == 0 {
			l.Beta = 0.75
		}
		cases = append(cases, lc{l, shape4{1 + rng.IntN(4), 1 + rng.IntN(12), 1 + rng.IntN(6), 1 + rng.IntN(6)}})
	}
	return cases
}

// TestFusedLRN checks the fused LRN op's values and gradient (of Σ y ⊙ r)
// in both dtypes against refLRN and refLRNAdjoint, and runs each graph
// twice to check that a rerun is bit-identical.
func TestFusedLRN(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 21))
	for _, c := range lrnCases(rng) {
		t.Run(fmt.Sprintf("size%d/alpha%.3g/beta%.3g/k%.3g/%v", c.l.Size, c.l.Alpha, c.l.Beta, c.l.K, c.xs), func(t *testing.T) {
			// inputs of magnitude up to 3, so that the normalisation matters
			x := scaled(randSlice(rng, c.xs.size()), 3)
			r := randSlice(rng, len(x))
			want := refLRN(x, c.xs, c.l)
			wantGrad := refLRNAdjoint(x, c.xs, c.l, r)
			build := func(n G.Nodes) (*G.Node, error) { return c.l.build(n[0]) }
			for _, tc := range []struct {
				dt  tensor.Dtype
				tol float64
			}{{tensor.Float64, 1e-10}, {tensor.Float32, 1e-4}} {
				in := []opInput{{x, c.xs[:], true}}
				got, grads := runOp(t, tc.dt, in, r, build)
				checkClose(t, fmt.Sprintf("%v value", tc.dt), got, want, tc.tol)
				checkClose(t, fmt.Sprintf("%v gradient", tc.dt), grads[0], wantGrad, tc.tol)
			}
		})
	}
}

// TestFusedLRNRerun runs one training graph with the fused LRN twice: the
// value and gradient of the second run equal the first bit for bit.
func TestFusedLRNRerun(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 23))
	xs := shape4{3, 10, 5, 4}
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		g := G.NewGraph()
		xn := G.NodeFromAny(g, denseOf(dt, scaled(randSlice(rng, xs.size()), 3), xs[:]...), G.WithName("x"))
		rn := G.NodeFromAny(g, denseOf(dt, randSlice(rng, xs.size()), xs[:]...), G.WithName("r"))
		y, err := CaffeLRN.build(xn)
		if err != nil {
			t.Fatal(err)
		}
		prod, err := G.HadamardProd(y, rn)
		if err != nil {
			t.Fatal(err)
		}
		loss, err := G.Sum(prod)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := G.Grad(loss, xn); err != nil {
			t.Fatal(err)
		}
		var yv G.Value
		G.Read(y, &yv)
		vm := G.NewTapeMachine(g, G.BindDualValues(xn))
		var ys, gs [2][]float64
		for i := range 2 {
			if err := vm.RunAll(); err != nil {
				t.Fatal(err)
			}
			gv, err := xn.Grad()
			if err != nil {
				t.Fatal(err)
			}
			ys[i], gs[i] = float64s(yv), float64s(gv)
			switch d := gv.Data().(type) {
			case []float64:
				clear(d)
			case []float32:
				clear(d)
			}
			vm.Reset()
		}
		vm.Close()
		for i := range ys[0] {
			if ys[0][i] != ys[1][i] || gs[0][i] != gs[1][i] {
				t.Fatalf("%v: rerun differs at %d: value %v vs %v, gradient %v vs %v", dt, i, ys[0][i], ys[1][i], gs[0][i], gs[1][i])
			}
		}
	}
}

// TestFusedLRNFiniteDifferences checks the fused op's gradient against
// central finite differences of the op's own forward, in float64.
func TestFusedLRNFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(22, 22))
	for _, c := range []struct {
		l  LRN
		xs shape4
	}{
		{CaffeLRN, shape4{2, 8, 2, 3}},
		{LRN{Size: 5, Alpha: 2, Beta: 0.75, K: 1}, shape4{2, 6, 2, 2}},
		{LRN{Size: 3, Alpha: 0.9, Beta: 0.6, K: 1.5}, shape4{1, 7, 3, 2}},
	} {
		t.Run(fmt.Sprintf("size%d/alpha%g/%v", c.l.Size, c.l.Alpha, c.xs), func(t *testing.T) {
			x := scaled(randSlice(rng, c.xs.size()), 3)
			r := randSlice(rng, len(x))
			op := &lrnOp{id: opIDs.Add(1), l: c.l, shape: tensor.Shape(c.xs[:]).Clone()}
			forward := func(v []float64) []float64 {
				y, err := op.Do(denseOf(tensor.Float64, v, c.xs[:]...))
				if err != nil {
					t.Fatal(err)
				}
				return append([]float64(nil), y.Data().([]float64)...)
			}
			want := fdAdjoint(forward, x, r)
			_, grads := runOp(t, tensor.Float64, []opInput{{x, c.xs[:], true}}, r,
				func(n G.Nodes) (*G.Node, error) { return c.l.build(n[0]) })
			checkClose(t, "gradient vs finite differences", grads[0], want, fdRefTol)
		})
	}
}

// TestWindowSum checks windowSum's unrolled windows against one pass per
// plane, bit for bit, in both dtypes, for windows of one to seven planes.
func TestWindowSum(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 23))
	for planes := 1; planes <= 9; planes++ {
		for _, hw := range []int{1, 7, 49} {
			src := randSlice(rng, planes*hw)
			src32 := make([]float32, len(src))
			for i, v := range src {
				src32[i] = float32(v)
			}
			for d0 := 0; d0 < planes; d0++ {
				for d1 := d0 + 1; d1 <= min(planes, d0+7); d1++ {
					want, want32 := make([]float64, hw), make([]float32, hw)
					copy(want, src[d0*hw:][:hw])
					copy(want32, src32[d0*hw:][:hw])
					for d := d0 + 1; d < d1; d++ {
						for i := range want {
							want[i] += src[d*hw+i]
							want32[i] += src32[d*hw+i]
						}
					}
					got, got32 := make([]float64, hw), make([]float32, hw)
					windowSum(got, src, hw, d0, d1)
					windowSum(got32, src32, hw, d0, d1)
					name := fmt.Sprintf("planes %d..%d of %d, %d per plane", d0, d1, planes, hw)
					sameBits(t, name, got, want)
					for i := range got32 {
						if math.Float32bits(got32[i]) != math.Float32bits(want32[i]) {
							t.Fatalf("%s float32: entry %d is %v, want %v", name, i, got32[i], want32[i])
						}
					}
				}
			}
		}
	}
}
