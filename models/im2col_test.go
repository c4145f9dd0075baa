package models

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// im2colCases draws convolution geometries for the patch-matrix tests:
// kernels 1–9, strides 1–4, paddings 0 to K (wider than "same"), planes
// down to one pixel.
func im2colCases(rng *rand.Rand) []convGeom {
	var out []convGeom
	for len(out) < 300 {
		k := 1 + rng.IntN(9)
		s := 1 + rng.IntN(4)
		if rng.IntN(2) == 0 {
			s = 1 // the path of the stride-1 layers, more often
		}
		pad := rng.IntN(k + 1)
		h, w := 1+rng.IntN(14), 1+rng.IntN(14)
		if h+2*pad < k || w+2*pad < k {
			continue
		}
		out = append(out, newConvGeom(1, 1+rng.IntN(3), h, w, 1+rng.IntN(2), k, pad, s))
	}
	// the face AlexNet's layers, one channel
	return append(out, newConvGeom(1, 1, 227, 227, 1, 7, 0, 4), newConvGeom(1, 1, 28, 28, 1, 5, 2, 1),
		newConvGeom(1, 1, 14, 14, 1, 3, 1, 1))
}

// refPatch is the patch-matrix entry (r, i·OW+j) of the definition of
// im2col: x[c, i·S+u−Pad, j·S+v−Pad], 0 outside the plane; ok reports
// whether the position lies inside, at returns its offset in x.
func refPatch(g convGeom, r, i, j int) (at int, ok bool) {
	c, u, v := r/(g.K*g.K), r/g.K%g.K, r%g.K
	y, x := i*g.S+u-g.Pad, j*g.S+v-g.Pad
	if y < 0 || y >= g.H || x < 0 || x >= g.W {
		return 0, false
	}
	return (c*g.H+y)*g.W + x, true
}

// TestIm2col checks im2col against its definition in both dtypes, the
// patch matrix starting out full of NaNs (every entry must be written).
func TestIm2col(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 41))
	for _, g := range im2colCases(rng) {
		x := randSlice(rng, g.C*g.H*g.W)
		col := make([]float64, g.rows*g.p)
		for i := range col {
			col[i] = math.NaN()
		}
		im2col(g, x, col)
		x32, col32 := make([]float32, len(x)), make([]float32, len(col))
		for i, v := range x {
			x32[i] = float32(v)
		}
		for i := range col32 {
			col32[i] = float32(math.NaN())
		}
		im2col(g, x32, col32)
		for r := 0; r < g.rows; r++ {
			for i := 0; i < g.OH; i++ {
				for j := 0; j < g.OW; j++ {
					want := 0.0
					if at, ok := refPatch(g, r, i, j); ok {
						want = x[at]
					}
					e := r*g.p + i*g.OW + j
					if col[e] != want || col32[e] != float32(want) {
						t.Fatalf("%+v: entry (%d, %d, %d) is %v (float32 %v), want %v", g, r, i, j, col[e], col32[e], want)
					}
				}
			}
		}
	}
}

// TestCol2im checks col2im against the adjoint of the definition of
// im2col (float64, to rounding) and, in both dtypes, against col2imRows,
// the one-row-at-a-time path, bit for bit, dx starting out full of NaNs.
func TestCol2im(t *testing.T) {
	rng := rand.New(rand.NewPCG(42, 42))
	for _, g := range im2colCases(rng) {
		name := fmt.Sprintf("%+v", g)
		dcol := randSlice(rng, g.rows*g.p)
		want := make([]float64, g.C*g.H*g.W)
		for r := 0; r < g.rows; r++ {
			for i := 0; i < g.OH; i++ {
				for j := 0; j < g.OW; j++ {
					if at, ok := refPatch(g, r, i, j); ok {
						want[at] += dcol[r*g.p+i*g.OW+j]
					}
				}
			}
		}
		nan := func(n int) []float64 {
			s := make([]float64, n)
			for i := range s {
				s[i] = math.NaN()
			}
			return s
		}
		got, rows := nan(len(want)), nan(len(want))
		col2im(g, dcol, got)
		col2imRows(g, dcol, rows)
		checkClose(t, name+" col2im vs the adjoint", got, want, 1e-12)
		sameBits(t, name+" col2im vs col2imRows, float64", got, rows)

		d32 := make([]float32, len(dcol))
		for i, v := range dcol {
			d32[i] = float32(v)
		}
		got32, rows32 := make([]float32, len(want)), make([]float32, len(want))
		for i := range got32 {
			got32[i], rows32[i] = float32(math.NaN()), float32(math.NaN())
		}
		col2im(g, d32, got32)
		col2imRows(g, d32, rows32)
		for i := range got32 {
			if math.Float32bits(got32[i]) != math.Float32bits(rows32[i]) {
				t.Fatalf("%s float32: col2im entry %d is %v, col2imRows %v", name, i, got32[i], rows32[i])
			}
		}
	}
}
