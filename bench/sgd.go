package bench

import "gorgonia.org/tensor"

// nesterov is the update of torch.optim.SGD(momentum=μ, nesterov=True,
// weight_decay=λ, dampening=0), written out:
//
//	g ← ∇w + λ·w
//	v ← μ·v + g        (v starts at zero, so the first v is g, as in PyTorch)
//	w ← w − η·(g + μ·v)
//
// It also zeroes ∇w after reading it: gorgonia's tape machine adds into the
// bound gradients on every run.
type nesterov struct {
	vel []*tensor.Dense
}

func newNesterov(params []*tensor.Dense) nesterov {
	var n nesterov
	for _, p := range params {
		n.vel = append(n.vel, tensor.New(tensor.Of(p.Dtype()), tensor.WithShape(p.Shape().Clone()...)))
	}
	return n
}

// step updates params in place from grads and clears grads.
func (n nesterov) step(params, grads []*tensor.Dense) {
	for i, p := range params {
		switch w := p.Data().(type) {
		case []float32:
			update32(w, grads[i].Data().([]float32), n.vel[i].Data().([]float32))
		case []float64:
			update64(w, grads[i].Data().([]float64), n.vel[i].Data().([]float64))
		}
	}
}

func update32(w, g, v []float32) {
	const lr, mu, wd = float32(LR), float32(Momentum), float32(WeightDecay)
	for j := range w {
		gj := g[j] + wd*w[j]
		v[j] = mu*v[j] + gj
		w[j] -= lr * (gj + mu*v[j])
		g[j] = 0
	}
}

func update64(w, g, v []float64) {
	const lr, mu, wd = LR, Momentum, WeightDecay
	for j := range w {
		gj := g[j] + wd*w[j]
		v[j] = mu*v[j] + gj
		w[j] -= lr * (gj + mu*v[j])
		g[j] = 0
	}
}
