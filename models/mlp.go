package models

import (
	"fmt"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// MLP is a fully connected network: inputs → hidden layers with ReLU →
// outputs. Weights are Glorot-uniform from the seed, biases zero.
type MLP struct {
	dims   []int // inputs, hidden..., outputs
	params []*tensor.Dense
}

// NewMLP returns an MLP with the given layer widths and dtype (float32 or
// float64), initialised from seed.
func NewMLP(dt tensor.Dtype, inputs int, hidden []int, outputs int, seed uint64) (*MLP, error) {
	if err := checkDtype(dt); err != nil {
		return nil, err
	}
	if inputs < 1 || outputs < 1 {
		return nil, fmt.Errorf("models: mlp wants positive input and output widths, got %d and %d", inputs, outputs)
	}
	dims := append([]int{inputs}, hidden...)
	dims = append(dims, outputs)
	rng := rand.New(rand.NewPCG(seed, 0x6d6c70))
	m := &MLP{dims: dims}
	for l := 0; l+1 < len(dims); l++ {
		if dims[l+1] < 1 {
			return nil, fmt.Errorf("models: mlp layer %d has width %d", l+1, dims[l+1])
		}
		m.params = append(m.params,
			glorotUniform(rng, dt, dims[l], dims[l+1], dims[l], dims[l+1]),
			zeros(dt, dims[l+1]))
	}
	return m, nil
}

// Params returns the weights and biases, layer by layer.
func (m *MLP) Params() []*tensor.Dense { return m.params }

// Outputs returns the number of outputs.
func (m *MLP) Outputs() int { return m.dims[len(m.dims)-1] }

// Build instantiates the MLP in g on the B×inputs node x.
func (m *MLP) Build(g *G.ExprGraph, x *G.Node) (*Built, error) {
	b := &Built{}
	h := x
	features := x
	layers := len(m.dims) - 1
	for l := 0; l < layers; l++ {
		w := G.NodeFromAny(g, m.params[2*l], G.WithName(fmt.Sprintf("w%d", l)))
		bias := G.NodeFromAny(g, m.params[2*l+1], G.WithName(fmt.Sprintf("b%d", l)))
		b.Weights = append(b.Weights, w, bias)
		z, err := G.Mul(h, w)
		if err != nil {
			return nil, wrap(fmt.Sprintf("layer %d", l), err)
		}
		if z, err = G.BroadcastAdd(z, bias, nil, []byte{0}); err != nil {
			return nil, wrap(fmt.Sprintf("layer %d bias", l), err)
		}
		if l == layers-1 {
			b.Logits = z
			break
		}
		if h, err = G.Rectify(z); err != nil {
			return nil, wrap(fmt.Sprintf("layer %d relu", l), err)
		}
		features = h
	}
	b.Features = features
	return b, nil
}
