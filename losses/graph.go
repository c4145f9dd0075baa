package losses

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Norm selects the normalisation of the closed-form EMD².
type Norm int

const (
	// NormMean divides the squared CDF differences by the number of classes
	// C, as the paper's released code does (the default).
	NormMean Norm = iota
	// NormSum keeps the plain sum over classes: the ranked probability score.
	NormSum
)

// CrossEntropyNode builds the batch mean of −Σ_k t_k log softmax(z)_k for a
// B×C logits node and a B×C target node (one-hot or soft rows summing to 1).
func CrossEntropyNode(logits, targets *G.Node) (*G.Node, error) {
	logp, err := G.LogSoftMax(logits)
	if err != nil {
		return nil, fmt.Errorf("losses: log-softmax: %w", err)
	}
	prod, err := G.HadamardProd(logp, targets)
	if err != nil {
		return nil, fmt.Errorf("losses: cross-entropy: %w", err)
	}
	sum, err := G.Sum(prod)
	if err != nil {
		return nil, err
	}
	b := float64(logits.Shape()[0])
	return G.Mul(sum, scalarLike(logits, -1/b))
}

// EMD2Node builds the batch mean of the closed-form squared EMD between
// softmax(logits) and the targets, both B×C, for ordered classes with ground
// distance |i−j|:
//
//	E = norm · Σ_k (CDF_p(k) − CDF_t(k))²,  norm = 1/C (NormMean) or 1 (NormSum)
func EMD2Node(logits, targets *G.Node, norm Norm) (*G.Node, error) {
	shape := logits.Shape()
	if len(shape) != 2 {
		return nil, fmt.Errorf("losses: EMD2Node wants B×C logits, got shape %v", shape)
	}
	b, c := shape[0], shape[1]
	p, err := G.SoftMax(logits)
	if err != nil {
		return nil, fmt.Errorf("losses: softmax: %w", err)
	}
	diff, err := G.Sub(p, targets)
	if err != nil {
		return nil, err
	}
	// CDF difference = (p − t) · U with U[i][k] = 1 for i ≤ k.
	u := upperOnes(logits.Dtype(), c)
	un := G.NewMatrix(logits.Graph(), logits.Dtype(), G.WithShape(c, c), G.WithValue(u), G.WithName(fmt.Sprintf("cdf_upper_%d", c)))
	cdf, err := G.Mul(diff, un)
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
	scale := 1 / float64(b)
	if norm == NormMean {
		scale /= float64(c)
	}
	return G.Mul(sum, scalarLike(logits, scale))
}

func scalarLike(n *G.Node, v float64) *G.Node {
	if n.Dtype() == tensor.Float32 {
		return G.NewConstant(float32(v))
	}
	return G.NewConstant(v)
}

func upperOnes(dt tensor.Dtype, c int) *tensor.Dense {
	if dt == tensor.Float32 {
		d := make([]float32, c*c)
		for i := 0; i < c; i++ {
			for k := i; k < c; k++ {
				d[i*c+k] = 1
			}
		}
		return tensor.New(tensor.WithShape(c, c), tensor.WithBacking(d))
	}
	d := make([]float64, c*c)
	for i := 0; i < c; i++ {
		for k := i; k < c; k++ {
			d[i*c+k] = 1
		}
	}
	return tensor.New(tensor.WithShape(c, c), tensor.WithBacking(d))
}
