package models

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"gonum.org/v1/gonum/blas"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The fused fully connected layer: one gorgonia op computes
//
//	z = x·w + b    (x: B×in, w: in×out, b: out, z: B×out)
//
// and three ops its gradient:
//
//	dx = dz·wᵀ,  dw = xᵀ·dz,  db[j] = Σ_n dz[n,j]
//
// It computes what denseLayer (gorgonia's Mul and BroadcastAdd) computes,
// bit for bit: the products are the same calls of gorgonia's BLAS (same
// shapes, transpositions and leading dimensions), the bias is added
// elementwise and its gradient summed over the batch in batch order, as
// gorgonia's reduction along the first axis does (TestFusedDense checks
// this). What it changes is memory: every output, forward and backward, is
// a tensor reused run after run (see reused), where gorgonia allocated a
// fresh weight gradient (in×out: 38 MB for the face AlexNet's first FC
// layer) on every step, its tape machine's register having been taken by a
// value of another shape in between.

// denseOp is the fused fully connected layer.
type denseOp struct {
	id   uint64
	b    int // batch
	in   int // input width
	out  int // output width
	z    reused
	grad [3]reused // dx, dw, db
}

// fusedDense adds x·w + b to the graph of x: x is B×in, w in×out and b of
// length out.
func fusedDense(x, w, b *G.Node) (*G.Node, error) {
	xs, ws := x.Shape(), w.Shape()
	if xs.Dims() != 2 || ws.Dims() != 2 || xs[1] != ws[0] {
		return nil, fmt.Errorf("fused dense: input %v and weights %v do not fit", xs, ws)
	}
	if b.Shape().TotalSize() != ws[1] {
		return nil, fmt.Errorf("fused dense: %d biases for %d outputs", b.Shape().TotalSize(), ws[1])
	}
	op := &denseOp{id: opIDs.Add(1), b: xs[0], in: xs[1], out: ws[1]}
	return G.ApplyOp(op, x, w, b)
}

func (op *denseOp) Arity() int { return 3 }
func (op *denseOp) Type() hm.Type {
	return hm.NewFnType(tensorType(2), tensorType(2), tensorType(1), tensorType(2))
}
func (op *denseOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{op.b, op.out}, nil
}
func (op *denseOp) ReturnsPtr() bool      { return false }
func (op *denseOp) CallsExtern() bool     { return false }
func (op *denseOp) OverwritesInput() int  { return -1 }
func (op *denseOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "%v", op) }
func (op *denseOp) Hashcode() uint32      { return hashOf(op) }
func (op *denseOp) String() string {
	return fmt.Sprintf("FusedDense{%d×%d → %d}#%d", op.b, op.in, op.out, op.id)
}

func (op *denseOp) Do(in ...G.Value) (G.Value, error) {
	x, w, b, err := dense3(in)
	if err != nil {
		return nil, err
	}
	if x.Dtype() != w.Dtype() || x.Dtype() != b.Dtype() {
		return nil, fmt.Errorf("%v: dtypes %v, %v, %v differ", op, x.Dtype(), w.Dtype(), b.Dtype())
	}
	z := op.z.get(x.Dtype(), tensor.Shape{op.b, op.out})
	switch xd := x.Data().(type) {
	case []float32:
		denseForward(op, xd, w.Data().([]float32), b.Data().([]float32), z.Data().([]float32))
	case []float64:
		denseForward(op, xd, w.Data().([]float64), b.Data().([]float64), z.Data().([]float64))
	default:
		return nil, fmt.Errorf("%v: unsupported data %T", op, xd)
	}
	return z, nil
}

func denseForward[T float](op *denseOp, x, w, b, z []T) {
	blasGemm(false, false, op.b, op.out, op.in, x, op.in, w, op.out, z, op.out)
	for n := 0; n < op.b; n++ {
		row := z[n*op.out:][:op.out]
		for j, v := range b[:op.out] {
			row[j] += v
		}
	}
}

// blasGemm sets c = op(a)·op(b) through gorgonia's BLAS (G.WhichBLAS), the
// call tensor.MatMul makes for a product of two row-major matrices, one
// of them possibly a transposed view.
func blasGemm[T float](transA, transB bool, m, n, k int, a []T, lda int, b []T, ldb int, c []T, ldc int) {
	ta, tb := blas.NoTrans, blas.NoTrans
	if transA {
		ta = blas.Trans
	}
	if transB {
		tb = blas.Trans
	}
	switch av := any(a).(type) {
	case []float32:
		G.WhichBLAS().Sgemm(ta, tb, m, n, k, 1, av, lda, any(b).([]float32), ldb, 0, any(c).([]float32), ldc)
	case []float64:
		G.WhichBLAS().Dgemm(ta, tb, m, n, k, 1, av, lda, any(b).([]float64), ldb, 0, any(c).([]float64), ldc)
	}
}

