package models

import (
	"fmt"

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

// EvalBuilder is a Network whose evaluation graph differs from its training
// graph (it has dropout). Build gives the training form; BuildEval the
// evaluation form, with the same weights.
type EvalBuilder interface {
	Network
	BuildEval(g *G.ExprGraph, x *G.Node) (*Built, error)
}

// BuildEval adds the evaluation form of net to g: net.BuildEval when net is
// an EvalBuilder, net.Build otherwise (a network without dropout is the same
// in both). Training loops build their training graph with net.Build and
// their forward-only graphs with BuildEval.
func BuildEval(net Network, g *G.ExprGraph, x *G.Node) (*Built, error) {
	if e, ok := net.(EvalBuilder); ok {
		return e.BuildEval(g, x)
	}
	return net.Build(g, x)
}

func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("models: %s: %w", op, err)
}
