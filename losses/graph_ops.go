package losses

import (
	"fmt"
	"hash"
	"hash/fnv"
	"math"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// This file holds the gorgonia ops the graph builders need and gorgonia
// v0.9.18 does not provide correctly or cheaply:
//
//   - rowSoftmaxOp: softmax or log-softmax along the last axis of a B×C
//     matrix. gorgonia's SoftMax/LogSoftMax subtract, from every row, the
//     maximum of that row's entries 1…C−1 and of the matrix's first entry
//     x[0][0] (not the row's own first entry), so a row whose logits lie
//     far below x[0][0] (≈ 88 in float32, ≈ 709 in float64) underflows to
//     0/0 = NaN, and one whose first logit lies far above the rest
//     overflows; they also start one goroutine per row. See
//     TestGorgoniaSoftMax_KnownIssue.
//   - cumsumOp: cumulative sum along the last axis, O(B·C), for the CDFs of
//     EMD² (a matmul by an upper-triangular matrix costs O(B·C²)).
//   - mixRowsOp: w = t·D for a target matrix t, skipping t's zeros, so a
//     one-hot batch costs O(B·C) instead of a B×C×C matmul.
//
// Each works on float32 and float64 matrices, supports symbolic
// differentiation (G.Grad with a TapeMachine; not the LispMachine's
// forward-mode autodiff) and reuses its output buffer between runs.

// opBase implements the boilerplate of G.Op for a matrix op with a fixed
// number of same-typed matrix inputs whose output has the shape of input 0.
type opBase struct {
	name  string
	arity int
}

func (o opBase) Arity() int { return o.arity }

func (o opBase) Type() hm.Type {
	a := hm.TypeVariable('a')
	ts := make([]hm.Type, o.arity+1)
	for i := range ts {
		ts[i] = a
	}
	return hm.NewFnType(ts...)
}

func (o opBase) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, ok := in[0].(tensor.Shape)
	if !ok || s.Dims() != 2 {
		return nil, fmt.Errorf("losses: %s wants a B×C matrix, got %v", o.name, in[0])
	}
	return s.Clone(), nil
}

func (o opBase) ReturnsPtr() bool      { return false }
func (o opBase) CallsExtern() bool     { return false }
func (o opBase) OverwritesInput() int  { return -1 }
func (o opBase) WriteHash(h hash.Hash) { fmt.Fprint(h, o.name) }
func (o opBase) String() string        { return o.name }

func (o opBase) Hashcode() uint32 {
	h := fnv.New32a()
	o.WriteHash(h)
	return h.Sum32()
}

// matrices checks the inputs of a run and returns them as dense matrices of
// one float dtype, plus a B×C output (prealloc if it fits, else new).
func (o opBase) matrices(prealloc G.Value, in []G.Value) ([]*tensor.Dense, *tensor.Dense, error) {
	if len(in) != o.arity {
		return nil, nil, fmt.Errorf("losses: %s wants %d inputs, got %d", o.name, o.arity, len(in))
	}
	ds := make([]*tensor.Dense, len(in))
	for i, v := range in {
		d, ok := v.(*tensor.Dense)
		if !ok || d.Dims() != 2 {
			return nil, nil, fmt.Errorf("losses: %s: input %d is %T, want a dense matrix", o.name, i, v)
		}
		if d.Dtype() != tensor.Float64 && d.Dtype() != tensor.Float32 {
			return nil, nil, fmt.Errorf("losses: %s: dtype %v, want float32 or float64", o.name, d.Dtype())
		}
		if i > 0 && d.Dtype() != ds[0].Dtype() {
			return nil, nil, fmt.Errorf("losses: %s: mixed dtypes", o.name)
		}
		if d.IsView() {
			d = d.Materialize().(*tensor.Dense)
		}
		ds[i] = d
	}
	out, ok := prealloc.(*tensor.Dense)
	if !ok || out == nil || !out.Shape().Eq(ds[0].Shape()) || out.Dtype() != ds[0].Dtype() || out.IsView() {
		out = tensor.New(tensor.Of(ds[0].Dtype()), tensor.WithShape(ds[0].Shape().Clone()...))
	}
	return ds, out, nil
}

// rowSoftmaxOp is softmax (or log-softmax) along the last axis.
type rowSoftmaxOp struct {
	opBase
	log bool
}

func newRowSoftmaxOp(log bool) *rowSoftmaxOp {
	name := "losses.RowSoftmax"
	if log {
		name = "losses.RowLogSoftmax"
	}
	return &rowSoftmaxOp{opBase{name, 1}, log}
}

