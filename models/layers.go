package models

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The layer builders below compose gorgonia's own operations; each one is
// checked against a plain-Go reference (values and gradients) in
// ops_test.go.

// denseLayer returns x·w + b for a B×in node x, an in×out weight node w and
// an out bias node b.
func denseLayer(x, w, b *G.Node) (*G.Node, error) {
	z, err := G.Mul(x, w)
	if err != nil {
		return nil, err
	}
	return G.BroadcastAdd(z, b, nil, []byte{0})
}

// convLayer returns the cross-correlation of the B×Cin×H×W node x with the
// Cout×Cin×k×k filters w, plus the per-channel bias b (length Cout), with
// zero padding pad on every side and the given stride:
//
//	y[n,o,i,j] = b[o] + Σ_{c,u,v} w[o,c,u,v] · x[n, c, i·s+u−pad, j·s+v−pad]
func convLayer(x, w, b *G.Node, pad, stride int) (*G.Node, error) {
	ws := w.Shape()
	y, err := G.Conv2d(x, w, tensor.Shape{ws[2], ws[3]}, []int{pad, pad}, []int{stride, stride}, []int{1, 1})
	if err != nil {
		return nil, err
	}
	return G.BroadcastAdd(y, b, nil, []byte{0, 2, 3})
}

// maxPool returns the k×k max-pool of x with the given stride and no
// padding (floor mode: windows that would cross the border are dropped).
// Ceil mode would need explicit south/east padding, which gorgonia v0.9.18's
// MaxPool2D applies on the north/west side instead
// (TestGorgoniaMaxPool2D_AsymmetricPadding); the Fused kernels implement
// ceil mode themselves.
func maxPool(x *G.Node, k, stride int) (*G.Node, error) {
	return G.MaxPool2D(x, tensor.Shape{k, k}, []int{0, 0}, []int{stride, stride})
}

// flatten reshapes a B×… node to B×(product of the rest).
func flatten(x *G.Node) (*G.Node, error) {
	s := x.Shape()
	if s.Dims() == 2 {
		return x, nil
	}
	return G.Reshape(x, tensor.Shape{s[0], s.TotalSize() / s[0]})
}

// param makes the graph node of one weight tensor.
func param(g *G.ExprGraph, t *tensor.Dense, name string) *G.Node {
	return G.NodeFromAny(g, t, G.WithName(name))
}

// constant returns a scalar constant of the dtype dt.
func constant(dt tensor.Dtype, v float64) *G.Node {
	if dt == tensor.Float32 {
		return G.NewConstant(float32(v))
	}
	return G.NewConstant(v)
}

// checkDtype accepts the two float dtypes the networks support.
func checkDtype(dt tensor.Dtype) error {
	if dt != tensor.Float32 && dt != tensor.Float64 {
		return fmt.Errorf("models: dtype %v is not supported (want float32 or float64)", dt)
	}
	return nil
}
