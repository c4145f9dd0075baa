package models

import (
	"runtime"
	"sync"

	"gonum.org/v1/gonum/blas"
	G "gorgonia.org/gorgonia"
)

// Plain-Go kernels of the fused convolution block (fused_conv.go), generic
// over the two float types. Matrix products go to package gemm (float32)
// or to the BLAS that gorgonia uses (float64), and to OpenBLAS for both
// with the openblas build tag (gemm below).
//
// The block works one sample at a time, as Caffe does: the patch matrix of
// one sample (C·K·K × OH·OW: 288×256 floats for the second layer of the
// small CNN) stays in the core's cache between im2col and the product, the
// product's result is already that sample's NCHW output, and the samples
// are shared among GOMAXPROCS goroutines, each with its own scratch
// buffers. (One product over the whole batch, with a 19 MB patch matrix,
// ran the BLAS at 60% of the speed it reaches on per-sample products.)

// float is the element type of a network.
type float interface{ ~float32 | ~float64 }

// convGeom is the geometry of one convolution: input B×C×H×W, filters
// O×C×K×K, zero padding Pad, stride S, output B×O×OH×OW.
type convGeom struct {
	B, C, H, W   int
	O, K, Pad, S int
	OH, OW       int
	rows, p      int // rows = C·K·K (patch-matrix rows), p = OH·OW (its columns)
}

func newConvGeom(b, c, h, w, o, k, pad, s int) convGeom {
	g := convGeom{B: b, C: c, H: h, W: w, O: o, K: k, Pad: pad, S: s}
	g.OH = (h+2*pad-k)/s + 1
	g.OW = (w+2*pad-k)/s + 1
	g.rows = c * k * k
	g.p = g.OH * g.OW
	return g
}

// im2col writes the rows×p patch matrix of one C×H×W sample x:
//
//	col[(c·K+u)·K+v][i·OW + j] = x[c, i·S+u−Pad, j·S+v−Pad]  (0 outside)
func im2col[T float](g convGeom, x, col []T) {
	same := g.S == 1 && g.OH == g.H && g.OW == g.W
	for r := 0; r < g.rows; r++ {
		c, u, v := r/(g.K*g.K), r/g.K%g.K, r%g.K
		if same {
			shiftPlane(g, x[c*g.H*g.W:][:g.H*g.W], col[r*g.p:][:g.p], u-g.Pad, v-g.Pad)
			continue
		}
		patchRows(g, x[c*g.H*g.W:][:g.H*g.W], col[r*g.p:][:g.p], u, v)
	}
}

// shiftPlane is patchRows for a stride-1 convolution whose output has the
// input's size ("same" padding): the row is the plane shifted by (du, dv),
// out[i·W+j] = plane[(i+du)·W + j+dv], zero outside. It copies all the
// rows at once and then zeroes the columns that wrapped around.
func shiftPlane[T float](g convGeom, plane, out []T, du, dv int) {
	w, h := g.W, g.H
	i0, i1 := max(0, -du), min(h, h-du) // output rows that read inside the plane
	if i1 <= i0 || dv <= -w || dv >= w {
		clear(out)
		return
	}
	clear(out[:i0*w])
	clear(out[i1*w:])
	lo, hi := i0*w+max(0, -dv), i1*w-max(0, dv)
	copy(out[lo:hi], plane[lo+du*w+dv:hi+du*w+dv])
	for i := i0; i < i1; i++ {
		row := out[i*w:][:w]
		if dv < 0 {
			clear(row[:-dv])
		} else if dv > 0 {
			clear(row[w-dv:])
		}
	}
}

// patchRows fills one patch-matrix row from one channel plane:
// out[i·OW+j] = plane[i·S+u−Pad][j·S+v−Pad], 0 outside the plane.
func patchRows[T float](g convGeom, plane, out []T, u, v int) {
	for i := 0; i < g.OH; i++ {
		dst := out[i*g.OW:][:g.OW]
		r := i*g.S + u - g.Pad
		if r < 0 || r >= g.H {
			clear(dst)
			continue
		}
		src := plane[r*g.W:][:g.W]
		if g.S == 1 {
			// columns j with 0 ≤ j+v−Pad < W
			lo, hi := max(0, g.Pad-v), min(g.OW, g.W+g.Pad-v)
			if hi <= lo {
				clear(dst)
				continue
			}
			clear(dst[:lo])
			copy(dst[lo:hi], src[lo+v-g.Pad:hi+v-g.Pad])
			clear(dst[hi:])
			continue
		}
		// columns j with 0 ≤ j·S+v−Pad < W
		lo := max(0, ceilDiv(g.Pad-v, g.S))
		hi := min(g.OW, ceilDiv(g.W+g.Pad-v, g.S))
		if hi <= lo {
			clear(dst)
			continue
		}
		clear(dst[:lo])
		s := src[lo*g.S+v-g.Pad:]
		for j := range dst[lo:hi] {
			dst[lo+j] = s[j*g.S]
		}
		clear(dst[hi:])
	}
}

