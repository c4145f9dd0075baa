package models

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func paramShapes(ps []*tensor.Dense) [][]int {
	var out [][]int
	for _, p := range ps {
		out = append(out, []int(p.Shape().Clone()))
	}
	return out
}

func sameShapes(a, b [][]int) bool {
	return slices.EqualFunc(a, b, func(x, y []int) bool { return slices.Equal(x, y) })
}

// TestNewCNN_DefaultShapes checks the default CNN on the two input sizes of
// the project (DESIGN.md: 28×28×1 → 64·7·7 features; 32×32×3 → 4096).
func TestNewCNN_DefaultShapes(t *testing.T) {
	tests := []struct {
		name     string
		c, h     int
		features int
	}{
		{"mnist-28x28x1", 1, 28, 3136},
		{"rgb-32x32x3", 3, 32, 4096},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			net, err := NewCNN(CNNOptions{Channels: tt.c, Height: tt.h, Width: tt.h, Outputs: 8, Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			want := [][]int{{32, tt.c, 3, 3}, {32}, {64, 32, 3, 3}, {64}, {tt.features, 8}, {8}}
			if got := paramShapes(net.Params()); !sameShapes(got, want) {
				t.Errorf("parameter shapes %v, want %v", got, want)
			}
			if net.FeatureWidth() != tt.features || net.Outputs() != 8 || net.Dtype() != tensor.Float64 {
				t.Errorf("features %d, outputs %d, dtype %v; want %d, 8, float64", net.FeatureWidth(), net.Outputs(), net.Dtype(), tt.features)
			}
		})
	}
}

// TestFaceAlexNet checks the shapes of the face AlexNet (Levi & Hassner:
// 96×28×28, 256×14×14, 384×7×7 = 18816 features into FC 512) and runs both
// its graphs once on one float32 image.
func TestFaceAlexNet(t *testing.T) {
	o := FaceAlexNetOptions(8, 1)
	o.Dtype = tensor.Float32
	net, err := NewCNN(o)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]int{{96, 3, 7, 7}, {96}, {256, 96, 5, 5}, {256}, {384, 256, 3, 3}, {384},
		{18816, 512}, {512}, {512, 512}, {512}, {512, 8}, {8}}
	if got := paramShapes(net.Params()); !sameShapes(got, want) {
		t.Fatalf("parameter shapes %v, want %v", got, want)
	}
	if testing.Short() {
		t.Skip("the forward runs take a second")
	}
	x := randSlice(rand.New(rand.NewPCG(1, 2)), 3*227*227)
	for _, eval := range []bool{false, true} {
		h := newHarness(t, net, tensor.Float32, x, []int{1, 3 * 227 * 227}, []int{3}, !eval, eval)
		loss, _ := h.run(t, !eval)
		feats := float64s(h.featV)
		if len(feats) != 512 || math.IsNaN(loss) || loss <= 0 {
			t.Fatalf("eval %t: %d features, loss %v", eval, len(feats), loss)
		}
		for _, f := range feats {
			if f < 0 {
				t.Fatalf("eval %t: negative penultimate feature %v", eval, f)
			}
		}
	}
	if _, err := NewCNN(CNNOptions{Channels: 3, Height: 227, Width: 227, Outputs: 8, Kernels: Native,
		Convs: o.Convs}); err == nil {
		t.Error("Native kernels accepted the ceil-mode pools")
	}
}

