package models

import (
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The fused LRN: one gorgonia op computes, sample by sample,
//
//	s[c] = K + (Alpha/Size) · Σ_{|d−c| ≤ Size/2} x[d]²   (per position)
//	p[c] = s[c]^(−Beta)
//	y[c] = x[c] · p[c]
//
// and keeps s and p for its gradient op, which computes
//
//	dx[j] = dy[j]·p[j] − (2·Alpha·Beta/Size) · x[j] · Σ_{|c−j| ≤ Size/2} dy[c]·x[c]·p[c]/s[c]
//
// without a further power. The composite of gorgonia primitives it
// replaces (squares, a convolution with a filter of ones, scale, shift,
// Pow and a division, each differentiated by gorgonia) allocated a fresh
// tensor per step and pass.

// lrnOp is the fused LRN of one B×C×H×W node.
type lrnOp struct {
	id    uint64
	l     LRN
	shape tensor.Shape
	y     reused // the output
	s     reused // the scale s of the last forward run
	p     reused // s^(−Beta) of the last forward run
	work  []any  // per worker: *[]T, the backward's products dy·x·p/s of one sample
}

// lrnGradOp is the gradient of an lrnOp: (x, dy) → dx.
type lrnGradOp struct {
	fwd *lrnOp
	dx  *reused
}

// fusedLRN adds the fused LRN of l on the B×C×H×W node x to its graph.
func fusedLRN(l LRN, x *G.Node) (*G.Node, error) {
	if err := l.validate(); err != nil {
		return nil, err
	}
	if x.Shape().Dims() != 4 {
		return nil, fmt.Errorf("models: LRN wants a B×C×H×W input, got %v", x.Shape())
	}
	op := &lrnOp{id: opIDs.Add(1), l: l, shape: x.Shape().Clone()}
	return G.ApplyOp(op, x)
}

func (op *lrnOp) Arity() int                                     { return 1 }
func (op *lrnOp) Type() hm.Type                                  { return hm.NewFnType(tensorType(4), tensorType(4)) }
func (op *lrnOp) InferShape(...G.DimSizer) (tensor.Shape, error) { return op.shape.Clone(), nil }
func (op *lrnOp) ReturnsPtr() bool                               { return false }
func (op *lrnOp) CallsExtern() bool                              { return false }
func (op *lrnOp) OverwritesInput() int                           { return -1 }
func (op *lrnOp) WriteHash(h hash.Hash)                          { fmt.Fprintf(h, "%v", op) }
func (op *lrnOp) Hashcode() uint32                               { return hashOf(op) }
func (op *lrnOp) String() string {
	return fmt.Sprintf("FusedLRN{size %d alpha %g beta %g k %g}#%d", op.l.Size, op.l.Alpha, op.l.Beta, op.l.K, op.id)
}

func (op *lrnOp) Do(in ...G.Value) (G.Value, error) {
	x, err := denseIn(op, in)
	if err != nil {
		return nil, err
	}
	dt := x.Dtype()
	y, s, p := op.y.get(dt, op.shape), op.s.get(dt, op.shape), op.p.get(dt, op.shape)
	switch xd := x.Data().(type) {
	case []float32:
		lrnForward(op, xd, y.Data().([]float32), s.Data().([]float32), p.Data().([]float32))
	case []float64:
		lrnForward(op, xd, y.Data().([]float64), s.Data().([]float64), p.Data().([]float64))
	default:
		return nil, fmt.Errorf("%v: unsupported data %T", op, xd)
	}
	return y, nil
}

// denseIn checks that in is the one dense tensor of op's shape.
func denseIn(op fmt.Stringer, in []G.Value) (*tensor.Dense, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("%v: %d inputs, want 1", op, len(in))
	}
	x, ok := in[0].(*tensor.Dense)
	if !ok {
		return nil, fmt.Errorf("%v: input is %T, want a dense tensor", op, in[0])
	}
	return x, nil
}

