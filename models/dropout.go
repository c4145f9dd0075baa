package models

import (
	"fmt"
	"hash"
	"hash/fnv"
	"math/rand/v2"
	"sync/atomic"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Dropout is built here rather than with gorgonia's G.Dropout, which seeds
// itself from the clock (runs could not be repeated), writes only the kept
// entries into a reused output (stale values survive in the dropped ones)
// and, in v0.9.18, panics on its UsePreallocDo path (it passes the method
// value inputTensor.Data instead of calling it).
//
// The op is inverted dropout: in training, y = x ⊙ m / (1 − p) with m_i ~
// Bernoulli(1 − p) drawn afresh on every forward execution from a seeded
// generator; the gradient is dy ⊙ m / (1 − p) with the same mask. An
// evaluation graph leaves the op out (the identity).

// opIDs numbers the ops of this package (dropout and the fused ops) so that
// the graph's hash-consing never merges two of them.
var opIDs atomic.Uint64

// dropoutOp is inverted dropout with probability p of dropping an entry.
type dropoutOp struct {
	p     float64
	id    uint64
	rng   *rand.Rand
	scale []float64 // 0 or 1/(1−p) per entry, from the last forward run
}

// newDropout adds dropout with probability p to x, drawing its masks from rng.
func newDropout(x *G.Node, p float64, rng *rand.Rand) (*G.Node, error) {
	op := &dropoutOp{p: p, id: opIDs.Add(1), rng: rng}
	return G.ApplyOp(op, x)
}

func (op *dropoutOp) Arity() int { return 1 }

func (op *dropoutOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(a, a)
}

func (op *dropoutOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, ok := in[0].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("models: dropout: want a tensor shape, got %T", in[0])
	}
	return s.Clone(), nil
}

func (op *dropoutOp) Do(in ...G.Value) (G.Value, error) {
	x, ok := in[0].(*tensor.Dense)
	if !ok {
		return nil, fmt.Errorf("models: dropout: want a dense tensor, got %T", in[0])
	}
	n := x.Shape().TotalSize()
	if cap(op.scale) < n {
		op.scale = make([]float64, n)
	}
	op.scale = op.scale[:n]
	keep := 1 / (1 - op.p)
	for i := range op.scale {
		if op.rng.Float64() < op.p {
			op.scale[i] = 0
		} else {
			op.scale[i] = keep
		}
	}
	y := tensor.New(tensor.Of(x.Dtype()), tensor.WithShape(x.Shape().Clone()...))
	return y, scaleInto(y, x, op.scale)
}

func (op *dropoutOp) ReturnsPtr() bool     { return false }
func (op *dropoutOp) CallsExtern() bool    { return false }
func (op *dropoutOp) OverwritesInput() int { return -1 }
func (op *dropoutOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "models.dropout(%v)#%d", op.p, op.id)
}
func (op *dropoutOp) Hashcode() uint32 { return hashOf(op) }
func (op *dropoutOp) String() string   { return fmt.Sprintf("Dropout(%v)#%d", op.p, op.id) }

func (op *dropoutOp) DiffWRT(int) []bool { return []bool{true} }

func (op *dropoutOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	dx, err := G.ApplyOp(dropoutDiffOp{op}, grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx}, nil
}

// dropoutDiffOp multiplies the incoming gradient by the mask of the forward
// op's last run.
type dropoutDiffOp struct{ fwd *dropoutOp }

func (op dropoutDiffOp) Arity() int { return 1 }

func (op dropoutDiffOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(a, a)
}

func (op dropoutDiffOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return op.fwd.InferShape(in...)
}

func (op dropoutDiffOp) Do(in ...G.Value) (G.Value, error) {
	dy, ok := in[0].(*tensor.Dense)
	if !ok {
		return nil, fmt.Errorf("models: dropout gradient: want a dense tensor, got %T", in[0])
	}
	if dy.Shape().TotalSize() != len(op.fwd.scale) {
		return nil, fmt.Errorf("models: dropout gradient: %d values but the mask has %d (forward not run?)", dy.Shape().TotalSize(), len(op.fwd.scale))
	}
	dx := tensor.New(tensor.Of(dy.Dtype()), tensor.WithShape(dy.Shape().Clone()...))
	return dx, scaleInto(dx, dy, op.fwd.scale)
}

func (op dropoutDiffOp) ReturnsPtr() bool     { return false }
func (op dropoutDiffOp) CallsExtern() bool    { return false }
func (op dropoutDiffOp) OverwritesInput() int { return -1 }
func (op dropoutDiffOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "models.dropoutDiff(%v)#%d", op.fwd.p, op.fwd.id)
}
func (op dropoutDiffOp) Hashcode() uint32 { return hashOf(op) }
func (op dropoutDiffOp) String() string {
	return fmt.Sprintf("DropoutDiff(%v)#%d", op.fwd.p, op.fwd.id)
}

// scaleInto sets dst = src ⊙ s elementwise.
func scaleInto(dst, src *tensor.Dense, s []float64) error {
	switch d := dst.Data().(type) {
	case []float64:
		x := src.Data().([]float64)
		for i := range d {
			d[i] = x[i] * s[i]
		}
	case []float32:
		x := src.Data().([]float32)
		for i := range d {
			d[i] = x[i] * float32(s[i])
		}
	default:
		return fmt.Errorf("models: dropout: unsupported data %T", d)
	}
	return nil
}

// hashOf is the 32-bit FNV-1a hash of an op's WriteHash.
func hashOf(op interface{ WriteHash(hash.Hash) }) uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}