// TestNewCNN_Errors lists options that must be refused.
func TestNewCNN_Errors(t *testing.T) {
	ok := CNNOptions{Channels: 1, Height: 8, Width: 8, Outputs: 2}
	tests := []struct {
		name string
		edit func(*CNNOptions)
	}{
		{"int dtype", func(o *CNNOptions) { o.Dtype = tensor.Int }},
		{"no outputs", func(o *CNNOptions) { o.Outputs = 0 }},
		{"no channels", func(o *CNNOptions) { o.Channels = 0 }},
		{"kernel larger than input", func(o *CNNOptions) { o.Convs = []ConvLayer{{Filters: 2, Kernel: 9}} }},
		{"pool larger than map", func(o *CNNOptions) { o.Convs = []ConvLayer{{Filters: 2, Kernel: 3, Pool: 7}} }},
		{"zero filters", func(o *CNNOptions) { o.Convs = []ConvLayer{{Kernel: 3}} }},
		{"dropout 1", func(o *CNNOptions) { o.Dropout = 1 }},
		{"even LRN", func(o *CNNOptions) { o.LRN = LRN{Size: 4, Alpha: 1, Beta: 1, K: 1} }},
		{"unknown kernels", func(o *CNNOptions) { o.Kernels = 7 }},
		{"zero hidden width", func(o *CNNOptions) { o.Hidden = []int{0} }},
	}
	if _, err := NewCNN(ok); err != nil {
		t.Fatalf("the base options fail: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := ok
			tt.edit(&o)
			if _, err := NewCNN(o); err == nil {
				t.Errorf("NewCNN(%+v) succeeded", o)
			}
		})
	}
	if _, err := NewMLP(tensor.Int, 2, nil, 2, 1); err == nil {
		t.Error("NewMLP accepted an int dtype")
	}
}

// TestNewCNN_Seeded checks that the seed alone decides the weights, that
// the float32 weights are the float64 ones rounded, that biases start at
// zero and that the weights lie within their initialisation bounds.
func TestNewCNN_Seeded(t *testing.T) {
	o := CNNOptions{Channels: 3, Height: 12, Width: 12, Outputs: 4, Hidden: []int{7}, Seed: 11}
	a, _ := NewCNN(o)
	b, _ := NewCNN(o)
	o.Seed = 12
	c, _ := NewCNN(o)
	o.Seed, o.Dtype = 11, tensor.Float32
	d, _ := NewCNN(o)
	fanIn := []float64{27, 0, 32 * 9, 0, 64 * 3 * 3, 0, 7, 0}
	fanOut := []float64{0, 0, 0, 0, 7, 0, 4, 0}
	for i := range a.Params() {
		pa, pb := a.Params()[i].Data().([]float64), b.Params()[i].Data().([]float64)
		pc, pd := c.Params()[i].Data().([]float64), d.Params()[i].Data().([]float32)
		if !equal(pa, pb) {
			t.Errorf("parameter %d differs between two networks of the same seed", i)
		}
		if i%2 == 0 && equal(pa, pc) {
			t.Errorf("parameter %d is the same for seeds 11 and 12", i)
		}
		for j, v := range pa {
			if float32(v) != pd[j] {
				t.Fatalf("parameter %d[%d]: float32 %v is not the float64 %v rounded", i, j, pd[j], v)
			}
			var bound float64
			switch {
			case i%2 == 1:
				bound = 0 // biases
			case i < 4:
				bound = math.Sqrt(6 / fanIn[i]) // He uniform
			default:
				bound = math.Sqrt(6 / (fanIn[i] + fanOut[i])) // Glorot uniform
			}
			if math.Abs(v) > bound {
				t.Fatalf("parameter %d[%d] = %v outside ±%v", i, j, v, bound)
			}
		}
	}
}

// TestBuildEval_Dropout checks the train/eval switch: graphs made by
// BuildEval are deterministic and equal to the dropout-free network;
// graphs made by Build draw a new dropout mask on every run.
func TestBuildEval_Dropout(t *testing.T) {
	o := CNNOptions{Channels: 2, Height: 6, Width: 6, Outputs: 3, Hidden: []int{40, 40}, Dropout: 0.5, Seed: 2}
	net, _ := NewCNN(o)
	o.Dropout = 0
	plain, _ := NewCNN(o)
	x := randSlice(rand.New(rand.NewPCG(3, 4)), 2*2*6*6)
	xs, labels := []int{2, 2, 6, 6}, []int{0, 1}
	logits := func(net Network, eval bool) [2][]float64 {
		h := newHarness(t, net, tensor.Float64, x, xs, labels, false, eval)
		var out [2][]float64
		for i := range out {
			h.run(t, false)
			out[i] = float64s(h.logitV)
		}
		return out
	}
	ev, pl, tr := logits(net, true), logits(plain, true), logits(net, false)
	if !equal(ev[0], ev[1]) || !equal(ev[0], pl[0]) {
		t.Error("evaluation graph is not the deterministic dropout-free network")
	}
	if equal(tr[0], tr[1]) || equal(tr[0], ev[0]) {
		t.Error("training graph does not apply a fresh dropout mask per run")
	}
	if _, ok := Network(net).(EvalBuilder); !ok {
		t.Error("CNN is not an EvalBuilder")
	}
}

