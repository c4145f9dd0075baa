package models

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// denseCases are fully connected geometries: batch, input and output
// widths, with odd sizes and sizes that fill and overflow the product's
// tiles, blocks and parallel split.
var denseCases = [][3]int{{1, 1, 1}, {2, 3, 4}, {5, 7, 3}, {3, 37, 17}, {32, 300, 20}, {7, 129, 257}, {32, 1100, 64}}

// TestFusedDense checks the fused fully connected op against the plain-Go
// reference (values and gradients, float64 and float32) and the reference
// adjoint against finite differences.
func TestFusedDense(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 31))
	for _, d := range denseCases {
		rows, in, out := d[0], d[1], d[2]
		if rows*in*out > 1<<16 {
			continue // the finite differences of the reference would take long; see below
		}
		c := opCase{
			name: fmt.Sprintf("%dx%d→%d", rows, in, out),
			in: []opInput{{randSlice(rng, rows*in), []int{rows, in}, true}, {randSlice(rng, in*out), []int{in, out}, true},
				{randSlice(rng, out), []int{out}, true}},
			build: func(n G.Nodes) (*G.Node, error) { return fusedDense(n[0], n[1], n[2]) },
			ref:   func(v [][]float64) []float64 { return refDense(v[0], rows, in, v[1], out, v[2]) },
			adj: func(v [][]float64, r []float64) [][]float64 {
				dx, dw, db := refDenseAdjoint(v[0], rows, in, v[1], out, r)
				return [][]float64{dx, dw, db}
			},
		}
		t.Run(c.name, func(t *testing.T) { checkOp(t, c, rng) })
	}
}

// TestFusedDenseFiniteDifferences checks the fused op's gradient against
// central finite differences of the op's own forward, in float64.
func TestFusedDenseFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(32, 32))
	for _, d := range [][3]int{{1, 2, 3}, {3, 5, 4}, {4, 9, 7}} {
		rows, in, out := d[0], d[1], d[2]
		t.Run(fmt.Sprintf("%dx%d→%d", rows, in, out), func(t *testing.T) {
			x, w, b := randSlice(rng, rows*in), randSlice(rng, in*out), randSlice(rng, out)
			r := randSlice(rng, rows*out)
			op := &denseOp{id: opIDs.Add(1), b: rows, in: in, out: out}
			forward := func(x, w, b []float64) []float64 {
				z, err := op.Do(denseOf(tensor.Float64, x, rows, in), denseOf(tensor.Float64, w, in, out), denseOf(tensor.Float64, b, out))
				if err != nil {
					t.Fatal(err)
				}
				return append([]float64(nil), z.Data().([]float64)...)
			}
			want := [][]float64{
				fdAdjoint(func(v []float64) []float64 { return forward(v, w, b) }, x, r),
				fdAdjoint(func(v []float64) []float64 { return forward(x, v, b) }, w, r),
				fdAdjoint(func(v []float64) []float64 { return forward(x, w, v) }, b, r),
			}
			_, grads := runOp(t, tensor.Float64, []opInput{{x, []int{rows, in}, true}, {w, []int{in, out}, true}, {b, []int{out}, true}}, r,
				func(n G.Nodes) (*G.Node, error) { return fusedDense(n[0], n[1], n[2]) })
			for i := range want {
				checkClose(t, fmt.Sprintf("gradient %d vs finite differences", i), grads[i], want[i], fdRefTol)
			}
		})
	}
}

// TestFusedDenseMatchesGorgonia checks that the fused op gives what
// denseLayer (gorgonia's Mul and BroadcastAdd) gives, bit for bit, values
// and gradients, in both dtypes, over two runs of one tape machine (the
// second reuses the op's buffers; the gradients accumulate).
func TestFusedDenseMatchesGorgonia(t *testing.T) {
	rng := rand.New(rand.NewPCG(33, 33))
	for _, d := range denseCases {
		rows, in, out := d[0], d[1], d[2]
		in3 := []opInput{{randSlice(rng, rows*in), []int{rows, in}, true}, {randSlice(rng, in*out), []int{in, out}, true},
			{randSlice(rng, out), []int{out}, true}}
		r := randSlice(rng, rows*out)
		for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
			t.Run(fmt.Sprintf("%dx%d→%d/%v", rows, in, out, dt), func(t *testing.T) {
				fv, fg := runTwice(t, dt, in3, r, func(n G.Nodes) (*G.Node, error) { return fusedDense(n[0], n[1], n[2]) })
				gv, gg := runTwice(t, dt, in3, r, func(n G.Nodes) (*G.Node, error) { return denseLayer(n[0], n[1], n[2]) })
				sameBits(t, "value", fv, gv)
				for i := range fg {
					sameBits(t, fmt.Sprintf("gradient %d", i), fg[i], gg[i])
				}
			})
		}
	}
}

// runTwice is runOp with two runs of the tape machine: it returns the
// output of the second run and the gradients accumulated over both.
func runTwice(t *testing.T, dt tensor.Dtype, in []opInput, r []float64, build func(G.Nodes) (*G.Node, error)) ([]float64, [][]float64) {
	t.Helper()
	g := G.NewGraph()
	nodes := make(G.Nodes, len(in))
	for i, x := range in {
		nodes[i] = G.NodeFromAny(g, denseOf(dt, x.v, x.shape...), G.WithName(fmt.Sprintf("in%d", i)))
	}
	out, err := build(nodes)
	if err != nil {
		t.Fatalf("build: %v", err)
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
	if _, err := G.Grad(loss, nodes...); err != nil {
		t.Fatalf("grad: %v", err)
	}
	var outV G.Value
	G.Read(out, &outV)
	vm := G.NewTapeMachine(g, G.BindDualValues(nodes...))
	defer vm.Close()
	for run := 0; run < 2; run++ {
		outV = nil
		if err := vm.RunAll(); err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		vm.Reset()
	}
	grads := make([][]float64, len(in))
	for i := range in {
		gv, err := nodes[i].Grad()
		if err != nil {
			t.Fatalf("gradient of input %d: %v", i, err)
		}
		grads[i] = float64s(gv)
	}
	return float64s(outV), grads
}

// sameBits fails t unless got and want are equal bit for bit.
func sameBits(t *testing.T, what string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
			t.Fatalf("%s: entry %d is %v, want %v (bits differ)", what, i, got[i], want[i])
		}
	}
}
