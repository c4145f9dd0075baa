// Package bench measures one training step of the project's small CNN and
// of the face AlexNet in gorgonia, to be compared with the same steps in
// PyTorch (compare.sh, step_torch.py). See README.md.
package bench

import (
	"fmt"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/replicate-emd/replicate/models"
	"github.com/replicate-emd/replicate/train"
)

// The benchmarked problems: 8 ordered classes, and for the small CNN (the
// default two blocks, FC 4096 → 8) a batch of 64 RGB 32×32 images, for the
// face AlexNet (models.FaceAlexNetOptions) a batch of 32 RGB 227×227 ones.
const (
	Batch    = 64
	Channels = 3
	Side     = 32
	Classes  = 8

	AlexNetBatch = 32
	AlexNetSide  = 227
)

// Network names a benchmarked network.
type Network string

// The two networks compared.
const (
	SmallCNN    Network = "cnn"     // models.DefaultConvs, batch Batch of Channels×Side×Side
	FaceAlexNet Network = "alexnet" // models.FaceAlexNetOptions, batch AlexNetBatch of Channels×AlexNetSide×AlexNetSide
)

// options returns the network's options and its batch size.
func (n Network) options(dt tensor.Dtype, k models.Kernels, seed uint64) (models.CNNOptions, int, error) {
	switch n {
	case SmallCNN:
		return models.CNNOptions{Dtype: dt, Channels: Channels, Height: Side, Width: Side,
			Outputs: Classes, Seed: seed, Kernels: k}, Batch, nil
	case FaceAlexNet:
		o := models.FaceAlexNetOptions(Classes, seed)
		o.Dtype, o.Kernels = dt, k
		return o, AlexNetBatch, nil
	}
	return models.CNNOptions{}, 0, fmt.Errorf("bench: unknown network %q", n)
}

// Hyper-parameters of the update, those of the PyTorch peer:
// torch.optim.SGD(lr=0.01, momentum=0.9, nesterov=True, weight_decay=1e-4).
const (
	LR          = 0.01
	Momentum    = 0.9
	WeightDecay = 1e-4
)

// Loss names the loss of a step.
type Loss string

// The two losses compared.
const (
	CE   Loss = "ce"   // cross-entropy, −mean log softmax(z)_y
	EMD2 Loss = "emd2" // closed-form squared EMD, mean over batch × classes
)

// Step is one compiled training step: the graph, its tape machine, the
// bound input and target tensors, and the optimiser state. It is built once
// and run many times; nothing is rebuilt per step.
type Step struct {
	Net    *models.CNN
	batch  int
	x, t   *tensor.Dense
	loss   *G.Node
	wts    G.Nodes
	vm     G.VM
	params []*tensor.Dense
	grads  []*tensor.Dense
	// gradData holds the backing slices of grads for the update.
	gradData []any
	// opt is the training loop's own optimiser (train.Nesterov), the one
	// tested against PyTorch's update in train/sgd_test.go.
	opt *train.Nesterov
	rng *rand.Rand
}

// NewStep builds the network with the given kernels, the loss and the
// gradient graph for dt, and a tape machine bound to the weights'
// gradients.
func NewStep(n Network, dt tensor.Dtype, loss Loss, k models.Kernels, seed uint64) (*Step, error) {
	opts, batch, err := n.options(dt, k, seed)
	if err != nil {
		return nil, err
	}
	net, err := models.NewCNN(opts)
	if err != nil {
		return nil, err
	}
	s := &Step{Net: net, batch: batch, params: net.Params(), rng: rand.New(rand.NewPCG(seed, 0xbe4c))}
	g := G.NewGraph()
	in := append([]int{batch}, net.InputShape()...)
	s.x = tensor.New(tensor.Of(dt), tensor.WithShape(in...))
	s.t = tensor.New(tensor.Of(dt), tensor.WithShape(batch, Classes))
	xn := G.NewTensor(g, dt, 4, G.WithShape(in...), G.WithName("x"), G.WithValue(s.x))
	tn := G.NewMatrix(g, dt, G.WithShape(batch, Classes), G.WithName("t"), G.WithValue(s.t))
	built, err := net.Build(g, xn)
	if err != nil {
		return nil, err
	}
	switch loss {
	case CE:
		s.loss, err = crossEntropy(built.Logits, tn)
	case EMD2:
		s.loss, err = emd2(built.Logits, tn)
	default:
		err = fmt.Errorf("bench: unknown loss %q", loss)
	}
	if err != nil {
		return nil, err
	}
	s.wts = built.Weights
	if _, err := G.Grad(s.loss, s.wts...); err != nil {
		return nil, fmt.Errorf("bench: gradient: %w", err)
	}
	s.vm = G.NewTapeMachine(g, G.BindDualValues(s.wts...))
	s.opt = train.NewNesterov(s.params, Momentum, WeightDecay)
	s.Fill()
	return s, nil
}

// Fill draws a new batch: inputs from U(−1, 1), labels uniform.
func (s *Step) Fill() {
	switch x := s.x.Data().(type) {
	case []float32:
		t := s.t.Data().([]float32)
		for i := range x {
			x[i] = float32(2*s.rng.Float64() - 1)
		}
		clear(t)
		for i := 0; i < s.batch; i++ {
			t[i*Classes+s.rng.IntN(Classes)] = 1
		}
	case []float64:
		t := s.t.Data().([]float64)
		for i := range x {
			x[i] = 2*s.rng.Float64() - 1
		}
		clear(t)
		for i := 0; i < s.batch; i++ {
			t[i*Classes+s.rng.IntN(Classes)] = 1
		}
	}
}

// Run does one training step on the current batch — forward, backward,
// Nesterov update, gradient reset — and returns the loss.
func (s *Step) Run() (float64, error) {
	if err := s.vm.RunAll(); err != nil {
		return 0, err
	}
	defer s.vm.Reset()
	s.grads = s.grads[:0]
	for i, w := range s.wts {
		gv, err := w.Grad()
		if err != nil {
			return 0, fmt.Errorf("bench: gradient %d: %w", i, err)
		}
		s.grads = append(s.grads, gv.(*tensor.Dense))
	}
	s.gradData = s.gradData[:0]
	for _, g := range s.grads {
		s.gradData = append(s.gradData, g.Data())
	}
	if err := s.opt.Step(LR, s.params, s.gradData); err != nil {
		return 0, fmt.Errorf("bench: update: %w", err)
	}
	// The tape machine adds into the bound gradients on every run: clear them.
	for _, g := range s.grads {
		g.Zero()
	}
	var loss float64
	switch v := s.loss.Value().Data().(type) {
	case float32:
		loss = float64(v)
	case float64:
		loss = v
	}
	return loss, nil
}