// ceilDiv returns ⌈a/b⌉ for b > 0 and any a.
func ceilDiv(a, b int) int {
	if a <= 0 {
		return -(-a / b)
	}
	return (a + b - 1) / b
}

// col2im sets the gradient dx of one C×H×W sample from the gradient dcol of
// its patch matrix: the adjoint of im2col. Each element of dx sums its
// contributions in patch-row order, whichever path computes it.
func col2im[T float](g convGeom, dcol, dx []T) {
	if g.S == 1 {
		col2imStride1(g, dcol, dx)
		return
	}
	col2imRows(g, dcol, dx)
}

// col2imRows is col2im one patch-matrix row at a time.
func col2imRows[T float](g convGeom, dcol, dx []T) {
	clear(dx)
	for r := 0; r < g.rows; r++ {
		c, u, v := r/(g.K*g.K), r/g.K%g.K, r%g.K
		addPatchRows(g, dcol[r*g.p:][:g.p], dx[c*g.H*g.W:][:g.H*g.W], u, v)
	}
}

// col2imStride1 is col2im for stride 1. The K patch rows (c, u, 0..K−1)
// add shifted copies of one output row into the same input row; it adds
// them up element by element, in v order, and writes each element once,
// instead of K passes over the row. The additions into each element happen
// in the order of col2imRows, so the result is the same bit for bit.
func col2imStride1[T float](g convGeom, dcol, dx []T) {
	clear(dx)
	k, w, ow, pad := g.K, g.W, g.OW, g.Pad
	// Columns x of the input row that every v reaches: 0 ≤ x+pad−v < OW.
	x0, x1 := max(0, k-1-pad), min(w, ow-pad)
	var src [8][]T
	for c := 0; c < g.C; c++ {
		plane := dx[c*g.H*w:][:g.H*w]
		for u := 0; u < k; u++ {
			first := (c*k + u) * k // patch row (c, u, 0)
			for i := 0; i < g.OH; i++ {
				row := i + u - pad
				if row < 0 || row >= g.H {
					continue
				}
				dst := plane[row*w:][:w]
				off := first*g.p + i*ow // dcol[off + v·p + j] is output (i, j) of patch row (c, u, v)
				edge := func(x int) {
					acc := dst[x]
					for v := 0; v < k; v++ {
						if j := x + pad - v; j >= 0 && j < ow {
							acc += dcol[off+v*g.p+j]
						}
					}
					dst[x] = acc
				}
				for x := 0; x < min(x0, w); x++ {
					edge(x)
				}
				if n := x1 - x0; n > 0 {
					d := dst[x0:x1]
					at := func(v int) []T { return dcol[off+v*g.p+x0+pad-v:][:n] }
					switch k {
					case 3:
						s0, s1, s2 := at(0), at(1), at(2)
						for t := range d {
							d[t] = d[t] + s0[t] + s1[t] + s2[t]
						}
					case 5:
						s0, s1, s2, s3, s4 := at(0), at(1), at(2), at(3), at(4)
						for t := range d {
							d[t] = d[t] + s0[t] + s1[t] + s2[t] + s3[t] + s4[t]
						}
					default:
						if k <= len(src) {
							for v := 0; v < k; v++ {
								src[v] = at(v)
							}
							for t := range d {
								acc := d[t]
								for _, sv := range src[:k] {
									acc += sv[t]
								}
								d[t] = acc
							}
						} else {
							for x := x0; x < x1; x++ {
								edge(x)
							}
						}
					}
				}
				for x := max(x0, x1); x < w; x++ {
					edge(x)
				}
			}
		}
	}
}

