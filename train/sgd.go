package train

import (
	"fmt"

	"gorgonia.org/tensor"
)

// Nesterov is SGD with Nesterov momentum and L2 weight decay, in the form
//
//	g ← ∇ + λ·w;  v ← μ·v + g;  w ← w − η·(g + μ·v)
//
// (Sutskever et al. 2013, as rewritten by frameworks that keep w at the
// look-ahead point; PyTorch's SGD(nesterov=True, dampening=0) computes the
// same, its first v being g since v starts at zero). The velocity is kept,
// and each update computed, in float64 whatever the weights' dtype; float32
// weights get the update rounded once. It is the optimiser of every
// training run, and the one the training-step benchmark (bench) compares
// with PyTorch.
type Nesterov struct {
	momentum, decay float64
	velocity        [][]float64
}

// NewNesterov returns the optimiser of params (float64 or float32 tensors)
// with momentum μ and weight decay λ, its velocity zero.
func NewNesterov(params []*tensor.Dense, momentum, decay float64) *Nesterov {
	n := &Nesterov{momentum: momentum, decay: decay}
	for _, p := range params {
		n.velocity = append(n.velocity, make([]float64, p.Shape().TotalSize()))
	}
	return n
}

// Velocity returns the velocity of each parameter, in params order: the
// optimiser's state (a checkpoint saves and restores it in place).
func (n *Nesterov) Velocity() [][]float64 { return n.velocity }

// Step applies one update with learning rate lr to params, given their
// gradients: grads[i] is the backing slice ([]float64 or []float32, like
// params[i]) of the gradient of params[i]. The gradients are read, not
// cleared. It returns an error when a gradient does not match its
// parameter.
func (n *Nesterov) Step(lr float64, params []*tensor.Dense, grads []any) error {
	mu, wd := n.momentum, n.decay
	for i, p := range params {
		v := n.velocity[i]
		switch w := p.Data().(type) {
		case []float64:
			g, ok := grads[i].([]float64)
			if !ok || len(g) != len(w) {
				return fmt.Errorf("train: gradient %d does not match its parameter", i)
			}
			for j := range w {
				gj := g[j] + wd*w[j]
				v[j] = mu*v[j] + gj
				w[j] -= lr * (gj + mu*v[j])
			}
		case []float32:
			g, ok := grads[i].([]float32)
			if !ok || len(g) != len(w) {
				return fmt.Errorf("train: gradient %d does not match its parameter", i)
			}
			for j := range w {
				gj := float64(g[j]) + wd*float64(w[j])
				v[j] = mu*v[j] + gj
				w[j] = float32(float64(w[j]) - lr*(gj+mu*v[j]))
			}
		default:
			return fmt.Errorf("train: parameter %d is %T", i, p.Data())
		}
	}
	return nil
}
