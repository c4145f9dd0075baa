package losses

import (
	"fmt"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

const benchBatch = 256

// benchDtype is the dtype of the gorgonia benchmarks: float64, as the
// training package uses.
var benchDtype = tensor.Float64

// BenchmarkLoss measures one forward + backward pass of each plain-Go loss
// over a batch of 256 (Spec.Eval: the batch mean and ∂L/∂outputs).
func BenchmarkLoss(b *testing.B) {
	for _, name := range Names() {
		for _, c := range []int{8, 1000} {
			b.Run(fmt.Sprintf("loss=%s/C=%d", name, c), func(b *testing.B) {
				spec, _ := Lookup(name)
				rng := newRand(200)
				outputs, targets := randBatch(rng, spec, benchBatch, c, logitCases[0].gen, false)
				dist := orNil(specDistance(b, rng, spec, c))
				b.ReportAllocs()
				for b.Loop() {
					spec.Eval(outputs, targets, dist)
				}
			})
		}
	}
}

// BenchmarkEMD measures the exact transport solver on two dense random
// histograms with a random Euclidean ground distance.
func BenchmarkEMD(b *testing.B) {
	for _, c := range []int{8, 64, 256} {
		b.Run(fmt.Sprintf("C=%d", c), func(b *testing.B) {
			rng := newRand(201)
			D := euclideanGround(rng, c)
			p, q := randLogits(rng, c, 1), randLogits(rng, c, 1)
			p, q = Softmax(p, p), Softmax(q, q)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := EMD(p, q, D); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkTrainStep measures one whole gorgonia training step of a small
// MLP, 64 → 128 (ReLU) → C, batch 256, float64: forward, backward and a
// plain SGD update. The loss is the only difference between the loss=…
// variants of one C, so their ratio is the cost of the loss.
//
// loss=emd2-matmul is the first EMD² graph of this package, kept here for
// comparison: gorgonia's SoftMax and the CDFs as a matmul by a constant
// upper-triangular C×C matrix.
func BenchmarkTrainStep(b *testing.B) {
	for _, c := range []int{8, 100} {
		for _, name := range []string{"ce", "emd2", "emd2-matmul", "ce+emd2"} {
			b.Run(fmt.Sprintf("loss=%s/C=%d", name, c), func(b *testing.B) {
				spec, _ := Lookup(name)
				if name == "emd2-matmul" {
					spec, _ = Lookup("emd2")
					spec.Name = name
				}
				step := newTrainStep(b, spec, c)
				defer step.close()
				cpu := startCPU()
				for b.Loop() {
					step.run(b)
				}
				cpu.report(b)
			})
		}
	}
}

type trainStep struct {
	vm     G.VM
	solver G.Solver
	params G.Nodes
	cost   *G.Node
}

func newTrainStep(b testing.TB, spec Spec, c int) *trainStep {
	const in, hidden = 64, 128
	dt := benchDtype
	rng := newRand(202)
	randT := func(r, k int, scale float64) *tensor.Dense {
		rows := make([][]float64, r)
		for i := range rows {
			rows[i] = randLogits(rng, k, scale)
		}
		return denseOf(rows, dt)
	}
	labels := make([]int, benchBatch)
	for i := range labels {
		labels[i] = rng.IntN(c)
	}
	tflat := spec.EncodeTargets(nil, labels, c)
	trows := make([][]float64, benchBatch)
	for i := range trows {
		trows[i] = tflat[i*c : (i+1)*c]
	}

	g := G.NewGraph()
	x := G.NewMatrix(g, dt, G.WithShape(benchBatch, in), G.WithName("x"), G.WithValue(randT(benchBatch, in, 1)))
	tn := G.NewMatrix(g, dt, G.WithShape(benchBatch, c), G.WithName("t"), G.WithValue(denseOf(trows, dt)))
	w1 := G.NewMatrix(g, dt, G.WithShape(in, hidden), G.WithName("w1"), G.WithValue(randT(in, hidden, 0.1)))
	b1 := G.NewMatrix(g, dt, G.WithShape(1, hidden), G.WithName("b1"), G.WithValue(randT(1, hidden, 0)))
	w2 := G.NewMatrix(g, dt, G.WithShape(hidden, c), G.WithName("w2"), G.WithValue(randT(hidden, c, 0.1)))
	b2 := G.NewMatrix(g, dt, G.WithShape(1, c), G.WithName("b2"), G.WithValue(randT(1, c, 0)))

	h := G.Must(G.Rectify(G.Must(G.BroadcastAdd(G.Must(G.Mul(x, w1)), b1, nil, []byte{0}))))
	logits := G.Must(G.BroadcastAdd(G.Must(G.Mul(h, w2)), b2, nil, []byte{0}))
	var cost *G.Node
	var err error
	if spec.Name == "emd2-matmul" {
		cost, err = emd2MatmulNode(logits, tn)
	} else {
		cost, err = spec.Node(logits, tn, nil)
	}
	if err != nil {
		b.Fatal(err)
	}
	params := G.Nodes{w1, b1, w2, b2}
	if _, err := G.Grad(cost, params...); err != nil {
		b.Fatal(err)
	}
	return &trainStep{
		vm:     G.NewTapeMachine(g, G.BindDualValues(params...)),
		solver: G.NewVanillaSolver(G.WithLearnRate(0.05)),
		params: params,
		cost:   cost,
	}
}

// run does one step and returns the loss before the update.
func (s *trainStep) run(b testing.TB) float64 {
	if err := s.vm.RunAll(); err != nil {
		b.Fatal(err)
	}
	loss := scalarOf(b, s.cost.Value())
	if err := s.solver.Step(G.NodesToValueGrads(s.params)); err != nil {
		b.Fatal(err)
	}
	s.vm.Reset()
	return loss
}

func (s *trainStep) close() { s.vm.Close() }

// BenchmarkLossGraph measures the loss part of a training step alone: the
// gorgonia graph of the loss on a B×C logits input (float64, batch 256),
// forward and backward to the logits. Its differences between losses are
// what BenchmarkTrainStep's differences are made of, with far less noise.
func BenchmarkLossGraph(b *testing.B) {
	for _, c := range []int{8, 100} {
		for _, name := range []string{"ce", "emd2", "ce+emd2", "xe-emd1"} {
			b.Run(fmt.Sprintf("loss=%s/C=%d", name, c), func(b *testing.B) {
				spec, _ := Lookup(name)
				rng := newRand(203)
				outputs, targets := randBatch(rng, spec, benchBatch, c, logitCases[0].gen, false)
				dist := orNil(specDistance(b, rng, spec, c))
				lg := newLossGraph(b, benchDtype, outputs, targets, dist, func(z, tn, dn *G.Node) (*G.Node, error) {
					return spec.Node(z, tn, dn)
				})
				defer lg.close()
				cpu := startCPU()
				for b.Loop() {
					lg.run(b)
				}
				cpu.report(b)
			})
		}
	}
}

// emd2MatmulNode is the package's first EMD² graph (NormMean), for the
// benchmark only: gorgonia's SoftMax, then (p − t)·U with U[i][k] = 1 for
// i ≤ k, squared and averaged.
func emd2MatmulNode(logits, targets *G.Node) (*G.Node, error) {
	s := logits.Shape()
	b, c := s[0], s[1]
	p, err := G.SoftMax(logits)
	if err != nil {
		return nil, err
	}
	diff, err := G.Sub(p, targets)
	if err != nil {
		return nil, err
	}
	u := make([][]float64, c)
	for i := range u {
		u[i] = make([]float64, c)
		for k := i; k < c; k++ {
			u[i][k] = 1
		}
	}
	un := G.NewMatrix(logits.Graph(), logits.Dtype(), G.WithShape(c, c), G.WithValue(DistanceTensor(u, logits.Dtype())), G.WithName("upper"))
	cdf, err := G.Mul(diff, un)
	if err != nil {
		return nil, err
	}
	sq, err := G.Square(cdf)
	if err != nil {
		return nil, err
	}
	return sumTimes(sq, 1/float64(b*c))
}
