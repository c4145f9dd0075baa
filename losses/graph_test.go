package losses

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// denseOf returns the rows of x as a dense matrix of dtype dt.
func denseOf(x [][]float64, dt tensor.Dtype) *tensor.Dense {
	r, c := len(x), len(x[0])
	if dt == tensor.Float32 {
		back := make([]float32, 0, r*c)
		for _, row := range x {
			for _, v := range row {
				back = append(back, float32(v))
			}
		}
		return tensor.New(tensor.WithShape(r, c), tensor.WithBacking(back))
	}
	back := make([]float64, 0, r*c)
	for _, row := range x {
		back = append(back, row...)
	}
	return tensor.New(tensor.WithShape(r, c), tensor.WithBacking(back))
}

// rowsOf returns a float matrix value as float64 rows.
func rowsOf(t testing.TB, v G.Value, c int) [][]float64 {
	t.Helper()
	var flat []float64
	switch d := v.Data().(type) {
	case []float64:
		flat = d
	case []float32:
		for _, x := range d {
			flat = append(flat, float64(x))
		}
	default:
		t.Fatalf("value of type %T", d)
	}
	rows := make([][]float64, len(flat)/c)
	for i := range rows {
		rows[i] = flat[i*c : (i+1)*c]
	}
	return rows
}

func scalarOf(t testing.TB, v G.Value) float64 {
	t.Helper()
	switch d := v.Data().(type) {
	case float64:
		return d
	case float32:
		return float64(d)
	}
	t.Fatalf("scalar of type %T", v.Data())
	return 0
}

// roundTo returns x rounded to dtype dt (a copy).
func roundTo(x [][]float64, dt tensor.Dtype) [][]float64 {
	if x == nil {
		return nil
	}
	out := cloneMatrix(x)
	if dt == tensor.Float32 {
		for _, row := range out {
			for i := range row {
				row[i] = float64(float32(row[i]))
			}
		}
	}
	return out
}

// lossGraph is a compiled graph whose only varying input is the output
// matrix z, with a loss built on it and the loss's gradient to z.
type lossGraph struct {
	vm         G.VM
	z, cost, g *G.Node
	dt         tensor.Dtype
	width      int
}

func newLossGraph(t testing.TB, dt tensor.Dtype, outputs, targets, dist [][]float64,
	build func(z, tn, dn *G.Node) (*G.Node, error)) *lossGraph {
	t.Helper()
	b, w := len(outputs), len(outputs[0])
	g := G.NewGraph()
	z := G.NewMatrix(g, dt, G.WithShape(b, w), G.WithName("z"), G.WithValue(denseOf(outputs, dt)))
	tn := G.NewMatrix(g, dt, G.WithShape(b, w), G.WithName("t"), G.WithValue(denseOf(targets, dt)))
	var dn *G.Node
	if dist != nil {
		dn = G.NewMatrix(g, dt, G.WithShape(len(dist), len(dist)), G.WithName("D"), G.WithValue(DistanceTensor(dist, dt)))
	}
	cost, err := build(z, tn, dn)
	if err != nil {
		t.Fatal(err)
	}
	grads, err := G.Grad(cost, z)
	if err != nil {
		t.Fatal(err)
	}
	return &lossGraph{vm: G.NewTapeMachine(g), z: z, cost: cost, g: grads[0], dt: dt, width: w}
}

// run executes the graph once on the current inputs.
func (lg *lossGraph) run(t testing.TB) {
	if err := lg.vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	lg.vm.Reset()
}

// eval sets z = x, runs the graph and returns the loss and ∂loss/∂z.
func (lg *lossGraph) eval(t testing.TB, x [][]float64) (float64, [][]float64) {
	t.Helper()
	if err := G.Let(lg.z, denseOf(x, lg.dt)); err != nil {
		t.Fatal(err)
	}
	if err := lg.vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	defer lg.vm.Reset()
	return scalarOf(t, lg.cost.Value()), cloneMatrix(rowsOf(t, lg.g.Value(), lg.width))
}

func (lg *lossGraph) close() { lg.vm.Close() }