// lrnDims returns the batch, the channels and the positions per channel
// plane of op's input.
func (op *lrnOp) lrnDims() (b, c, hw int) {
	return op.shape[0], op.shape[1], op.shape[2] * op.shape[3]
}

// window returns the channels [lo, hi) in the window centred on c.
func (op *lrnOp) window(c, channels int) (lo, hi int) {
	half := op.l.Size / 2
	return max(0, c-half), min(channels, c+half+1)
}

func lrnForward[T float](op *lrnOp, x, y, s, p []T) {
	b, ch, hw := op.lrnDims()
	per := ch * hw
	scale, k := T(op.l.Alpha/float64(op.l.Size)), T(op.l.K)
	parallelFor(b, per*op.l.Size, func(_, lo, hi int) {
		for n := lo; n < hi; n++ {
			xn, sn, pn, yn := x[n*per:][:per], s[n*per:][:per], p[n*per:][:per], y[n*per:][:per]
			// pn holds the squares until the scales are done
			for i, v := range xn {
				pn[i] = v * v
			}
			for c := 0; c < ch; c++ {
				d0, d1 := op.window(c, ch)
				windowSum(sn[c*hw:][:hw], pn, hw, d0, d1)
				sc := sn[c*hw:][:hw]
				for i, v := range sc {
					sc[i] = k + scale*v
				}
			}
			negPow(sn, pn, op.l.Beta)
			for i, v := range xn {
				yn[i] = v * pn[i]
			}
		}
	})
}

// windowSum sets dst[i] = Σ_{d0 ≤ d < d1} src[d·hw + i] for i < hw, adding
// in d order (d1 > d0), with one pass over dst for windows of up to five
// planes (the Caffe LRN's) instead of one pass per plane.
func windowSum[T float](dst, src []T, hw, d0, d1 int) {
	dst = dst[:hw]
	plane := func(d int) []T { return src[d*hw:][:hw] }
	switch d1 - d0 {
	case 1:
		copy(dst, plane(d0))
	case 2:
		a, b := plane(d0), plane(d0+1)
		for i := range dst {
			dst[i] = a[i] + b[i]
		}
	case 3:
		a, b, c := plane(d0), plane(d0+1), plane(d0+2)
		for i := range dst {
			dst[i] = a[i] + b[i] + c[i]
		}
	case 4:
		a, b, c, e := plane(d0), plane(d0+1), plane(d0+2), plane(d0+3)
		for i := range dst {
			dst[i] = a[i] + b[i] + c[i] + e[i]
		}
	case 5:
		a, b, c, e, f := plane(d0), plane(d0+1), plane(d0+2), plane(d0+3), plane(d0+4)
		for i := range dst {
			dst[i] = a[i] + b[i] + c[i] + e[i] + f[i]
		}
	default:
		copy(dst, plane(d0))
		for d := d0 + 1; d < d1; d++ {
			for i, v := range plane(d) {
				dst[i] += v
			}
		}
	}
}

// negPow sets p[i] = s[i]^(−beta), with square roots for Caffe's 0.75.
func negPow[T float](s, p []T, beta float64) {
	if beta == 0.75 {
		switch sv := any(s).(type) {
		case []float32:
			pv := any(p).([]float32)
			for i, v := range sv {
				r := float32(math.Sqrt(float64(v)))
				pv[i] = 1 / (r * float32(math.Sqrt(float64(r))))
			}
		case []float64:
			pv := any(p).([]float64)
			for i, v := range sv {
				r := math.Sqrt(v)
				pv[i] = 1 / (r * math.Sqrt(r))
			}
		}
		return
	}
	for i, v := range s {
		p[i] = T(math.Pow(float64(v), -beta))
	}
}

func (op *lrnOp) DiffWRT(int) []bool { return []bool{true} }

func (op *lrnOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	dx, err := G.ApplyOp(lrnGradOp{fwd: op, dx: new(reused)}, in[0], grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx}, nil
}

