package models

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// harness binds a network into a graph with a cross-entropy head built
// from G.LogSoftMax, HadamardProd and Sum:
//
//	loss = −(1/B) Σ_n Σ_k t[n,k] · log softmax(z[n])_k
type harness struct {
	built  *Built
	loss   *G.Node
	vm     G.VM
	lossV  G.Value // the loss, read when computed
	logitV G.Value // the logits, read when computed
	featV  G.Value // the features, read when computed
}

// newHarness builds net into a new graph on the input x (shape xshape) and
// one-hot targets t; with grad, it adds the gradient and binds the weights'
// dual values; eval selects the evaluation form.
func newHarness(t *testing.T, net Network, dt tensor.Dtype, x []float64, xshape []int, labels []int, grad, eval bool) *harness {
	t.Helper()
	g := G.NewGraph()
	xn := G.NodeFromAny(g, denseOf(dt, x, xshape...), G.WithName("x"))
	classes := net.Outputs()
	onehot := make([]float64, len(labels)*classes)
	for i, y := range labels {
		onehot[i*classes+y] = 1
	}
	tn := G.NodeFromAny(g, denseOf(dt, onehot, len(labels), classes), G.WithName("t"))
	h := &harness{}
	var err error
	if eval {
		h.built, err = BuildEval(net, g, xn)
	} else {
		h.built, err = net.Build(g, xn)
	}
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	logp, err := G.LogSoftMax(h.built.Logits)
	if err != nil {
		t.Fatal(err)
	}
	prod, err := G.HadamardProd(logp, tn)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := G.Sum(prod)
	if err != nil {
		t.Fatal(err)
	}
	if h.loss, err = G.Mul(sum, constant(dt, -1/float64(len(labels)))); err != nil {
		t.Fatal(err)
	}
	G.Read(h.loss, &h.lossV)
	G.Read(h.built.Logits, &h.logitV)
	G.Read(h.built.Features, &h.featV)
	if !grad {
		h.vm = G.NewTapeMachine(g)
		return h
	}
	if _, err := G.Grad(h.loss, h.built.Weights...); err != nil {
		t.Fatalf("grad: %v", err)
	}
	h.vm = G.NewTapeMachine(g, G.BindDualValues(h.built.Weights...))
	return h
}

// run executes the graph once and returns the loss; with grad it also
// returns (copies of) the weights' gradients and zeroes them, since the
// machine adds into bound gradients on every run.
func (h *harness) run(t *testing.T, grad bool) (float64, [][]float64) {
	t.Helper()
	if err := h.vm.RunAll(); err != nil {
		t.Fatalf("run: %v", err)
	}
	defer h.vm.Reset()
	loss := float64s(h.lossV)[0]
	if !grad {
		return loss, nil
	}
	var grads [][]float64
	for i, w := range h.built.Weights {
		gv, err := w.Grad()
		if err != nil {
			t.Fatalf("gradient %d: %v", i, err)
		}
		grads = append(grads, float64s(gv))
		switch d := gv.Data().(type) {
		case []float64:
			clear(d)
		case []float32:
			clear(d)
		}
	}
	return loss, grads
}

// tinyCNNs are small networks that exercise every piece of the CNN:
// padding, strides, floor and ceil pools, LRN, hidden layers.
func tinyCNNs(k Kernels) map[string]CNNOptions {
	nets := map[string]CNNOptions{
		"two-blocks": {Channels: 2, Height: 8, Width: 7, Outputs: 3, Kernels: k,
			Convs: []ConvLayer{{Filters: 3, Kernel: 3, Pad: 1, Pool: 2}, {Filters: 4, Kernel: 3, Pad: 1, Pool: 2}}},
		"strided-lrn-hidden": {Channels: 3, Height: 15, Width: 15, Outputs: 4, Kernels: k, Hidden: []int{6, 5},
			LRN: LRN{Size: 3, Alpha: 0.5, Beta: 0.75, K: 1},
			Convs: []ConvLayer{{Filters: 4, Kernel: 5, Stride: 2, Pool: 3, PoolStride: 2, LRN: true},
				{Filters: 5, Kernel: 3, Pad: 1}}},
	}
	if k == Fused {
		nets["alexnet-like-ceil"] = CNNOptions{Channels: 3, Height: 27, Width: 27, Outputs: 5, Kernels: k, Hidden: []int{6, 6},
			LRN: LRN{Size: 5, Alpha: 0.5, Beta: 0.75, K: 1},
			Convs: []ConvLayer{
				{Filters: 4, Kernel: 7, Stride: 4, Pool: 3, PoolStride: 2, CeilPool: true, LRN: true},
				{Filters: 5, Kernel: 5, Pad: 2, Pool: 3, PoolStride: 2, CeilPool: true, LRN: true},
				{Filters: 6, Kernel: 3, Pad: 1}}}
	}
	return nets
}