func (op *denseOp) DiffWRT(int) []bool { return []bool{true, true, true} }

func (op *denseOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	dx, err := G.ApplyOp(denseGradOp{fwd: op, what: gradX}, in[1], grad)
	if err != nil {
		return nil, err
	}
	dw, err := G.ApplyOp(denseGradOp{fwd: op, what: gradW}, in[0], grad)
	if err != nil {
		return nil, err
	}
	db, err := G.ApplyOp(denseGradOp{fwd: op, what: gradB}, in[2], grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx, dw, db}, nil
}

// denseGradOp is one piece of the gradient of a denseOp, from (w, dz) for
// gradX, (x, dz) for gradW and (b, dz) for gradB (b only gives the dtype).
type denseGradOp struct {
	fwd  *denseOp
	what convGrad // gradX, gradW or gradB
}

func (op denseGradOp) Arity() int { return 2 }

func (op denseGradOp) Type() hm.Type {
	if op.what == gradB {
		return hm.NewFnType(tensorType(1), tensorType(2), tensorType(1))
	}
	return hm.NewFnType(tensorType(2), tensorType(2), tensorType(2))
}

func (op denseGradOp) shape() tensor.Shape {
	f := op.fwd
	switch op.what {
	case gradX:
		return tensor.Shape{f.b, f.in}
	case gradW:
		return tensor.Shape{f.in, f.out}
	}
	return tensor.Shape{f.out}
}

// buf returns the reused output of this piece.
func (op denseGradOp) buf() *reused {
	switch op.what {
	case gradX:
		return &op.fwd.grad[0]
	case gradW:
		return &op.fwd.grad[1]
	}
	return &op.fwd.grad[2]
}

func (op denseGradOp) InferShape(...G.DimSizer) (tensor.Shape, error) { return op.shape(), nil }
func (op denseGradOp) ReturnsPtr() bool                               { return false }
func (op denseGradOp) CallsExtern() bool                              { return false }
func (op denseGradOp) OverwritesInput() int                           { return -1 }
func (op denseGradOp) WriteHash(h hash.Hash)                          { fmt.Fprintf(h, "%v", op) }
func (op denseGradOp) Hashcode() uint32                               { return hashOf(op) }
func (op denseGradOp) String() string {
	return fmt.Sprintf("FusedDenseGrad%c#%d", "ZWBX"[op.what], op.fwd.id)
}

func (op denseGradOp) Do(in ...G.Value) (G.Value, error) {
	if len(in) != 2 {
		return nil, fmt.Errorf("%v: %d inputs, want 2", op, len(in))
	}
	a, ok1 := in[0].(*tensor.Dense)
	dz, ok2 := in[1].(*tensor.Dense)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("%v: want dense tensors, got %T, %T", op, in[0], in[1])
	}
	if a.Dtype() != dz.Dtype() {
		return nil, fmt.Errorf("%v: dtypes %v and %v differ", op, a.Dtype(), dz.Dtype())
	}
	out := op.buf().get(dz.Dtype(), op.shape())
	switch d := dz.Data().(type) {
	case []float32:
		denseBackward(op, a.Data().([]float32), d, out.Data().([]float32))
	case []float64:
		denseBackward(op, a.Data().([]float64), d, out.Data().([]float64))
	default:
		return nil, fmt.Errorf("%v: unsupported data %T", op, d)
	}
	return out, nil
}

func denseBackward[T float](op denseGradOp, a, dz, res []T) {
	f := op.fwd
	switch op.what {
	case gradX: // a = w: dx = dz·wᵀ
		blasGemm(false, true, f.b, f.in, f.out, dz, f.out, a, f.out, res, f.in)
	case gradW: // a = x: dw = xᵀ·dz
		blasGemm(true, false, f.in, f.out, f.b, a, f.in, dz, f.out, res, f.out)
	case gradB: // db = Σ_n dz[n], in batch order
		copy(res, dz[:f.out])
		for n := 1; n < f.b; n++ {
			for j, v := range dz[n*f.out:][:f.out] {
				res[j] += v
			}
		}
	}
}
