package models

import (
	"fmt"
	"hash"
	"math"
	"runtime"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The fused convolution block: one gorgonia op computes
//
//	z[n,o,i,j] = b[o] + Σ_{c,u,v} w[o,c,u,v] · x[n, c, i·S+u−Pad, j·S+v−Pad]
//	y = ReLU(z)                      (or y = z without the ReLU)
//	y ← max-pool(y)                  (when the block pools)
//
// as one patch-matrix product Z_n = W·col_n per sample (W: O×(C·K·K),
// col_n: (C·K·K)×(OH·OW)) followed by one pass over Z_n that adds the bias,
// applies the ReLU and pools, writing the NCHW output. Pooling after a ReLU
// equals the ReLU of the pooled pre-activations, so the pass pools Z and
// remembers where each window's maximum was. The block works sample by
// sample (see kernels.go). Its gradient is four small ops; three share the
// gradient of the pre-activations, dz (B×O×OH×OW):
//
//	dz = dy routed to each window's maximum, ⊙ [y > 0]
//	dW = Σ_n dz_n · col_nᵀ  (the patch matrices recomputed from x)
//	db = Σ dz over samples and positions
//	dx_n = col2im(Wᵀ · dz_n)
//
// gorgonia's own Conv2d does the same product but then transposes the
// result (a strided copy through its iterator), adds the bias with a
// broadcast that materialises a repeated copy, applies the ReLU as a
// comparison plus a product and pools in a further op: several full passes
// over the largest tensors of the network, forward and backward, each into
// a freshly allocated tensor.

// poolGeom is the max-pool of a fused block: window K, stride S; Ceil
// rounds the pooled size up (Caffe) and clips the last window at the
// border, otherwise windows never cross it. K == 0: no pooling.
type poolGeom struct {
	K, S   int
	Ceil   bool
	PH, PW int
}

// poolSize returns the pooled length of n for window k, stride s.
func poolSize(n, k, s int, ceil bool) int {
	if ceil {
		return (n-k+s-1)/s + 1
	}
	return (n-k)/s + 1
}

// convOp is the fused convolution block.
type convOp struct {
	id     uint64
	g      convGeom
	pool   poolGeom
	relu   bool
	inGrad bool    // differentiate with respect to x (false for the first layer)
	work   []any   // per worker: *scratch[T]
	y      reused  // the output, reused run after run
	arg    []int32 // pooled blocks: per output, offset of the maximum in its OH×OW plane
	// packW and packWT hold the float32 filter matrix W (forward) and Wᵀ
	// (input gradient), packed once per run for the products of every
	// sample (sharedA).
	packW, packWT packedSgemm
}

// scratch is one worker's buffers, reused from run to run.
type scratch[T float] struct {
	col []T // patch matrix of one sample, rows×p
	z   []T // pre-activations of one sample, O×p
	dw  []T // partial filter gradient, O×rows
}

// workspace returns the per-worker scratch of op, one per possible worker.
func workspace[T float](op *convOp) []*scratch[T] {
	n := runtime.GOMAXPROCS(0)
	out := make([]*scratch[T], n)
	for i := range out {
		if i < len(op.work) {
			out[i], _ = op.work[i].(*scratch[T])
		}
		if out[i] == nil {
			out[i] = &scratch[T]{}
		}
	}
	op.work = op.work[:0]
	for _, s := range out {
		op.work = append(op.work, s)
	}
	return out
}

// grow returns *b resized to n, reallocated only when it is too small.
func grow[T float](b *[]T, n int) []T {
	if cap(*b) < n {
		*b = make([]T, n)
	}
	*b = (*b)[:n]
	return *b
}

// blockOptions configures fusedBlock.
type blockOptions struct {
	pad, stride int
	pool        poolGeom // pool.K == 0: none
	relu        bool
	inGrad      bool // gradient with respect to x (false for a layer reading the data)
}

// fusedBlock adds the fused block of o to the graph of x. x is B×C×H×W, w
// O×C×K×K, b of length O.
func fusedBlock(x, w, b *G.Node, o blockOptions) (*G.Node, error) {
	xs, ws := x.Shape(), w.Shape()
	if xs.Dims() != 4 || ws.Dims() != 4 || ws[1] != xs[1] || ws[2] != ws[3] {
		return nil, fmt.Errorf("fused conv: input %v and filters %v do not fit", xs, ws)
	}
	if b.Shape().TotalSize() != ws[0] {
		return nil, fmt.Errorf("fused conv: %d biases for %d filters", b.Shape().TotalSize(), ws[0])
	}
	op := &convOp{
		id:   opIDs.Add(1),
		g:    newConvGeom(xs[0], xs[1], xs[2], xs[3], ws[0], ws[2], o.pad, o.stride),
		pool: o.pool, relu: o.relu, inGrad: o.inGrad,
	}
	if op.g.OH < 1 || op.g.OW < 1 {
		return nil, fmt.Errorf("fused conv: %d×%d filters do not fit input %v with padding %d", ws[2], ws[3], xs, o.pad)
	}
	if p := &op.pool; p.K > 0 {
		if p.S < 1 || op.g.OH < p.K || op.g.OW < p.K {
			return nil, fmt.Errorf("fused conv: %d/%d pool does not fit a %d×%d map", p.K, p.S, op.g.OH, op.g.OW)
		}
		p.PH, p.PW = poolSize(op.g.OH, p.K, p.S, p.Ceil), poolSize(op.g.OW, p.K, p.S, p.Ceil)
	}
	return G.ApplyOp(op, x, w, b)
}

// tensorType is the gorgonia type of a d-dimensional tensor of the type
// variable a.
func tensorType(d int) G.TensorType {
	return G.TensorType{Dims: d, Of: hm.TypeVariable('a')}
}

// outShape is the shape of the block's output.
func (op *convOp) outShape() tensor.Shape {
	if op.pool.K > 0 {
		return tensor.Shape{op.g.B, op.g.O, op.pool.PH, op.pool.PW}
	}
	return tensor.Shape{op.g.B, op.g.O, op.g.OH, op.g.OW}
}

func (op *convOp) Arity() int { return 3 }
func (op *convOp) Type() hm.Type {
	return hm.NewFnType(tensorType(4), tensorType(4), tensorType(1), tensorType(4))
}
func (op *convOp) InferShape(...G.DimSizer) (tensor.Shape, error) { return op.outShape(), nil }
func (op *convOp) ReturnsPtr() bool                               { return false }
func (op *convOp) CallsExtern() bool                              { return false }
func (op *convOp) OverwritesInput() int                           { return -1 }
func (op *convOp) WriteHash(h hash.Hash)                          { fmt.Fprintf(h, "%v", op) }
func (op *convOp) Hashcode() uint32                               { return hashOf(op) }
func (op *convOp) String() string {
	return fmt.Sprintf("FusedConv{%dx%d/%d pad %d relu %t pool %d/%d ceil %t}#%d",
		op.g.K, op.g.K, op.g.S, op.g.Pad, op.relu, op.pool.K, op.pool.S, op.pool.Ceil, op.id)
}

func (op *convOp) Do(in ...G.Value) (G.Value, error) {
	x, w, b, err := dense3(in)
	if err != nil {
		return nil, err
	}
	y := op.y.get(x.Dtype(), op.outShape())
	switch xd := x.Data().(type) {
	case []float32:
		convForward(op, xd, w.Data().([]float32), b.Data().([]float32), y.Data().([]float32))
	case []float64:
		convForward(op, xd, w.Data().([]float64), b.Data().([]float64), y.Data().([]float64))
	default:
		return nil, fmt.Errorf("%v: unsupported data %T", op, xd)
	}
	return y, nil
}

func convForward[T float](op *convOp, x, w, b, y []T) {
	g := op.g
	if op.pool.K > 0 && len(op.arg) != len(y) {
		op.arg = make([]int32, len(y))
	}
	ws := workspace[T](op)
	wA := shareA(&op.packW, false, g.O, g.rows, w, g.rows)
	parallelFor(g.B, g.O*g.rows*g.p, func(wk, lo, hi int) {
		s := ws[wk]
		col, z := grow(&s.col, g.rows*g.p), grow(&s.z, g.O*g.p)
		for n := lo; n < hi; n++ {
			im2col(g, x[n*g.C*g.H*g.W:][:g.C*g.H*g.W], col)
			wA.mul(false, g.p, col, g.p, 0, z, g.p)
			for o := 0; o < g.O; o++ {
				plane := z[o*g.p:][:g.p]
				if op.pool.K > 0 {
					pp := op.pool.PH * op.pool.PW
					at := (n*g.O + o) * pp
					poolPlane(op, plane, b[o], y[at:][:pp], op.arg[at:][:pp])
					continue
				}
				dst := y[(n*g.O+o)*g.p:][:g.p]
				for i, v := range plane {
					dst[i] = act(op.relu, v+b[o])
				}
			}
		}
	})
}

// pool2x2f32 is poolPlane for 2×2 windows with stride 2 (floor mode) in
// float32; pool2x2f64 is the same in float64. The first maximum in
// row-major order wins ties. The comparisons are made on order-preserving
// integer keys, which compile to conditional moves: on real activations
// they are coin flips that branches would mispredict.
func pool2x2f32(plane []float32, bo float32, out []float32, arg []int32, ow, ph, pw int, relu bool) {
	for i := 0; i < ph; i++ {
		r0 := plane[2*i*ow:][:2*pw]
		r1 := plane[(2*i+1)*ow:][:2*pw]
		o, a := out[i*pw:][:pw], arg[i*pw:][:pw]
		base, down := int32(2*i*ow), int32(ow)
		for j := range o {
			best, at := key32(r0[2*j]), base+int32(2*j)
			if k := key32(r0[2*j+1]); k > best {
				best, at = k, base+int32(2*j+1)
			}
			if k := key32(r1[2*j]); k > best {
				best, at = k, base+down+int32(2*j)
			}
			if k := key32(r1[2*j+1]); k > best {
				best, at = k, base+down+int32(2*j+1)
			}
			v := unkey32(best) + bo
			if relu {
				v = max(v, 0)
			}
			o[j], a[j] = v, at
		}
	}
}

func pool2x2f64(plane []float64, bo float64, out []float64, arg []int32, ow, ph, pw int, relu bool) {
	for i := 0; i < ph; i++ {
		r0 := plane[2*i*ow:][:2*pw]
		r1 := plane[(2*i+1)*ow:][:2*pw]
		o, a := out[i*pw:][:pw], arg[i*pw:][:pw]
		base, down := int32(2*i*ow), int32(ow)
		for j := range o {
			best, at := key64(r0[2*j]), base+int32(2*j)
			if k := key64(r0[2*j+1]); k > best {
				best, at = k, base+int32(2*j+1)
			}
			if k := key64(r1[2*j]); k > best {
				best, at = k, base+down+int32(2*j)
			}
			if k := key64(r1[2*j+1]); k > best {
				best, at = k, base+down+int32(2*j+1)
			}
			v := unkey64(best) + bo
			if relu {
				v = max(v, 0)
			}
			o[j], a[j] = v, at
		}
	}
}

// key32 maps a float32 to an int32 in the same order (−0 and +0 to the
// same key; NaNs above +Inf); unkey32 inverts it. key64 and unkey64 are the
// same for float64.
func key32(v float32) int32 {
	b := int32(math.Float32bits(v + 0)) // v + 0 turns −0 into +0
	return b ^ (b >> 31 & 0x7fffffff)
}

func unkey32(k int32) float32 { return math.Float32frombits(uint32(k ^ (k >> 31 & 0x7fffffff))) }

func key64(v float64) int64 {
	b := int64(math.Float64bits(v + 0))
	return b ^ (b >> 63 & 0x7fffffffffffffff)
}

func unkey64(k int64) float64 {
	return math.Float64frombits(uint64(k ^ (k >> 63 & 0x7fffffffffffffff)))
}

// act is the ReLU when relu is set, the identity otherwise.
func act[T float](relu bool, v T) T {
	if relu {
		return max(v, 0)
	}
	return v
}

// poolPlane max-pools one OH×OW plane of pre-activations (without the bias
// bo), writing act(max + bo) and the offset of the first maximum in
// row-major order. Every path compares the order-preserving integer keys
// of key32 and key64, so that all pick the same maximum.
func poolPlane[T float](op *convOp, plane []T, bo T, out []T, arg []int32) {
	g, p := op.g, op.pool
	switch pl := any(plane).(type) {
	case []float32:
		o := any(out).([]float32)
		switch {
		case p.K == 2 && p.S == 2 && !p.Ceil:
			pool2x2f32(pl, float32(bo), o, arg, g.OW, p.PH, p.PW, op.relu)
		case p.K == 3 && p.S == 2:
			pool3x3f32(pl, float32(bo), o, arg, g.OH, g.OW, p.PH, p.PW, op.relu)
		default:
			poolAnyf32(pl, float32(bo), o, arg, g.OH, g.OW, p, op.relu)
		}
	case []float64:
		o := any(out).([]float64)
		switch {
		case p.K == 2 && p.S == 2 && !p.Ceil:
			pool2x2f64(pl, float64(bo), o, arg, g.OW, p.PH, p.PW, op.relu)
		case p.K == 3 && p.S == 2:
			pool3x3f64(pl, float64(bo), o, arg, g.OH, g.OW, p.PH, p.PW, op.relu)
		default:
			poolAnyf64(pl, float64(bo), o, arg, g.OH, g.OW, p, op.relu)
		}
	}
}

// pool3x3f32 is poolPlane for 3×3 windows with stride 2, floor or ceil
// mode, in float32. Windows of output rows i and i+1 share input row
// 2i+2, so it takes each input row's maxima over the column triples once
// (hrow3f32: the first maximum of the triple) and then the maximum of
// three (two for a last row clipped by ceil mode) rows' results, the
// first on ties: the first maximum of the window in row-major order.
// Columns of windows clipped by the border (ceil mode) go through
// window32. It works through the columns in chunks of poolChunk.
func pool3x3f32(plane []float32, bo float32, out []float32, arg []int32, oh, ow, ph, pw int, relu bool) {
	full := min(pw, (ow-1)/2) // output columns whose windows 2j..2j+2 lie inside the row
	var hk [3][poolChunk]int32
	var ha [3][poolChunk]int32
	for j0 := 0; j0 < full; j0 += poolChunk {
		nj := min(poolChunk, full-j0)
		s0, s1, s2 := 0, 1, 2 // slots of rows 2i, 2i+1, 2i+2
		hrow3f32(plane, ow, 0, j0, nj, &hk[s0], &ha[s0])
		for i := 0; i < ph; i++ {
			r0 := 2 * i
			rows := min(3, oh-r0)
			if rows < 2 { // not reached for valid pools (a ceil window starts at most two rows from the end)
				for j := j0; j < j0+nj; j++ {
					best, at := window32(plane, ow, r0, oh, 2*j, 2*j+3)
					out[i*pw+j], arg[i*pw+j] = finish32(best, bo, relu), at
				}
				continue
			}
			hrow3f32(plane, ow, r0+1, j0, nj, &hk[s1], &ha[s1])
			o, a := out[i*pw+j0:][:nj], arg[i*pw+j0:][:nj]
			k0, a0, k1, a1 := hk[s0][:nj], ha[s0][:nj], hk[s1][:nj], ha[s1][:nj]
			if rows == 3 {
				hrow3f32(plane, ow, r0+2, j0, nj, &hk[s2], &ha[s2])
				k2, a2 := hk[s2][:nj], ha[s2][:nj]
				for t := range o {
					best, at := k0[t], a0[t]
					c1, at1, c2, at2 := k1[t], a1[t], k2[t], a2[t]
					if c1 > best {
						best, at = c1, at1
					}
					if c2 > best {
						best, at = c2, at2
					}
					o[t], a[t] = finish32(best, bo, relu), at
				}
			} else {
				for t := range o {
					best, at := k0[t], a0[t]
					c1, at1 := k1[t], a1[t]
					if c1 > best {
						best, at = c1, at1
					}
					o[t], a[t] = finish32(best, bo, relu), at
				}
			}
			s0, s2 = s2, s0 // row 2i+2 is row 2(i+1)
		}
	}
	for i := 0; i < ph; i++ { // the clipped columns
		r0 := 2 * i
		for j := full; j < pw; j++ {
			best, at := window32(plane, ow, r0, min(r0+3, oh), 2*j, min(2*j+3, ow))
			out[i*pw+j], arg[i*pw+j] = finish32(best, bo, relu), at
		}
	}
}

// poolChunk is the most output columns pool3x3f32 keeps row maxima of.
const poolChunk = 64

// hrow3f32 sets k[t], a[t] for t < nj to the largest key32 of columns
// 2(j0+t) .. 2(j0+t)+2 of row r of the plane (width ow), and the plane
// offset of its first occurrence.
func hrow3f32(plane []float32, ow, r, j0, nj int, k, a *[poolChunk]int32) {
	x := plane[r*ow:][:ow]
	base := int32(r*ow + 2*j0)
	x = x[2*j0:][:2*nj+1]
	prev := key32(x[0])
	for t := 0; t < nj; t++ {
		w := (*[3]float32)(x[2*t:])
		k1, k2 := key32(w[1]), key32(w[2])
		// The offsets are computed before the comparisons, so that these
		// compile to conditional moves rather than branches.
		at := base + int32(2*t)
		at1, at2 := at+1, at+2
		best := prev
		if k1 > best {
			best, at = k1, at1
		}
		if k2 > best {
			best, at = k2, at2
		}
		k[t], a[t] = best, at
		prev = k2
	}
}

// finish32 is the output of a window whose maximum has the key best:
// the maximum plus the bias bo, through the ReLU when relu is set.
func finish32(best int32, bo float32, relu bool) float32 {
	v := unkey32(best) + bo
	if relu {
		v = max(v, 0)
	}
	return v
}

// pool3x3f64 is poolPlane for 3×3 windows with stride 2, floor or ceil
// mode, in float64: the windows that lie wholly inside the oh×ow plane are
// unrolled into nine key comparisons; those clipped by the border (ceil
// mode) go through window64.
func pool3x3f64(plane []float64, bo float64, out []float64, arg []int32, oh, ow, ph, pw int, relu bool) {
	full := min(pw, (ow-1)/2)
	for i := 0; i < ph; i++ {
		o, a := out[i*pw:][:pw], arg[i*pw:][:pw]
		r0 := 2 * i
		j := 0
		if r0+3 <= oh {
			x0, x1, x2 := plane[r0*ow:][:ow], plane[(r0+1)*ow:][:ow], plane[(r0+2)*ow:][:ow]
			b0 := int32(r0 * ow)
			b1, b2 := b0+int32(ow), b0+int32(2*ow)
			for ; j < full; j++ {
				c := 2 * j
				w0, w1, w2 := (*[3]float64)(x0[c:]), (*[3]float64)(x1[c:]), (*[3]float64)(x2[c:])
				cc := int32(c)
				best, at := key64(w0[0]), b0+cc
				if k := key64(w0[1]); k > best {
					best, at = k, b0+cc+1
				}
				if k := key64(w0[2]); k > best {
					best, at = k, b0+cc+2
				}
				if k := key64(w1[0]); k > best {
					best, at = k, b1+cc
				}
				if k := key64(w1[1]); k > best {
					best, at = k, b1+cc+1
				}
				if k := key64(w1[2]); k > best {
					best, at = k, b1+cc+2
				}
				if k := key64(w2[0]); k > best {
					best, at = k, b2+cc
				}
				if k := key64(w2[1]); k > best {
					best, at = k, b2+cc+1
				}
				if k := key64(w2[2]); k > best {
					best, at = k, b2+cc+2
				}
				v := unkey64(best) + bo
				if relu {
					v = max(v, 0)
				}
				o[j], a[j] = v, at
			}
		}
		for ; j < pw; j++ {
			best, at := window64(plane, ow, r0, min(r0+3, oh), 2*j, min(2*j+3, ow))
			v := unkey64(best) + bo
			if relu {
				v = max(v, 0)
			}
			o[j], a[j] = v, at
		}
	}
}

// poolAnyf32 is poolPlane for any window and stride in float32; poolAnyf64
// is the same in float64.
func poolAnyf32(plane []float32, bo float32, out []float32, arg []int32, oh, ow int, p poolGeom, relu bool) {
	for i := 0; i < p.PH; i++ {
		for j := 0; j < p.PW; j++ {
			best, at := window32(plane, ow, i*p.S, min(i*p.S+p.K, oh), j*p.S, min(j*p.S+p.K, ow))
			v := unkey32(best) + bo
			if relu {
				v = max(v, 0)
			}
			out[i*p.PW+j], arg[i*p.PW+j] = v, at
		}
	}
}

func poolAnyf64(plane []float64, bo float64, out []float64, arg []int32, oh, ow int, p poolGeom, relu bool) {
	for i := 0; i < p.PH; i++ {
		for j := 0; j < p.PW; j++ {
			best, at := window64(plane, ow, i*p.S, min(i*p.S+p.K, oh), j*p.S, min(j*p.S+p.K, ow))
			v := unkey64(best) + bo
			if relu {
				v = max(v, 0)
			}
			out[i*p.PW+j], arg[i*p.PW+j] = v, at
		}
	}
}

// window32 returns the largest key32 of rows [r0, r1) and columns [c0, c1)
// of a plane of width ow, and the offset of its first occurrence in
// row-major order; window64 is the same for float64.
func window32(plane []float32, ow, r0, r1, c0, c1 int) (int32, int32) {
	at := r0*ow + c0
	best := key32(plane[at])
	for r := r0; r < r1; r++ {
		row := plane[r*ow:]
		for c := c0; c < c1; c++ {
			if k := key32(row[c]); k > best {
				best, at = k, r*ow+c
			}
		}
	}
	return best, int32(at)
}

func window64(plane []float64, ow, r0, r1, c0, c1 int) (int64, int32) {
	at := r0*ow + c0
	best := key64(plane[at])
	for r := r0; r < r1; r++ {
		row := plane[r*ow:]
		for c := c0; c < c1; c++ {
			if k := key64(row[c]); k > best {
				best, at = k, r*ow+c
			}
		}
	}
	return best, int32(at)
}

func (op *convOp) DiffWRT(int) []bool { return []bool{op.inGrad, true, true} }

func (op *convOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	dz, err := G.ApplyOp(convGradOp{fwd: op, what: gradZ, buf: new(reused)}, out, grad)
	if err != nil {
		return nil, err
	}
	dw, err := G.ApplyOp(convGradOp{fwd: op, what: gradW, buf: new(reused)}, in[0], dz)
	if err != nil {
		return nil, err
	}
	db, err := G.ApplyOp(convGradOp{fwd: op, what: gradB, buf: new(reused)}, out, grad)
	if err != nil {
		return nil, err
	}
	var dx *G.Node
	if op.inGrad {
		if dx, err = G.ApplyOp(convGradOp{fwd: op, what: gradX, buf: new(reused)}, in[1], dz); err != nil {
			return nil, err
		}
	}
	return G.Nodes{dx, dw, db}, nil
}

// convGrad says which piece of the block's gradient an op computes.
type convGrad int

const (
	gradZ convGrad = iota // (y, dy) → dz, B×O×OH×OW
	gradW                 // (x, dz) → dW, O×C×K×K
	gradB                 // (y, dy) → db, O
	gradX                 // (w, dz) → dx, B×C×H×W
)

// convGradOp is one piece of the gradient of a convOp.
type convGradOp struct {
	fwd  *convOp
	what convGrad
	buf  *reused // the output tensor, reused run after run
}

// reused is the output tensor of an op, allocated on the first run and
// returned again on every later run instead of a fresh (zeroed) tensor.
// This is safe under gorgonia's tape machine: a value is only read within
// the run that computed it (later instructions may write into a dead
// value's memory, which the next run overwrites anyway), and the CPU
// "free" instruction does not recycle tensors. What it changes for callers:
// a Value() kept from an earlier run changes with the next run (copy it,
// or use G.Read, which copies).
type reused struct{ t *tensor.Dense }

// get returns the reused tensor of dtype dt and shape s.
func (r *reused) get(dt tensor.Dtype, s tensor.Shape) *tensor.Dense {
	if r.t == nil || r.t.Dtype() != dt || !r.t.Shape().Eq(s) {
		r.t = tensor.New(tensor.Of(dt), tensor.WithShape(s.Clone()...))
	}
	return r.t
}

func (op convGradOp) Arity() int { return 2 }

func (op convGradOp) Type() hm.Type {
	switch op.what {
	case gradB:
		return hm.NewFnType(tensorType(4), tensorType(4), tensorType(1))
	}
	return hm.NewFnType(tensorType(4), tensorType(4), tensorType(4))
}

func (op convGradOp) shape() tensor.Shape {
	g := op.fwd.g
	switch op.what {
	case gradZ:
		return tensor.Shape{g.B, g.O, g.OH, g.OW}
	case gradW:
		return tensor.Shape{g.O, g.C, g.K, g.K}
	case gradB:
		return tensor.Shape{g.O}
	}
	return tensor.Shape{g.B, g.C, g.H, g.W}
}

func (op convGradOp) InferShape(...G.DimSizer) (tensor.Shape, error) { return op.shape(), nil }
func (op convGradOp) ReturnsPtr() bool                               { return false }
func (op convGradOp) CallsExtern() bool                              { return false }
func (op convGradOp) OverwritesInput() int                           { return -1 }
func (op convGradOp) WriteHash(h hash.Hash)                          { fmt.Fprintf(h, "%v", op) }
func (op convGradOp) Hashcode() uint32                               { return hashOf(op) }
func (op convGradOp) String() string {
	return fmt.Sprintf("FusedConvGrad%c#%d", "ZWBX"[op.what], op.fwd.id)
}

func (op convGradOp) Do(in ...G.Value) (G.Value, error) {
	if len(in) != op.Arity() {
		return nil, fmt.Errorf("%v: %d inputs, want %d", op, len(in), op.Arity())
	}
	ts := make([]*tensor.Dense, len(in))
	for i, v := range in {
		t, ok := v.(*tensor.Dense)
		if !ok {
			return nil, fmt.Errorf("%v: input %d is %T, want a dense tensor", op, i, v)
		}
		ts[i] = t
	}
	out := op.buf.get(ts[0].Dtype(), op.shape())
	switch out.Dtype() {
	case tensor.Float32:
		return out, convBackward[float32](op, ts, out)
	case tensor.Float64:
		return out, convBackward[float64](op, ts, out)
	}
	return nil, fmt.Errorf("%v: unsupported dtype %v", op, out.Dtype())
}

func convBackward[T float](op convGradOp, in []*tensor.Dense, out *tensor.Dense) error {
	f, g := op.fwd, op.fwd.g
	res := out.Data().([]T)
	a, b := in[0].Data().([]T), in[1].Data().([]T)
	switch op.what {
	case gradZ: // a = y, b = dy
		parallelFor(g.B, g.O*g.p, func(_, lo, hi int) {
			for n := lo; n < hi; n++ {
				for o := 0; o < g.O; o++ {
					gradPlane(f, a, b, res[(n*g.O+o)*g.p:][:g.p], n, o)
				}
			}
		})
	case gradB: // a = y, b = dy
		per := len(a) / (g.B * g.O) // outputs per plane
		parallelFor(g.O, g.B*per, func(_, lo, hi int) {
			for o := lo; o < hi; o++ {
				var sum T
				for n := 0; n < g.B; n++ {
					at := (n*g.O + o) * per
					for i, d := range b[at:][:per] {
						if !f.relu || a[at+i] > 0 {
							sum += d
						}
					}
				}
				res[o] = sum
			}
		})
	case gradW: // a = x, b = dz
		filterGrad(f, a, b, res)
	case gradX: // a = w, b = dz
		ws := workspace[T](f)
		wT := shareA(&f.packWT, true, g.rows, g.O, a, g.rows)
		parallelFor(g.B, g.O*g.rows*g.p, func(wk, lo, hi int) {
			dcol := grow(&ws[wk].col, g.rows*g.p)
			for n := lo; n < hi; n++ {
				wT.mul(false, g.p, b[n*g.O*g.p:][:g.O*g.p], g.p, 0, dcol, g.p)
				col2im(g, dcol, res[n*g.C*g.H*g.W:][:g.C*g.H*g.W])
			}
		})
	}
	return nil
}

// filterGrad sets dw = Σ_n dz_n · col_nᵀ, recomputing each sample's patch
// matrix from x; each worker sums its samples into its own buffer, and the
// buffers are added in worker order.
func filterGrad[T float](f *convOp, x, dz, dw []T) {
	g := f.g
	ws := workspace[T](f)
	parallelFor(g.B, g.O*g.rows*g.p, func(wk, lo, hi int) {
		s := ws[wk]
		col := grow(&s.col, g.rows*g.p)
		acc := dw
		if wk > 0 {
			acc = grow(&s.dw, g.O*g.rows)
		}
		for n := lo; n < hi; n++ {
			im2col(g, x[n*g.C*g.H*g.W:][:g.C*g.H*g.W], col)
			beta := T(1)
			if n == lo {
				beta = 0
			}
			gemm(false, true, g.O, g.rows, g.p, 1, dz[n*g.O*g.p:][:g.O*g.p], g.p, col, g.p, beta, acc, g.rows)
		}
	})
	for wk := 1; wk < workers(g.B, g.O*g.rows*g.p); wk++ {
		for i, v := range ws[wk].dw {
			dw[i] += v
		}
	}
}

// gradPlane writes the gradient of the pre-activation plane (n, o) into
// dst: the output gradient through the pooling (to each window's maximum)
// and the ReLU (where the output is positive).
func gradPlane[T float](f *convOp, y, dy, dst []T, n, o int) {
	g := f.g
	if f.pool.K == 0 {
		at := (n*g.O + o) * g.p
		for i, d := range dy[at:][:g.p] {
			if f.relu && y[at+i] <= 0 {
				d = 0
			}
			dst[i] = d
		}
		return
	}
	clear(dst)
	pp := f.pool.PH * f.pool.PW
	at := (n*g.O + o) * pp
	for i, a := range f.arg[at:][:pp] {
		if !f.relu || y[at+i] > 0 {
			dst[a] += dy[at+i]
		}
	}
}

// dense3 unpacks three dense tensors.
func dense3(in []G.Value) (a, b, c *tensor.Dense, err error) {
	if len(in) != 3 {
		return nil, nil, nil, fmt.Errorf("models: want 3 inputs, got %d", len(in))
	}
	var ok [3]bool
	a, ok[0] = in[0].(*tensor.Dense)
	b, ok[1] = in[1].(*tensor.Dense)
	c, ok[2] = in[2].(*tensor.Dense)
	if !ok[0] || !ok[1] || !ok[2] {
		return nil, nil, nil, fmt.Errorf("models: want dense tensors, got %T, %T, %T", in[0], in[1], in[2])
	}
	return a, b, c, nil
}