func (op lrnGradOp) Arity() int { return 2 }
func (op lrnGradOp) Type() hm.Type {
	return hm.NewFnType(tensorType(4), tensorType(4), tensorType(4))
}
func (op lrnGradOp) InferShape(...G.DimSizer) (tensor.Shape, error) { return op.fwd.shape.Clone(), nil }
func (op lrnGradOp) ReturnsPtr() bool                               { return false }
func (op lrnGradOp) CallsExtern() bool                              { return false }
func (op lrnGradOp) OverwritesInput() int                           { return -1 }
func (op lrnGradOp) WriteHash(h hash.Hash)                          { fmt.Fprintf(h, "%v", op) }
func (op lrnGradOp) Hashcode() uint32                               { return hashOf(op) }
func (op lrnGradOp) String() string                                 { return fmt.Sprintf("FusedLRNGrad#%d", op.fwd.id) }

func (op lrnGradOp) Do(in ...G.Value) (G.Value, error) {
	if len(in) != 2 {
		return nil, fmt.Errorf("%v: %d inputs, want 2", op, len(in))
	}
	x, ok0 := in[0].(*tensor.Dense)
	dy, ok1 := in[1].(*tensor.Dense)
	if !ok0 || !ok1 {
		return nil, fmt.Errorf("%v: want dense tensors, got %T, %T", op, in[0], in[1])
	}
	f := op.fwd
	dt := x.Dtype()
	if f.s.t == nil || f.s.t.Dtype() != dt || !f.s.t.Shape().Eq(f.shape) {
		return nil, fmt.Errorf("%v: the forward op has not run in %v", op, dt)
	}
	dx := op.dx.get(dt, f.shape)
	switch xd := x.Data().(type) {
	case []float32:
		lrnBackward(f, xd, dy.Data().([]float32), f.s.t.Data().([]float32), f.p.t.Data().([]float32), dx.Data().([]float32))
	case []float64:
		lrnBackward(f, xd, dy.Data().([]float64), f.s.t.Data().([]float64), f.p.t.Data().([]float64), dx.Data().([]float64))
	default:
		return nil, fmt.Errorf("%v: unsupported data %T", op, xd)
	}
	return dx, nil
}

// lrnWorkspace returns one buffer per possible worker of op's backward.
func lrnWorkspace[T float](op *lrnOp, n int) []*[]T {
	out := make([]*[]T, n)
	for i := range out {
		if i < len(op.work) {
			out[i], _ = op.work[i].(*[]T)
		}
		if out[i] == nil {
			out[i] = new([]T)
		}
	}
	op.work = op.work[:0]
	for _, b := range out {
		op.work = append(op.work, b)
	}
	return out
}

func lrnBackward[T float](op *lrnOp, x, dy, s, p, dx []T) {
	b, ch, hw := op.lrnDims()
	per := ch * hw
	coef := T(2 * op.l.Alpha * op.l.Beta / float64(op.l.Size))
	work := per * op.l.Size
	ws := lrnWorkspace[T](op, workers(b, work))
	parallelFor(b, work, func(wk, lo, hi int) {
		t := grow(ws[wk], per)
		for n := lo; n < hi; n++ {
			xn, dyn, sn, pn, dxn := x[n*per:][:per], dy[n*per:][:per], s[n*per:][:per], p[n*per:][:per], dx[n*per:][:per]
			for i, v := range xn {
				t[i] = dyn[i] * v * pn[i] / sn[i]
			}
			for j := 0; j < ch; j++ {
				// dxj collects the window sum of t, then becomes the gradient
				dxj := dxn[j*hw:][:hw]
				c0, c1 := op.window(j, ch)
				windowSum(dxj, t, hw, c0, c1)
				at := j * hw
				for i, v := range dxj {
					dxj[i] = dyn[at+i]*pn[at+i] - coef*xn[at+i]*v
				}
			}
		}
	})
}
