package train

import (
	"fmt"
	"runtime"
	"sync"

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
// parameter. Large parameters are updated in GOMAXPROCS parallel chunks;
// each entry's update is the same whatever the split.
func (n *Nesterov) Step(lr float64, params []*tensor.Dense, grads []any) error {
	if len(grads) != len(params) {
		return fmt.Errorf("train: %d gradients for %d parameters", len(grads), len(params))
	}
	for i, p := range params {
		v := n.velocity[i]
		switch w := p.Data().(type) {
		case []float64:
			g, ok := grads[i].([]float64)
			if !ok || len(g) != len(w) || len(v) != len(w) {
				return fmt.Errorf("train: gradient %d does not match its parameter", i)
			}
			chunked(len(w), func(lo, hi int) { nesterov64(lr, n.momentum, n.decay, w[lo:hi], g[lo:hi], v[lo:hi]) })
		case []float32:
			g, ok := grads[i].([]float32)
			if !ok || len(g) != len(w) || len(v) != len(w) {
				return fmt.Errorf("train: gradient %d does not match its parameter", i)
			}
			chunked(len(w), func(lo, hi int) { nesterov32(lr, n.momentum, n.decay, w[lo:hi], g[lo:hi], v[lo:hi]) })
		default:
			return fmt.Errorf("train: parameter %d is %T", i, p.Data())
		}
	}
	return nil
}

// nesterov64 updates float64 weights w with gradients g and velocity v
// (all of one length) in place.
func nesterov64(lr, mu, wd float64, w, g, v []float64) {
	g, v = g[:len(w)], v[:len(w)]
	for j := range w {
		gj := g[j] + wd*w[j]
		v[j] = mu*v[j] + gj
		w[j] -= lr * (gj + mu*v[j])
	}
}

// nesterov32 is nesterov64 for float32 weights and gradients: the update
// is computed in float64 and rounded once.
func nesterov32(lr, mu, wd float64, w, g []float32, v []float64) {
	g, v = g[:len(w)], v[:len(w)]
	for j := range w {
		gj := float64(g[j]) + wd*float64(w[j])
		v[j] = mu*v[j] + gj
		w[j] = float32(float64(w[j]) - lr*(gj+mu*v[j]))
	}
}

// parallelMin is the least number of entries of a parameter that Step
// splits across goroutines; tests lower it.
var parallelMin = 1 << 16

// chunked calls f on consecutive ranges [lo, hi) covering [0, n): on the
// caller's goroutine when n < parallelMin or GOMAXPROCS is 1, otherwise on
// GOMAXPROCS goroutines (one of them the caller's), one range each.
func chunked(n int, f func(lo, hi int)) {
	p := runtime.GOMAXPROCS(0)
	if p <= 1 || n < parallelMin {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	for k := 1; k < p; k++ {
		wg.Go(func() { f(k*n/p, (k+1)*n/p) })
	}
	f(0, n/p)
	wg.Wait()
}