// graphLoss is newLossGraph as an evaluation function and a cleanup.
func graphLoss(t testing.TB, dt tensor.Dtype, outputs, targets, dist [][]float64,
	build func(z, tn, dn *G.Node) (*G.Node, error)) (eval func([][]float64) (float64, [][]float64), cleanup func()) {
	t.Helper()
	lg := newLossGraph(t, dt, outputs, targets, dist, build)
	return func(x [][]float64) (float64, [][]float64) { return lg.eval(t, x) }, lg.close
}

// randBatch returns logits (or scalar outputs) and targets for spec.
func randBatch(rng *rand.Rand, spec Spec, b, c int, gen func(*rand.Rand, int) []float64, soft bool) (outputs, targets [][]float64) {
	outputs, targets = make([][]float64, b), make([][]float64, b)
	for i := range outputs {
		if spec.Head == HeadScalar {
			outputs[i] = []float64{float64(c) * rng.Float64()}
			targets[i] = []float64{float64(rng.IntN(c))}
			continue
		}
		outputs[i] = gen(rng, c)
		targets[i] = randTarget(rng, c, soft)
	}
	return outputs, targets
}

// specDistance returns a distance for spec's cost-matrix term: learned from
// random features, or a random given matrix prepared by the spec.
func specDistance(t testing.TB, rng *rand.Rand, spec Spec, c int) [][]float64 {
	t.Helper()
	switch spec.Distance {
	case DistanceLearned:
		feats, labels := randFeatures(rng, c, 6, 4*c)
		D, err := spec.LearnDistance(feats, labels, c)
		if err != nil {
			t.Fatal(err)
		}
		return D
	case DistanceGiven:
		D, err := spec.PrepareDistance(euclideanGround(rng, c), c)
		if err != nil {
			t.Fatal(err)
		}
		return D
	}
	return nil
}

func TestSpecNode_MatchesEval(t *testing.T) {
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		tol := graphTol64
		if dt == tensor.Float32 {
			tol = graphTol32
		}
		for _, name := range Names() {
			for _, lc := range logitCases {
				t.Run(fmt.Sprintf("%v/%s/%s", dt, name, lc.name), func(t *testing.T) {
					spec, _ := Lookup(name)
					rng := newRand(80)
					for n := range 12 {
						b, c := 1+rng.IntN(9), 2+rng.IntN(12)
						outputs, targets := randBatch(rng, spec, b, c, lc.gen, n%2 == 1)
						outputs = roundTo(outputs, dt)
						dist := roundTo(specDistance(t, rng, spec, c), dt)
						wantLoss, wantGrad := spec.Eval(outputs, targets, dist)
						eval, done := graphLoss(t, dt, outputs, targets, dist, func(z, tn, dn *G.Node) (*G.Node, error) {
							return spec.Node(z, tn, dn)
						})
						gotLoss, gotGrad := eval(outputs)
						done()
						checkClose(t, "loss", gotLoss, wantLoss, tol)
						checkRows(t, "grad", gotGrad, wantGrad, tol)
					}
				})
			}
		}
	}
}

func orNil(D [][]float64) [][]float64 {
	if len(D) == 0 {
		return nil
	}
	return D
}

func checkRows(t *testing.T, what string, got, want [][]float64, tol float64) {
	t.Helper()
	var inf float64
	bad := false
	for i := range want {
		for j := range want[i] {
			if !equalTol(got[i][j], want[i][j], tol) {
				bad = true
			}
			inf = math.Max(inf, math.Abs(got[i][j]-want[i][j]))
		}
	}
	if bad {
		t.Errorf("%s:\n got %v\nwant %v\n‖got − want‖∞ = %g", what, got, want, inf)
	}
}

