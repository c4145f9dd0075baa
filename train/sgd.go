package train

import (
	"fmt"

	"gorgonia.org/tensor"
)

// nesterov is SGD with Nesterov momentum and L2 weight decay, in the form
//
//	g ← ∇ + λ·w;  v ← μ·v + g;  w ← w − η·(g + μ·v)
//
// (Sutskever et al. 2013, as rewritten by frameworks that keep w at the
// look-ahead point; PyTorch's SGD(nesterov=True) computes the same). The
// velocity is kept in float64 whatever the weights' dtype.
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

// step applies one update with learning rate lr to params given their
// gradients (same dtype as the params).
func (n *nesterov) step(lr float64, params []*tensor.Dense, grads []any) error {
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