// TestSharedWeights checks the design of the package: the weights are the
// network's tensors, bound (not copied) into every graph, so an in-place
// update shows in a graph built before it.
func TestSharedWeights(t *testing.T) {
	for _, net := range []Network{
		mustCNN(t, CNNOptions{Channels: 1, Height: 6, Width: 6, Outputs: 3, Seed: 1}),
		mustMLP(t),
	} {
		x := randSlice(rand.New(rand.NewPCG(5, 6)), 2*36)
		xs := []int{2, 36}
		h := newHarness(t, net, tensor.Float64, x, xs, []int{0, 2}, false, true)
		h.run(t, false)
		before := float64s(h.logitV)
		for _, p := range net.Params() {
			d := p.Data().([]float64)
			for i := range d {
				d[i] *= 0.5
			}
		}
		h.run(t, false)
		if equal(before, float64s(h.logitV)) {
			t.Errorf("%T: changing the parameters in place did not change the graph's output", net)
		}
	}
}

func mustCNN(t *testing.T, o CNNOptions) *CNN {
	t.Helper()
	n, err := NewCNN(o)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func mustMLP(t *testing.T) *MLP {
	t.Helper()
	n, err := NewMLP(tensor.Float64, 36, []int{5}, 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCNN_InputForms checks that a CNN takes B×C×H×W and flat B×(C·H·W)
// inputs alike, and refuses other shapes and dtypes.
func TestCNN_InputForms(t *testing.T) {
	net := mustCNN(t, CNNOptions{Channels: 2, Height: 5, Width: 4, Outputs: 3, Convs: []ConvLayer{{Filters: 2, Kernel: 3, Pad: 1}}})
	x := randSlice(rand.New(rand.NewPCG(7, 8)), 3*40)
	a := newHarness(t, net, tensor.Float64, x, []int{3, 2, 5, 4}, []int{0, 1, 2}, false, true)
	b := newHarness(t, net, tensor.Float64, x, []int{3, 40}, []int{0, 1, 2}, false, true)
	la, _ := a.run(t, false)
	lb, _ := b.run(t, false)
	if la != lb {
		t.Errorf("4-D input loss %v, flat input loss %v", la, lb)
	}
	g := G.NewGraph()
	for _, bad := range []*G.Node{
		G.NewMatrix(g, tensor.Float64, G.WithShape(3, 41)),
		G.NewMatrix(g, tensor.Float32, G.WithShape(3, 40)),
		G.NewTensor(g, tensor.Float64, 4, G.WithShape(3, 2, 4, 5)),
	} {
		if _, err := net.Build(g, bad); err == nil {
			t.Errorf("Build accepted input %v %v", bad.Dtype(), bad.Shape())
		}
	}
}

// TestGorgonia_IntermediateValues pins down a behaviour of gorgonia
// v0.9.18's tape machine that callers must know: after RunAll, Value() of
// an intermediate node may hold whatever a later instruction wrote into
// the same register (here the backward pass overwrites x² with 3x²). Read
// intermediate results with G.Read, which copies them when computed.
func TestGorgonia_IntermediateValues(t *testing.T) {
	g := G.NewGraph()
	x := G.NodeFromAny(g, denseOf(tensor.Float64, []float64{1, 2, 3}, 3), G.WithName("x"))
	sq, err := G.Square(x)
	if err != nil {
		t.Fatal(err)
	}
	cube, err := G.HadamardProd(x, sq)
	if err != nil {
		t.Fatal(err)
	}
	loss, err := G.Sum(cube)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := G.Grad(loss, x); err != nil {
		t.Fatal(err)
	}
	var read G.Value
	G.Read(sq, &read)
	vm := G.NewTapeMachine(g, G.BindDualValues(x))
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	want := []float64{1, 4, 9}
	checkClose(t, "G.Read of x²", float64s(read), want, 0)
	if got := float64s(sq.Value()); equal(got, want) {
		t.Log("x².Value() survived the run: gorgonia no longer reuses its register")
	} else {
		t.Logf("x².Value() after the run is %v, not %v (register reused)", got, want)
	}
}