func TestSpecNode_FiniteDifferences(t *testing.T) {
	// gorgonia's symbolic gradient against central finite differences of the
	// same graph, float64.
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			spec, _ := Lookup(name)
			rng := newRand(81)
			for n := range 4 {
				b, c := 1+rng.IntN(4), 2+rng.IntN(6)
				outputs, targets := randBatch(rng, spec, b, c, logitCases[n%len(logitCases)].gen, n%2 == 0)
				dist := orNil(specDistance(t, rng, spec, c))
				eval, done := graphLoss(t, tensor.Float64, outputs, targets, dist, func(z, tn, dn *G.Node) (*G.Node, error) {
					return spec.Node(z, tn, dn)
				})
				w := len(outputs[0])
				_, grad := eval(outputs)
				flat := make([]float64, 0, b*w)
				for _, row := range outputs {
					flat = append(flat, row...)
				}
				f := func(x []float64) float64 {
					rows := make([][]float64, b)
					for i := range rows {
						rows[i] = x[i*w : (i+1)*w]
					}
					l, _ := eval(rows)
					return l
				}
				var gflat []float64
				for _, row := range grad {
					gflat = append(gflat, row...)
				}
				want := fd.Gradient(nil, f, flat, &fd.Settings{Formula: fd.Central})
				for i := range want {
					if !equalTol(gflat[i], want[i], gradFDTol) {
						t.Fatalf("grad[%d] = %v, finite differences %v", i, gflat[i], want[i])
					}
				}
				done()
			}
		})
	}
}

func TestGraph_RepeatedRuns(t *testing.T) {
	// The ops reuse their output buffers; a second run on new inputs must
	// not see the first run's values.
	rng := newRand(82)
	spec, _ := Lookup("xe-emd2")
	c := 5
	D := specDistance(t, rng, spec, c)
	o1, t1 := randBatch(rng, spec, 4, c, logitCases[0].gen, false)
	o2, _ := randBatch(rng, spec, 4, c, logitCases[1].gen, false)
	eval, done := graphLoss(t, tensor.Float64, o1, t1, D, func(z, tn, dn *G.Node) (*G.Node, error) { return spec.Node(z, tn, dn) })
	defer done()
	for _, o := range [][][]float64{o1, o2, o1} {
		got, g := eval(o)
		want, wg := spec.Eval(o, t1, D)
		checkClose(t, "loss", got, want, graphTol64)
		checkRows(t, "grad", g, wg, graphTol64)
	}
}

func TestGraph_Builders(t *testing.T) {
	// The exported builders against the plain-Go functions directly.
	rng := newRand(83)
	b, c := 6, 7
	z, q := make([][]float64, b), make([][]float64, b)
	for i := range z {
		z[i], q[i] = randLogits(rng, c, 2), randTarget(rng, c, i%2 == 0)
	}
	D := randCostMatrix(rng, c)
	mean := func(f func(z, t []float64) (float64, []float64)) (float64, [][]float64) {
		var l float64
		g := make([][]float64, b)
		for i := range z {
			li, gi := f(z[i], q[i])
			l += li / float64(b)
			for j := range gi {
				gi[j] /= float64(b)
			}
			g[i] = gi
		}
		return l, g
	}
	tests := []struct {
		name  string
		build func(z, tn, dn *G.Node) (*G.Node, error)
		ref   func(z, t []float64) (float64, []float64)
	}{
		{"CrossEntropyNode", func(z, tn, _ *G.Node) (*G.Node, error) { return CrossEntropyNode(z, tn) }, CrossEntropyGrad},
		{"EMD2Node/mean", func(z, tn, _ *G.Node) (*G.Node, error) { return EMD2Node(z, tn, NormMean) }, EMD2Grad},
		{"EMD2Node/sum", func(z, tn, _ *G.Node) (*G.Node, error) { return EMD2Node(z, tn, NormSum) }, RPSGrad},
		{"CostMatrixEMD2Node", func(z, tn, dn *G.Node) (*G.Node, error) { return CostMatrixEMD2Node(z, tn, dn) },
			func(z, t []float64) (float64, []float64) { return CostMatrixEMD2Grad(z, t, D) }},
		{"CEPlusEMD2Node/floor", func(z, tn, _ *G.Node) (*G.Node, error) {
			return CEPlusEMD2Node(z, tn, nil, NormSum, Weights{CE: 0.3, EMD: 2, Floor: 1e-3})
		}, func(z, t []float64) (float64, []float64) {
			return CEPlusEMD2Grad(z, t, nil, NormSum, Weights{CE: 0.3, EMD: 2, Floor: 1e-3})
		}},
		{"CEPlusEMD2Node/cost-matrix", func(z, tn, dn *G.Node) (*G.Node, error) {
			return CEPlusEMD2Node(z, tn, dn, NormMean, Weights{CE: 1, EMD: 4})
		}, func(z, t []float64) (float64, []float64) {
			return CEPlusEMD2Grad(z, t, D, NormMean, Weights{CE: 1, EMD: 4})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eval, done := graphLoss(t, tensor.Float64, z, q, D, tt.build)
			defer done()
			gotL, gotG := eval(z)
			wantL, wantG := mean(tt.ref)
			checkClose(t, "loss", gotL, wantL, graphTol64)
			checkRows(t, "grad", gotG, wantG, graphTol64)
		})
	}
}