// addPatchRows is the adjoint of patchRows: plane[i·S+u−Pad][j·S+v−Pad] +=
// in[i·OW+j] wherever the position lies inside the plane.
func addPatchRows[T float](g convGeom, in, plane []T, u, v int) {
	lo, hi := 0, g.OW // columns j that land inside the plane (stride 1)
	if g.S == 1 {
		lo, hi = max(0, g.Pad-v), min(g.OW, g.W+g.Pad-v)
	}
	for i := 0; i < g.OH; i++ {
		r := i*g.S + u - g.Pad
		if r < 0 || r >= g.H {
			continue
		}
		dst := plane[r*g.W:][:g.W]
		src := in[i*g.OW:][:g.OW]
		if g.S == 1 {
			if hi > lo {
				d := dst[lo+v-g.Pad : hi+v-g.Pad]
				for j, x := range src[lo:hi] {
					d[j] += x
				}
			}
			continue
		}
		for j, x := range src {
			if cc := j*g.S + v - g.Pad; cc >= 0 && cc < g.W {
				dst[cc] += x
			}
		}
	}
}

// parallelMinWork is the least total work (items × work per item) that
// parallelFor spreads over goroutines; tests lower it to exercise the
// parallel paths on small inputs.
var parallelMinWork = 1 << 15

// workers returns how many chunks parallelFor splits n items of the given
// work into.
func workers(n, work int) int {
	p := min(runtime.GOMAXPROCS(0), n)
	if p <= 1 || n*work < parallelMinWork {
		return 1
	}
	return p
}

// parallelFor calls f(w, lo, hi) on consecutive chunks [lo, hi) of [0, n),
// chunk w of workers(n, work), each on its own goroutine (one chunk runs
// on the caller's). Each f must write only what its chunk owns; w indexes
// per-worker scratch.
func parallelFor(n, work int, f func(w, lo, hi int)) {
	p := workers(n, work)
	if p == 1 {
		f(0, 0, n)
		return
	}
	var wg sync.WaitGroup
	for i := 1; i < p; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(i, i*n/p, (i+1)*n/p)
		}()
	}
	f(0, 0, n/p)
	wg.Wait()
}

// gemm computes c = alpha·op(a)·op(b) + beta·c for row-major matrices, op
// transposing when the flag says so; op(a) is m×k, op(b) k×n. float32
// products go to sgemm (package gemm, or OpenBLAS with the openblas tag;
// see blas_gonum.go and blas_openblas.go), float64 ones to the BLAS that
// gorgonia uses.
func gemm[T float](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	switch av := any(a).(type) {
	case []float32:
		sgemm(transA, transB, m, n, k, float32(alpha), av, lda, any(b).([]float32), ldb, float32(beta), any(c).([]float32), ldc)
	case []float64:
		ta, tb := blas.NoTrans, blas.NoTrans
		if transA {
			ta = blas.Trans
		}
		if transB {
			tb = blas.Trans
		}
		G.WhichBLAS().Dgemm(ta, tb, m, n, k, float64(alpha), av, lda, any(b).([]float64), ldb, float64(beta), any(c).([]float64), ldc)
	}
}

// sharedA is the left operand op(A), m×k, of a run of products op(A)·B_n
// that share it, as a convolution's filter matrix is shared by the
// products of every sample: float32 matrices are packed once (packedSgemm;
// the products give what gemm gives, bit for bit), float64 ones are kept
// as given.
type sharedA[T float] struct {
	trans  bool
	m, k   int
	a      []T
	lda    int
	packed *packedSgemm // float32 only
}

// shareA prepares op(A) for products with mul, packing a float32 A into
// buf (whose storage it reuses from run to run).
func shareA[T float](buf *packedSgemm, trans bool, m, k int, a []T, lda int) sharedA[T] {
	s := sharedA[T]{trans: trans, m: m, k: k, a: a, lda: lda}
	if a32, ok := any(a).([]float32); ok {
		buf.Pack(trans, m, k, a32, lda)
		s.packed = buf
	}
	return s
}

// mul sets c = op(A)·op(b) + beta·c, op(b) k×n: gemm with alpha 1 and the
// shared A. Several goroutines may call it at once.
func (s sharedA[T]) mul(transB bool, n int, b []T, ldb int, beta T, c []T, ldc int) {
	if s.packed != nil {
		s.packed.Sgemm(transB, n, 1, any(b).([]float32), ldb, float32(beta), any(c).([]float32), ldc)
		return
	}
	gemm(s.trans, transB, s.m, n, s.k, 1, s.a, s.lda, b, ldb, beta, c, ldc)
}