func (op *rowSoftmaxOp) Do(in ...G.Value) (G.Value, error) { return op.UsePreallocDo(nil, in...) }

func (op *rowSoftmaxOp) UsePreallocDo(prealloc G.Value, in ...G.Value) (G.Value, error) {
	ds, out, err := op.matrices(prealloc, in)
	if err != nil {
		return nil, err
	}
	c := ds[0].Shape()[1]
	switch x := ds[0].Data().(type) {
	case []float64:
		softmaxRows(out.Data().([]float64), x, c, op.log)
	case []float32:
		softmaxRows(out.Data().([]float32), x, c, op.log)
	}
	return out, nil
}

func (op *rowSoftmaxOp) DiffWRT(int) []bool { return []bool{true} }

func (op *rowSoftmaxOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	dx, err := G.ApplyOp(newRowSoftmaxGradOp(op.log), output, grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx}, nil
}

// softmaxRows writes the row-wise softmax (or log-softmax) of the row-major
// matrix x with c columns into dst, in float64 arithmetic.
func softmaxRows[T float32 | float64](dst, x []T, c int, log bool) {
	for r := 0; r < len(x); r += c {
		row, out := x[r:r+c], dst[r:r+c]
		m := row[0]
		for _, v := range row[1:] {
			if v > m || v != v {
				m = v
			}
		}
		var s float64
		if log {
			for _, v := range row {
				s += math.Exp(float64(v - m))
			}
			lse := math.Log(s)
			for i, v := range row {
				out[i] = T(float64(v-m) - lse)
			}
			continue
		}
		for i, v := range row {
			e := math.Exp(float64(v - m))
			out[i] = T(e)
			s += e
		}
		inv := 1 / s
		for i := range out {
			out[i] = T(float64(out[i]) * inv)
		}
	}
}

// rowSoftmaxGradOp maps (y, ∂L/∂y) to ∂L/∂x for y = softmax(x) or
// y = log softmax(x), row by row:
//
//	softmax:      ∂L/∂x_j = y_j (g_j − Σ_i y_i g_i)
//	log-softmax:  ∂L/∂x_j = g_j − exp(y_j) Σ_i g_i
type rowSoftmaxGradOp struct {
	opBase
	log bool
}

func newRowSoftmaxGradOp(log bool) *rowSoftmaxGradOp {
	name := "losses.RowSoftmaxGrad"
	if log {
		name = "losses.RowLogSoftmaxGrad"
	}
	return &rowSoftmaxGradOp{opBase{name, 2}, log}
}

func (op *rowSoftmaxGradOp) Do(in ...G.Value) (G.Value, error) { return op.UsePreallocDo(nil, in...) }

func (op *rowSoftmaxGradOp) UsePreallocDo(prealloc G.Value, in ...G.Value) (G.Value, error) {
	ds, out, err := op.matrices(prealloc, in)
	if err != nil {
		return nil, err
	}
	if !ds[0].Shape().Eq(ds[1].Shape()) {
		return nil, fmt.Errorf("losses: %s: shapes %v and %v differ", op.name, ds[0].Shape(), ds[1].Shape())
	}
	c := ds[0].Shape()[1]
	switch y := ds[0].Data().(type) {
	case []float64:
		softmaxGradRows(out.Data().([]float64), y, ds[1].Data().([]float64), c, op.log)
	case []float32:
		softmaxGradRows(out.Data().([]float32), y, ds[1].Data().([]float32), c, op.log)
	}
	return out, nil
}

func (op *rowSoftmaxGradOp) DiffWRT(int) []bool { return []bool{false, false} }

func (op *rowSoftmaxGradOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, fmt.Errorf("losses: %s has no second derivative", op.name)
}

func softmaxGradRows[T float32 | float64](dst, y, g []T, c int, log bool) {
	for r := 0; r < len(y); r += c {
		yr, gr, out := y[r:r+c], g[r:r+c], dst[r:r+c]
		var s float64
		if log {
			for _, v := range gr {
				s += float64(v)
			}
			for i := range out {
				out[i] = T(float64(gr[i]) - math.Exp(float64(yr[i]))*s)
			}
			continue
		}
		for i := range yr {
			s += float64(yr[i]) * float64(gr[i])
		}
		for i := range out {
			out[i] = T(float64(yr[i]) * (float64(gr[i]) - s))
		}
	}
}