func TestGraph_L2Node(t *testing.T) {
	// Hand-derived: outputs [1.5, −1], targets [2, 0]: mean of .25 and 1 =
	// .625; gradient 2(o − y)/B = [−.5, −1].
	o, y := [][]float64{{1.5}, {-1}}, [][]float64{{2}, {0}}
	eval, done := graphLoss(t, tensor.Float64, o, y, nil, func(z, tn, _ *G.Node) (*G.Node, error) { return L2Node(z, tn) })
	defer done()
	l, g := eval(o)
	checkClose(t, "loss", l, 0.625, lossTol64)
	checkRows(t, "grad", g, [][]float64{{-0.5}, {-1}}, lossTol64)
}

func TestGraph_TrainingGraph(t *testing.T) {
	// Through a learnable layer, as in training: logits = x·W. The gradient
	// with respect to W must be xᵀ·∂L/∂logits from the plain-Go reference.
	rng := newRand(84)
	b, d, c := 5, 3, 4
	x, W := make([][]float64, b), make([][]float64, d)
	for i := range x {
		x[i] = randLogits(rng, d, 1)
	}
	for i := range W {
		W[i] = randLogits(rng, c, 1)
	}
	targets := make([][]float64, b)
	for i := range targets {
		targets[i] = randTarget(rng, c, false)
	}
	for _, name := range []string{"ce", "emd2", "ce+emd2", "xe-emd1"} {
		t.Run(name, func(t *testing.T) {
			spec, _ := Lookup(name)
			D := orNil(specDistance(t, rng, spec, c))
			g := G.NewGraph()
			xn := G.NewMatrix(g, tensor.Float64, G.WithShape(b, d), G.WithValue(denseOf(x, tensor.Float64)))
			wn := G.NewMatrix(g, tensor.Float64, G.WithShape(d, c), G.WithName("W"), G.WithValue(denseOf(W, tensor.Float64)))
			tn := G.NewMatrix(g, tensor.Float64, G.WithShape(b, c), G.WithValue(denseOf(targets, tensor.Float64)))
			var dn *G.Node
			if D != nil {
				dn = G.NewMatrix(g, tensor.Float64, G.WithShape(c, c), G.WithValue(DistanceTensor(D, tensor.Float64)))
			}
			logits := G.Must(G.Mul(xn, wn))
			cost, err := spec.Node(logits, tn, dn)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := G.Grad(cost, wn); err != nil {
				t.Fatal(err)
			}
			vm := G.NewTapeMachine(g, G.BindDualValues(wn))
			defer vm.Close()
			if err := vm.RunAll(); err != nil {
				t.Fatal(err)
			}
			gw, err := wn.Grad()
			if err != nil {
				t.Fatal(err)
			}
			z := make([][]float64, b)
			for i := range z {
				z[i] = make([]float64, c)
				for k := range c {
					for j := range d {
						z[i][k] += x[i][j] * W[j][k]
					}
				}
			}
			_, gz := spec.Eval(z, targets, D)
			want := make([][]float64, d)
			for j := range want {
				want[j] = make([]float64, c)
				for k := range c {
					for i := range b {
						want[j][k] += x[i][j] * gz[i][k]
					}
				}
			}
			checkRows(t, "∂L/∂W", rowsOf(t, gw, c), want, graphTol64)
		})
	}
}

