package bench

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The losses are built here, not taken from package losses, so that the
// benchmark measures exactly the graph that the PyTorch peer mirrors.

// crossEntropy is −(1/B) Σ_n Σ_k t[n,k] · log softmax(z)[n,k].
func crossEntropy(logits, targets *G.Node) (*G.Node, error) {
	logp, err := G.LogSoftMax(logits)
	if err != nil {
		return nil, err
	}
	prod, err := G.HadamardProd(logp, targets)
	if err != nil {
		return nil, err
	}
	sum, err := G.Sum(prod)
	if err != nil {
		return nil, err
	}
	return G.Mul(sum, constant(logits.Dtype(), -1/float64(logits.Shape()[0])))
}

// emd2 is the closed-form squared EMD of PAPER.md §1, mean over batch and
// classes:
//
//	E = 1/(B·C) Σ_n Σ_k ((p[n]−t[n])·U)_k²,  p = softmax(z), U[i][k] = 1 for i ≤ k
func emd2(logits, targets *G.Node) (*G.Node, error) {
	s := logits.Shape()
	b, c := s[0], s[1]
	p, err := G.SoftMax(logits)
	if err != nil {
		return nil, err
	}
	d, err := G.Sub(p, targets)
	if err != nil {
		return nil, err
	}
	u := G.NewMatrix(logits.Graph(), logits.Dtype(), G.WithShape(c, c),
		G.WithValue(upper(logits.Dtype(), c)), G.WithName(fmt.Sprintf("upper%d", c)))
	cdf, err := G.Mul(d, u)
	if err != nil {
		return nil, err
	}
	sq, err := G.Square(cdf)
	if err != nil {
		return nil, err
	}
	sum, err := G.Sum(sq)
	if err != nil {
		return nil, err
	}
	return G.Mul(sum, constant(logits.Dtype(), 1/float64(b*c)))
}

// upper is the c×c upper-triangular matrix of ones.
func upper(dt tensor.Dtype, c int) *tensor.Dense {
	u := tensor.New(tensor.Of(dt), tensor.WithShape(c, c))
	for i := 0; i < c; i++ {
		for k := i; k < c; k++ {
			switch d := u.Data().(type) {
			case []float32:
				d[i*c+k] = 1
			case []float64:
				d[i*c+k] = 1
			}
		}
	}
	return u
}

// constant is a scalar constant of dtype dt.
func constant(dt tensor.Dtype, v float64) *G.Node {
	if dt == tensor.Float32 {
		return G.NewConstant(float32(v))
	}
	return G.NewConstant(v)
}
