package models

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Tolerances, per quantity and dtype.
const (
	opTol64   = 1e-9 // gorgonia op vs plain-Go reference, values and gradients, float64 (relative or absolute)
	opTol32   = 2e-5 // the same in float32
	fdRefTol  = 1e-6 // hand-derived reference adjoint vs central finite differences
	netFDTol  = 1e-6 // whole-network gradient vs central finite differences, float64
	fdStep    = 1e-6 // finite-difference step
	fusedTol  = 1e-9 // fused vs native kernels on the same network, float64
	fused32To = 1e-4 // float32 network vs the float64 one
)

// randSlice returns n values from U(−1, 1).
func randSlice(rng *rand.Rand, n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = 2*rng.Float64() - 1
	}
	return s
}

// denseOf returns a tensor of dtype dt holding v with the given shape.
func denseOf(dt tensor.Dtype, v []float64, shape ...int) *tensor.Dense {
	if dt == tensor.Float32 {
		d := make([]float32, len(v))
		for i, x := range v {
			d[i] = float32(x)
		}
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(d))
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(append([]float64(nil), v...)))
}

// float64s returns the data of a float32 or float64 value as float64s.
func float64s(v G.Value) []float64 {
	switch d := v.Data().(type) {
	case []float64:
		return append([]float64(nil), d...)
	case []float32:
		out := make([]float64, len(d))
		for i, x := range d {
			out[i] = float64(x)
		}
		return out
	case float64:
		return []float64{d}
	case float32:
		return []float64{float64(d)}
	}
	panic(fmt.Sprintf("float64s: %T", v.Data()))
}

// opInput is one input of an op under test: its values, shape, and
// whether its gradient is wanted.
type opInput struct {
	v     []float64
	shape []int
	grad  bool
}

// runOp builds out = build(inputs) in a fresh graph of dtype dt, with the
// loss Σ out ⊙ r, and returns out and the gradients of the loss with
// respect to the inputs that want one (nil for the others).
func runOp(t *testing.T, dt tensor.Dtype, in []opInput, r []float64, build func(G.Nodes) (*G.Node, error)) ([]float64, [][]float64) {
	t.Helper()
	g := G.NewGraph()
	nodes := make(G.Nodes, len(in))
	var wrt G.Nodes
	for i, x := range in {
		nodes[i] = G.NodeFromAny(g, denseOf(dt, x.v, x.shape...), G.WithName(fmt.Sprintf("in%d", i)))
		if x.grad {
			wrt = append(wrt, nodes[i])
		}
	}
	out, err := build(nodes)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	if len(r) != out.Shape().TotalSize() {
		t.Fatalf("r has %d values, the output %v", len(r), out.Shape())
	}
	rn := G.NodeFromAny(g, denseOf(dt, r, out.Shape()...), G.WithName("r"))
	prod, err := G.HadamardProd(out, rn)
	if err != nil {
		t.Fatal(err)
	}
	loss, err := G.Sum(prod)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := G.Grad(loss, wrt...); err != nil {
		t.Fatalf("grad: %v", err)
	}
	// out.Value() after the run is not reliable: the tape machine may reuse
	// out's register for a later (backward) instruction. G.Read copies the
	// value when it is computed.
	var outV G.Value
	G.Read(out, &outV)
	vm := G.NewTapeMachine(g, G.BindDualValues(wrt...))
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatalf("run: %v", err)
	}
	grads := make([][]float64, len(in))
	for i, x := range in {
		if !x.grad {
			continue
		}
		gv, err := nodes[i].Grad()
		if err != nil {
			t.Fatalf("gradient of input %d: %v", i, err)
		}
		grads[i] = float64s(gv)
	}
	return float64s(outV), grads
}

// checkClose fails t unless got and want agree entrywise within tol,
// absolute or relative; NaN never agrees. The message gives the number of
// disagreements, the worst one and the ∞-norm of the difference.
func checkClose(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d values, want %d", what, len(got), len(want))
		return
	}
	bad, worst, inf := 0, -1, 0.0
	for i := range got {
		d := math.Abs(got[i] - want[i])
		if math.IsNaN(d) {
			d = math.Inf(1)
		}
		inf = math.Max(inf, d)
		if !scalar.EqualWithinAbsOrRel(got[i], want[i], tol, tol) {
			bad++
			if worst < 0 || d > math.Abs(got[worst]-want[worst]) || math.IsNaN(got[i]) {
				worst = i
			}
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d values differ beyond %g; worst at %d: got %v, want %v; ‖got−want‖∞ = %g",
			what, bad, len(got), tol, worst, got[worst], want[worst], inf)
	}
}

// fdAdjoint returns the gradient of Σ f(x) ⊙ r with respect to x by
// central finite differences.
func fdAdjoint(f func([]float64) []float64, x, r []float64) []float64 {
	g := make([]float64, len(x))
	xp := append([]float64(nil), x...)
	for i := range x {
		xp[i] = x[i] + fdStep
		up := dot(f(xp), r)
		xp[i] = x[i] - fdStep
		down := dot(f(xp), r)
		xp[i] = x[i]
		g[i] = (up - down) / (2 * fdStep)
	}
	return g
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}