// checkGradient compares the symbolic gradient of the CE loss of net on
// (x, labels) with central finite differences of the loss of its
// evaluation graph, weight by weight.
func checkGradient(t *testing.T, net Network, x []float64, xshape []int, labels []int) {
	train := newHarness(t, net, tensor.Float64, x, xshape, labels, true, false)
	eval := newHarness(t, net, tensor.Float64, x, xshape, labels, false, true)
	loss, grads := train.run(t, true)
	if evalLoss, _ := eval.run(t, false); !closeTo(evalLoss, loss, 1e-12) {
		t.Fatalf("training graph loss %v, evaluation graph loss %v", loss, evalLoss)
	}
	for i, p := range net.Params() {
		w := p.Data().([]float64)
		orig := append([]float64(nil), w...)
		f := func(v []float64) float64 {
			copy(w, v)
			l, _ := eval.run(t, false)
			return l
		}
		want := fd.Gradient(nil, f, orig, &fd.Settings{Formula: fd.Central, Step: fdStep})
		copy(w, orig)
		checkClose(t, fmt.Sprintf("parameter %d %v: gradient vs finite differences", i, p.Shape()), grads[i], want, netFDTol)
	}
}

func closeTo(a, b, tol float64) bool {
	d := a - b
	return d <= tol && -d <= tol
}

// TestGradient_TinyCNN checks the gradient of small CNNs, with both
// kernels, on every weight against central finite differences.
func TestGradient_TinyCNN(t *testing.T) {
	for _, k := range []Kernels{Fused, Native} {
		for name, o := range tinyCNNs(k) {
			t.Run(k.String()+"/"+name, func(t *testing.T) {
				o.Seed = 3
				net, err := NewCNN(o)
				if err != nil {
					t.Fatal(err)
				}
				rng := rand.New(rand.NewPCG(6, 6))
				const batch = 3
				x := randSlice(rng, batch*o.Channels*o.Height*o.Width)
				labels := []int{0, o.Outputs - 1, 1}
				checkGradient(t, net, x, []int{batch, o.Channels, o.Height, o.Width}, labels)
			})
		}
	}
}

// TestGradient_MLP checks the MLP's gradient likewise.
func TestGradient_MLP(t *testing.T) {
	net, err := NewMLP(tensor.Float64, 6, []int{5, 4}, 3, 7)
	if err != nil {
		t.Fatal(err)
	}
	x := randSlice(rand.New(rand.NewPCG(8, 8)), 4*6)
	checkGradient(t, net, x, []int{4, 6}, []int{0, 2, 1, 2})
}

// TestFusedMatchesNative runs the same network and weights with both
// kernels: logits, features, loss and gradients agree to rounding.
func TestFusedMatchesNative(t *testing.T) {
	for name, o := range tinyCNNs(Native) {
		t.Run(name, func(t *testing.T) {
			o.Seed = 4
			rng := rand.New(rand.NewPCG(9, 9))
			const batch = 4
			xshape := []int{batch, o.Channels, o.Height, o.Width}
			x := randSlice(rng, batch*o.Channels*o.Height*o.Width)
			labels := []int{0, 1, 2, 0}
			type result struct {
				loss          float64
				logits, feats []float64
				grads         [][]float64
			}
			var res [2]result
			for i, k := range []Kernels{Fused, Native} {
				o.Kernels = k
				net, err := NewCNN(o)
				if err != nil {
					t.Fatal(err)
				}
				h := newHarness(t, net, tensor.Float64, x, xshape, labels, true, false)
				res[i].loss, res[i].grads = h.run(t, true)
				res[i].logits, res[i].feats = float64s(h.logitV), float64s(h.featV)
			}
			checkClose(t, "loss", []float64{res[0].loss}, []float64{res[1].loss}, fusedTol)
			checkClose(t, "logits", res[0].logits, res[1].logits, fusedTol)
			checkClose(t, "features", res[0].feats, res[1].feats, fusedTol)
			for i := range res[0].grads {
				checkClose(t, fmt.Sprintf("gradient %d", i), res[0].grads[i], res[1].grads[i], fusedTol)
			}
		})
	}
}

// TestFloat32MatchesFloat64 runs each tiny CNN in both dtypes from the same
// seed: the float32 weights are the float64 ones rounded, and the losses,
// logits and gradients agree to float32 precision.
func TestFloat32MatchesFloat64(t *testing.T) {
	for name, o := range tinyCNNs(Fused) {
		t.Run(name, func(t *testing.T) {
			o.Seed = 5
			const batch = 2
			xshape := []int{batch, o.Channels, o.Height, o.Width}
			x := randSlice(rand.New(rand.NewPCG(10, 10)), batch*o.Channels*o.Height*o.Width)
			var loss [2]float64
			var logits [2][]float64
			var grads [2][][]float64
			for i, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
				o.Dtype = dt
				net, err := NewCNN(o)
				if err != nil {
					t.Fatal(err)
				}
				h := newHarness(t, net, dt, x, xshape, []int{1, 0}, true, false)
				loss[i], grads[i] = h.run(t, true)
				logits[i] = float64s(h.logitV)
			}
			checkClose(t, "loss", loss[1:], loss[:1], fused32To)
			checkClose(t, "logits", logits[1], logits[0], fused32To)
			for i := range grads[0] {
				checkClose(t, fmt.Sprintf("gradient %d", i), grads[1][i], grads[0][i], fused32To)
			}
		})
	}
}