func TestGraph_Errors(t *testing.T) {
	g := G.NewGraph()
	z := G.NewMatrix(g, tensor.Float64, G.WithShape(4, 3), G.WithName("z"))
	tn := G.NewMatrix(g, tensor.Float64, G.WithShape(4, 3), G.WithName("t"))
	t32 := G.NewMatrix(g, tensor.Float32, G.WithShape(4, 3), G.WithName("t32"))
	t2 := G.NewMatrix(g, tensor.Float64, G.WithShape(4, 2), G.WithName("t2"))
	d4 := G.NewMatrix(g, tensor.Float64, G.WithShape(4, 4), G.WithName("d4"))
	vec := G.NewVector(g, tensor.Float64, G.WithShape(3), G.WithName("v"))
	tests := []struct {
		name  string
		build func() (*G.Node, error)
		want  string
	}{
		{"CE/ErrShape", func() (*G.Node, error) { return CrossEntropyNode(z, t2) }, "targets"},
		{"CE/ErrDtype", func() (*G.Node, error) { return CrossEntropyNode(z, t32) }, "targets"},
		{"CE/ErrNil", func() (*G.Node, error) { return CrossEntropyNode(z, nil) }, "targets nil"},
		{"CE/ErrVector", func() (*G.Node, error) { return CrossEntropyNode(vec, vec) }, "B×C matrix"},
		{"EMD2/ErrNorm", func() (*G.Node, error) { return EMD2Node(z, tn, Norm(5)) }, "unknown norm"},
		{"CostMatrix/ErrNilDist", func() (*G.Node, error) { return CostMatrixEMD2Node(z, tn, nil) }, "distance nil"},
		{"CostMatrix/ErrDistShape", func() (*G.Node, error) { return CostMatrixEMD2Node(z, tn, d4) }, "want a 3×3"},
		{"L2/ErrWidth", func() (*G.Node, error) { return L2Node(z, tn) }, "B×1"},
		{"Combined/ErrWeights", func() (*G.Node, error) { return CEPlusEMD2Node(z, tn, nil, NormMean, Weights{}) }, "both 0"},
		{"Softmax/ErrVector", func() (*G.Node, error) { return SoftmaxNode(vec) }, "B×C matrix"},
		{"LogSoftmax/ErrNil", func() (*G.Node, error) { return LogSoftmaxNode(nil) }, "nil node"},
		{"Spec/ErrNeedDist", func() (*G.Node, error) { s, _ := Lookup("xe-emd1"); return s.Node(z, tn, nil) }, "needs a distance"},
		{"Spec/ErrL2Shape", func() (*G.Node, error) { s, _ := Lookup("l2"); return s.Node(z, tn, nil) }, "B×1"},
		{"Spec/ErrInvalid", func() (*G.Node, error) { s, _ := Lookup("ce"); s.Weights = Weights{}; return s.Node(z, tn, nil) }, "both 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := tt.build()
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "losses: ") {
				t.Fatalf("got %v, %v; want an error containing %q", n, err, tt.want)
			}
		})
	}
}

func TestDistanceTensor(t *testing.T) {
	D := [][]float64{{1, 2}, {3, 4}}
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		got := rowsOf(t, DistanceTensor(D, dt), 2)
		if !equalMatrix(got, D) {
			t.Errorf("%v: got %v, want %v", dt, got, D)
		}
	}
	wantPanic(t, errDistShape, func() { DistanceTensor([][]float64{{1, 2}}, tensor.Float64) })
	wantPanic(t, errEmpty, func() { DistanceTensor(nil, tensor.Float64) })
	wantPanic(t, errBadParam, func() { DistanceTensor(D, tensor.Int) })
}

func TestTrainStep_LossDecreases(t *testing.T) {
	// The benchmark's training step really trains: plain SGD on one fixed
	// batch drives every loss down.
	firsts := map[string]float64{}
	for _, name := range []string{"ce", "emd2", "ce+emd2", "emd2-matmul"} {
		t.Run(name, func(t *testing.T) {
			spec, _ := Lookup(name)
			if name == "emd2-matmul" {
				spec, _ = Lookup("emd2")
				spec.Name = name
			}
			step := newTrainStep(t, spec, 8)
			defer step.close()
			first := step.run(t)
			firsts[name] = first
			var last float64
			for range 30 {
				last = step.run(t)
			}
			if !(last < 0.98*first) {
				t.Fatalf("loss went from %v to %v", first, last)
			}
		})
	}
	// The first EMD² graph (gorgonia SoftMax, matmul CDF) and the current
	// one agree on the same network and batch.
	checkClose(t, "emd2 vs emd2-matmul", firsts["emd2"], firsts["emd2-matmul"], graphTol32)
}
