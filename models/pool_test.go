package models

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestPoolPlane checks every path of poolPlane (2×2/2 floor, 3×3/2 floor
// and ceil, over one chunk of columns or several, the general loop) against refMaxPool on planes of odd and even
// sizes, with and without the ReLU, in both dtypes: the pooled values bit
// for bit (the maximum plus the bias, then the ReLU) and the offset of the
// first maximum. Quantised inputs make ties, and zeros of both signs.
func TestPoolPlane(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	type win struct{ k, s int }
	wins := []win{{2, 2}, {3, 2}, {1, 1}, {2, 1}, {3, 1}, {3, 3}, {4, 3}, {5, 2}}
	for _, w := range wins {
		for _, ceil := range []bool{false, true} {
			for _, oh := range []int{w.k, w.k + 1, 5, 6, 7, 14, 15, 28, 56, 131} {
				if oh < w.k {
					continue
				}
				ow := []int{oh, oh + 1, w.k, 13}[rng.IntN(4)]
				if oh == 131 {
					ow = 260 + rng.IntN(3) // more output columns than pool3x3f32 takes at once
				}
				ow = max(ow, w.k)
				for _, ties := range []bool{false, true} {
					for _, relu := range []bool{false, true} {
						name := fmt.Sprintf("%dx%d/%d/ceil%t/%dx%d/ties%t/relu%t", w.k, w.k, w.s, ceil, oh, ow, ties, relu)
						plane := randSlice(rng, oh*ow)
						if ties {
							for i, v := range plane {
								plane[i] = math.Round(v*2) / 2 // −1, −0.5, ±0, 0.5, 1
							}
						}
						bo := 2*rng.Float64() - 1
						checkPoolPlane(t, name, plane, oh, ow, w.k, w.s, ceil, relu, bo)
					}
				}
			}
		}
	}
}

func checkPoolPlane(t *testing.T, name string, plane []float64, oh, ow, k, s int, ceil, relu bool, bo float64) {
	t.Helper()
	xs := shape4{1, 1, oh, ow}
	for _, f32 := range []bool{false, true} {
		// The reference pools the values as the dtype holds them.
		in := append([]float64(nil), plane...)
		if f32 {
			for i, v := range in {
				in[i] = float64(float32(v))
			}
		}
		ref, ys, arg := refMaxPool(in, xs, k, s, ceil)
		op := &convOp{g: convGeom{OH: oh, OW: ow}, pool: poolGeom{K: k, S: s, Ceil: ceil, PH: ys[2], PW: ys[3]}, relu: relu}
		if op.pool.PH != poolSize(oh, k, s, ceil) || op.pool.PW != poolSize(ow, k, s, ceil) {
			t.Fatalf("%s: reference pools to %d×%d, poolSize to %d×%d", name, ys[2], ys[3], poolSize(oh, k, s, ceil), poolSize(ow, k, s, ceil))
		}
		n := ys[2] * ys[3]
		gotArg := make([]int32, n)
		got := make([]float64, n)
		want := make([]float64, n)
		if f32 {
			p32, out := make([]float32, len(in)), make([]float32, n)
			for i, v := range in {
				p32[i] = float32(v)
			}
			poolPlane(op, p32, float32(bo), out, gotArg)
			for i := range out {
				got[i] = float64(out[i])
				v := float32(ref[i]) + float32(bo)
				if relu {
					v = max(v, 0)
				}
				want[i] = float64(v)
			}
		} else {
			poolPlane(op, in, bo, got, gotArg)
			for i := range ref {
				want[i] = act(relu, ref[i]+bo)
			}
		}
		for i := range got {
			if math.Float64bits(got[i]) != math.Float64bits(want[i]) || int(gotArg[i]) != arg[i] {
				t.Fatalf("%s float32 %t: output %d is %v at %d, want %v at %d", name, f32, i, got[i], gotArg[i], want[i], arg[i])
			}
		}
	}
}