// cumsumOp is the cumulative sum along the last axis, from the first column
// (out_k = Σ_{i ≤ k} x_i) or, reversed, from the last (out_k = Σ_{i ≥ k} x_i).
// Each is the other's adjoint, which gives its gradient.
type cumsumOp struct {
	opBase
	reverse bool
}

func newCumsumOp(reverse bool) *cumsumOp {
	name := "losses.Cumsum"
	if reverse {
		name = "losses.ReverseCumsum"
	}
	return &cumsumOp{opBase{name, 1}, reverse}
}

func (op *cumsumOp) Do(in ...G.Value) (G.Value, error) { return op.UsePreallocDo(nil, in...) }

func (op *cumsumOp) UsePreallocDo(prealloc G.Value, in ...G.Value) (G.Value, error) {
	ds, out, err := op.matrices(prealloc, in)
	if err != nil {
		return nil, err
	}
	c := ds[0].Shape()[1]
	switch x := ds[0].Data().(type) {
	case []float64:
		cumsumRows(out.Data().([]float64), x, c, op.reverse)
	case []float32:
		cumsumRows(out.Data().([]float32), x, c, op.reverse)
	}
	return out, nil
}

func (op *cumsumOp) DiffWRT(int) []bool { return []bool{true} }

func (op *cumsumOp) SymDiff(_ G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	dx, err := G.ApplyOp(newCumsumOp(!op.reverse), grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx}, nil
}

func cumsumRows[T float32 | float64](dst, x []T, c int, reverse bool) {
	for r := 0; r < len(x); r += c {
		row, out := x[r:r+c], dst[r:r+c]
		var s T
		if reverse {
			for i := c - 1; i >= 0; i-- {
				s += row[i]
				out[i] = s
			}
			continue
		}
		for i, v := range row {
			s += v
			out[i] = s
		}
	}
}

// mixRowsOp computes w = t·D for a B×C matrix t and a C×C matrix D, skipping
// the zeros of t. It is not differentiable: t and D are data.
type mixRowsOp struct{ opBase }

func newMixRowsOp() *mixRowsOp { return &mixRowsOp{opBase{"losses.MixRows", 2}} }

func (op *mixRowsOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := op.opBase.InferShape(in...)
	if err != nil {
		return nil, err
	}
	d, ok := in[1].(tensor.Shape)
	if !ok || d.Dims() != 2 || d[0] != s[1] || d[1] != s[1] {
		return nil, fmt.Errorf("losses: distance matrix shape %v, want %d×%d", in[1], s[1], s[1])
	}
	return s, nil
}

func (op *mixRowsOp) Do(in ...G.Value) (G.Value, error) { return op.UsePreallocDo(nil, in...) }

func (op *mixRowsOp) UsePreallocDo(prealloc G.Value, in ...G.Value) (G.Value, error) {
	ds, out, err := op.matrices(prealloc, in)
	if err != nil {
		return nil, err
	}
	c := ds[0].Shape()[1]
	if s := ds[1].Shape(); s[0] != c || s[1] != c {
		return nil, fmt.Errorf("losses: distance matrix shape %v, want %d×%d", s, c, c)
	}
	switch t := ds[0].Data().(type) {
	case []float64:
		mixRowsFlat(out.Data().([]float64), t, ds[1].Data().([]float64), c)
	case []float32:
		mixRowsFlat(out.Data().([]float32), t, ds[1].Data().([]float32), c)
	}
	return out, nil
}

func (op *mixRowsOp) DiffWRT(int) []bool { return []bool{false, false} }

func (op *mixRowsOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, fmt.Errorf("losses: %s: the targets and the distance matrix are not differentiable", op.name)
}

func mixRowsFlat[T float32 | float64](dst, t, d []T, c int) {
	clear(dst)
	for r := 0; r < len(t); r += c {
		out := dst[r : r+c]
		for k, tk := range t[r : r+c] {
			if tk == 0 {
				continue
			}
			for i, v := range d[k*c : (k+1)*c] {
				out[i] += tk * v
			}
		}
	}
}

var (
	_ G.SDOp            = (*rowSoftmaxOp)(nil)
	_ G.UsePreallocDoer = (*rowSoftmaxOp)(nil)
	_ G.SDOp            = (*rowSoftmaxGradOp)(nil)
	_ G.SDOp            = (*cumsumOp)(nil)
	_ G.SDOp            = (*mixRowsOp)(nil)
	_ G.UsePreallocDoer = (*mixRowsOp)(nil)
)
