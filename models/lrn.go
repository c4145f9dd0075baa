package models

import (
	"fmt"

	G "gorgonia.org/gorgonia"
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

// build adds the normalisation of the B×C×H×W node x to its graph as one
// fused op (see lrn_op.go) with its own gradient op.
func (l LRN) build(x *G.Node) (*G.Node, error) {
	return fusedLRN(l, x)
}
