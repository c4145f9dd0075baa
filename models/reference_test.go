package models

import "math"

// Plain-Go references for the operations the networks use: slow, obvious
// loops over NCHW arrays, each with its adjoint (the gradient of
// Σ out ⊙ r with respect to the inputs) derived by hand. The adjoints are
// themselves checked against central finite differences in ops_test.go.

// shape4 is an NCHW shape.
type shape4 [4]int

func (s shape4) size() int             { return s[0] * s[1] * s[2] * s[3] }
func (s shape4) at(n, c, i, j int) int { return ((n*s[1]+c)*s[2]+i)*s[3] + j }

// refConv is the cross-correlation with zero padding and stride, no bias:
//
//	y[n,o,i,j] = Σ_{c,u,v} w[o,c,u,v] · x[n, c, i·s+u−pad, j·s+v−pad]
func refConv(x []float64, xs shape4, w []float64, ws shape4, pad, stride int) ([]float64, shape4) {
	ys := shape4{xs[0], ws[0], (xs[2]+2*pad-ws[2])/stride + 1, (xs[3]+2*pad-ws[3])/stride + 1}
	y := make([]float64, ys.size())
	for n := 0; n < ys[0]; n++ {
		for o := 0; o < ys[1]; o++ {
			for i := 0; i < ys[2]; i++ {
				for j := 0; j < ys[3]; j++ {
					var s float64
					for c := 0; c < xs[1]; c++ {
						for u := 0; u < ws[2]; u++ {
							for v := 0; v < ws[3]; v++ {
								r, q := i*stride+u-pad, j*stride+v-pad
								if r >= 0 && r < xs[2] && q >= 0 && q < xs[3] {
									s += w[ws.at(o, c, u, v)] * x[xs.at(n, c, r, q)]
								}
							}
						}
					}
					y[ys.at(n, o, i, j)] = s
				}
			}
		}
	}
	return y, ys
}

// refConvAdjoint returns the gradients of Σ y ⊙ dy, y = refConv(x, w), with
// respect to x and w.
func refConvAdjoint(x []float64, xs shape4, w []float64, ws shape4, pad, stride int, dy []float64) (dx, dw []float64) {
	ys := shape4{xs[0], ws[0], (xs[2]+2*pad-ws[2])/stride + 1, (xs[3]+2*pad-ws[3])/stride + 1}
	dx, dw = make([]float64, len(x)), make([]float64, len(w))
	for n := 0; n < ys[0]; n++ {
		for o := 0; o < ys[1]; o++ {
			for i := 0; i < ys[2]; i++ {
				for j := 0; j < ys[3]; j++ {
					g := dy[ys.at(n, o, i, j)]
					for c := 0; c < xs[1]; c++ {
						for u := 0; u < ws[2]; u++ {
							for v := 0; v < ws[3]; v++ {
								r, q := i*stride+u-pad, j*stride+v-pad
								if r >= 0 && r < xs[2] && q >= 0 && q < xs[3] {
									dw[ws.at(o, c, u, v)] += g * x[xs.at(n, c, r, q)]
									dx[xs.at(n, c, r, q)] += g * w[ws.at(o, c, u, v)]
								}
							}
						}
					}
				}
			}
		}
	}
	return dx, dw
}

// refAddBias adds b[c] to every x[n,c,·,·] (per channel).
func refAddBias(x []float64, xs shape4, b []float64) []float64 {
	y := append([]float64(nil), x...)
	for i := range y {
		y[i] += b[i/(xs[2]*xs[3])%xs[1]]
	}
	return y
}

// refBiasAdjoint is the gradient of Σ (x + b) ⊙ dy with respect to b.
func refBiasAdjoint(xs shape4, dy []float64) []float64 {
	db := make([]float64, xs[1])
	for i, g := range dy {
		db[i/(xs[2]*xs[3])%xs[1]] += g
	}
	return db
}

// refReLU is max(x, 0); its adjoint passes dy where x > 0.
func refReLU(x []float64) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = math.Max(v, 0)
	}
	return y
}

func refReLUAdjoint(x, dy []float64) []float64 {
	dx := make([]float64, len(x))
	for i, v := range x {
		if v > 0 {
			dx[i] = dy[i]
		}
	}
	return dx
}

