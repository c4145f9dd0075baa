package train

import (
	"fmt"

	"gorgonia.org/tensor"
)

// nesterov is SGD with Nesterov momentum and L2 weight decay, in the form
//
//	g ← ∇ + λ·w;  v ← μ·v + g;  w ← w − η·(g + μ·v)
//
// (the formulation of Sutskever et al. 2013 as rewritten for frameworks that
// keep w at the look-ahead point).
type nesterov struct {
	momentum, decay float64
	velocity        [][]float64
}

func newNesterov(params []*tensor.Dense, momentum, decay float64) *nesterov {
	n := &nesterov{momentum: momentum, decay: decay}
	for _, p := range params {
		n.velocity = append(n.velocity, make([]float64, p.Shape().TotalSize()))
	}
	return n
}

// step applies one update with learning rate lr to params given grads.
func (n *nesterov) step(lr float64, params []*tensor.Dense, grads [][]float64) error {
	for i, p := range params {
		w, ok := p.Data().([]float64)
		if !ok {
			return fmt.Errorf("train: parameter %d is %T, want []float64", i, p.Data())
		}
		g, v := grads[i], n.velocity[i]
		if len(g) != len(w) {
			return fmt.Errorf("train: parameter %d has %d values but %d gradients", i, len(w), len(g))
		}
		for j := range w {
			gj := g[j] + n.decay*w[j]
			v[j] = n.momentum*v[j] + gj
			w[j] -= lr * (gj + n.momentum*v[j])
		}
	}
	return nil
}
