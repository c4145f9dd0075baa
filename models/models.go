// Package models builds the gorgonia networks of the project. A network's
// weights live in tensors owned by the network, so that the same weights can
// be bound into several graphs (a training graph and an evaluation graph of
// another batch size) and updated in place by the optimiser.
package models

import (
	"fmt"
	"math"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Network is a gorgonia network whose weights outlive any one graph.
type Network interface {
	// Build adds the network to g for the input node x (batch first) and
	// returns the logits (B×outputs) and the penultimate features (B×F),
	// together with the weight nodes of this graph in the order of Params.
	Build(g *G.ExprGraph, x *G.Node) (*Built, error)
	// Params returns the weight tensors, in a fixed order.
	Params() []*tensor.Dense
	// Outputs returns the width of the last layer.
	Outputs() int
}

// Built is a network instantiated in one graph.
type Built struct {
	Logits   *G.Node // B×outputs
	Features *G.Node // B×F penultimate activations (post-ReLU)
	Weights  G.Nodes // one node per Params tensor, same order
}

// glorotUniform fills a fan-in × fan-out weight tensor from U(−a, a) with
// a = sqrt(6 / (fanIn + fanOut)) (Glorot & Bengio 2010), from rng.
func glorotUniform(rng *rand.Rand, dt tensor.Dtype, fanIn, fanOut int, shape ...int) *tensor.Dense {
	a := math.Sqrt(6 / float64(fanIn+fanOut))
	n := 1
	for _, s := range shape {
		n *= s
	}
	switch dt {
	case tensor.Float32:
		d := make([]float32, n)
		for i := range d {
			d[i] = float32((2*rng.Float64() - 1) * a)
		}
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(d))
	default:
		d := make([]float64, n)
		for i := range d {
			d[i] = (2*rng.Float64() - 1) * a
		}
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(d))
	}
}

func zeros(dt tensor.Dtype, shape ...int) *tensor.Dense {
	return tensor.New(tensor.Of(dt), tensor.WithShape(shape...))
}

func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("models: %s: %w", op, err)
}