// refMaxPool is the k×k max-pool with stride s and no padding; ceil rounds
// the output size up and clips the last windows at the border. It also
// returns, per output, the flat index of the first maximum in the window.
func refMaxPool(x []float64, xs shape4, k, s int, ceil bool) ([]float64, shape4, []int) {
	out := func(n int) int {
		if ceil {
			return int(math.Ceil(float64(n-k)/float64(s))) + 1
		}
		return (n-k)/s + 1
	}
	ys := shape4{xs[0], xs[1], out(xs[2]), out(xs[3])}
	y := make([]float64, ys.size())
	arg := make([]int, ys.size())
	for n := 0; n < ys[0]; n++ {
		for c := 0; c < ys[1]; c++ {
			for i := 0; i < ys[2]; i++ {
				for j := 0; j < ys[3]; j++ {
					best := -1
					for u := 0; u < k && i*s+u < xs[2]; u++ {
						for v := 0; v < k && j*s+v < xs[3]; v++ {
							at := xs.at(n, c, i*s+u, j*s+v)
							if best < 0 || x[at] > x[best] {
								best = at
							}
						}
					}
					y[ys.at(n, c, i, j)], arg[ys.at(n, c, i, j)] = x[best], best
				}
			}
		}
	}
	return y, ys, arg
}

// refMaxPoolAdjoint routes each dy to the maximum of its window.
func refMaxPoolAdjoint(xs shape4, arg []int, dy []float64) []float64 {
	dx := make([]float64, xs.size())
	for i, a := range arg {
		dx[a] += dy[i]
	}
	return dx
}

// refLRN is local response normalisation across channels (see LRN):
//
//	y_c = x_c · s_c^(−β),  s_c = K + (α/n) Σ_{|c'−c| ≤ n/2} x_{c'}²
func refLRN(x []float64, xs shape4, l LRN) []float64 {
	y := make([]float64, len(x))
	for n := 0; n < xs[0]; n++ {
		for c := 0; c < xs[1]; c++ {
			for i := 0; i < xs[2]; i++ {
				for j := 0; j < xs[3]; j++ {
					at := xs.at(n, c, i, j)
					y[at] = x[at] * math.Pow(lrnScale(x, xs, l, n, c, i, j), -l.Beta)
				}
			}
		}
	}
	return y
}

// lrnScale is s_c of refLRN at (n, c, i, j).
func lrnScale(x []float64, xs shape4, l LRN, n, c, i, j int) float64 {
	var sum float64
	for d := max(0, c-l.Size/2); d <= min(xs[1]-1, c+l.Size/2); d++ {
		v := x[xs.at(n, d, i, j)]
		sum += v * v
	}
	return l.K + l.Alpha/float64(l.Size)*sum
}

// refLRNAdjoint is the gradient of Σ y ⊙ g, y = refLRN(x), by hand:
//
//	∂/∂x_j = g_j s_j^(−β) − (2αβ/n) x_j Σ_{|c−j| ≤ n/2} g_c x_c s_c^(−β−1)
func refLRNAdjoint(x []float64, xs shape4, l LRN, g []float64) []float64 {
	dx := make([]float64, len(x))
	for n := 0; n < xs[0]; n++ {
		for i := 0; i < xs[2]; i++ {
			for j := 0; j < xs[3]; j++ {
				s := make([]float64, xs[1])
				for c := range s {
					s[c] = lrnScale(x, xs, l, n, c, i, j)
				}
				for jc := 0; jc < xs[1]; jc++ {
					at := xs.at(n, jc, i, j)
					var cross float64
					for c := max(0, jc-l.Size/2); c <= min(xs[1]-1, jc+l.Size/2); c++ {
						ac := xs.at(n, c, i, j)
						cross += g[ac] * x[ac] * math.Pow(s[c], -l.Beta-1)
					}
					dx[at] = g[at]*math.Pow(s[jc], -l.Beta) - 2*l.Alpha*l.Beta/float64(l.Size)*x[at]*cross
				}
			}
		}
	}
	return dx
}

// refDense is x·w (x: rows×in, w: in×out) plus b per column.
func refDense(x []float64, rows, in int, w []float64, out int, b []float64) []float64 {
	y := make([]float64, rows*out)
	for r := 0; r < rows; r++ {
		for o := 0; o < out; o++ {
			s := 0.0
			if b != nil {
				s = b[o]
			}
			for k := 0; k < in; k++ {
				s += x[r*in+k] * w[k*out+o]
			}
			y[r*out+o] = s
		}
	}
	return y
}

// refDenseAdjoint returns the gradients of Σ refDense(x, w, b) ⊙ dy with
// respect to x, w and b: dy·wᵀ, xᵀ·dy and the column sums of dy.
func refDenseAdjoint(x []float64, rows, in int, w []float64, out int, dy []float64) (dx, dw, db []float64) {
	dx, dw, db = make([]float64, rows*in), make([]float64, in*out), make([]float64, out)
	for r := 0; r < rows; r++ {
		for o := 0; o < out; o++ {
			g := dy[r*out+o]
			db[o] += g
			for k := 0; k < in; k++ {
				dx[r*in+k] += g * w[k*out+o]
				dw[k*out+o] += g * x[r*in+k]
			}
		}
	}
	return dx, dw, db
}
