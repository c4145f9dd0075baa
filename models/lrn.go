package models

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// LRN is local response normalisation across channels (Krizhevsky et al.
// 2012, as in Caffe's LRN layer with norm_region ACROSS_CHANNELS):
//
//	y[n,c,i,j] = x[n,c,i,j] / (K + (Alpha/Size) · Σ_{c'} x[n,c',i,j]²)^Beta
//
// where c' runs over the Size channels centred on c (Size odd; channels
// beyond the first and last count as zero).
type LRN struct {
	Size  int     // channels in the window (odd)
	Alpha float64 // scale of the sum of squares
	Beta  float64 // exponent
	K     float64 // additive constant
}

// CaffeLRN is the setting of the Caffe models of Levi & Hassner (2015):
// local_size 5, alpha 1e-4, beta 0.75, k 1.
var CaffeLRN = LRN{Size: 5, Alpha: 1e-4, Beta: 0.75, K: 1}

// validate reports a setting LRN cannot use.
func (l LRN) validate() error {
	if l.Size < 1 || l.Size%2 == 0 {
		return fmt.Errorf("models: LRN size must be odd and positive, got %d", l.Size)
	}
	if !(l.K > 0) || l.Alpha < 0 || l.Beta < 0 {
		return fmt.Errorf("models: LRN wants K > 0, Alpha ≥ 0, Beta ≥ 0, got %+v", l)
	}
	return nil
}

// build adds the normalisation of the B×C×H×W node x to its graph. It uses
// only gorgonia primitives, so gorgonia differentiates it:
// the window sum over channels is a convolution of the squares, viewed as
// B×1×C×(H·W), with a constant Size×1 filter of ones and Size/2 zero
// padding along the channel axis; then K + (Alpha/Size)·s, Pow(·, Beta) and
// a Hadamard division.
func (l LRN) build(x *G.Node) (*G.Node, error) {
	s := x.Shape()
	b, c, h, w := s[0], s[1], s[2], s[3]
	dt := x.Dtype()
	sq, err := G.Square(x)
	if err != nil {
		return nil, err
	}
	if sq, err = G.Reshape(sq, tensor.Shape{b, 1, c, h * w}); err != nil {
		return nil, err
	}
	ones := tensor.New(tensor.Of(dt), tensor.WithShape(1, 1, l.Size, 1))
	if err := ones.Memset(one(dt)); err != nil {
		return nil, err
	}
	filter := G.NewTensor(x.Graph(), dt, 4, G.WithShape(1, 1, l.Size, 1), G.WithValue(ones),
		G.WithName(fmt.Sprintf("lrn_ones_%d", l.Size)))
	sum, err := G.Conv2d(sq, filter, tensor.Shape{l.Size, 1}, []int{l.Size / 2, 0}, []int{1, 1}, []int{1, 1})
	if err != nil {
		return nil, err
	}
	if sum, err = G.Reshape(sum, tensor.Shape{b, c, h, w}); err != nil {
		return nil, err
	}
	if sum, err = G.Mul(sum, constant(dt, l.Alpha/float64(l.Size))); err != nil {
		return nil, err
	}
	if sum, err = G.Add(sum, constant(dt, l.K)); err != nil {
		return nil, err
	}
	den, err := G.Pow(sum, constant(dt, l.Beta))
	if err != nil {
		return nil, err
	}
	return G.HadamardDiv(x, den)
}

// one is 1 in the dtype dt.
func one(dt tensor.Dtype) any {
	if dt == tensor.Float32 {
		return float32(1)
	}
	return float64(1)
}
