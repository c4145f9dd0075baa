package losses

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The graph builders below return a scalar node holding the batch mean of a
// loss, for B×C logits (B×1 outputs for L2Node) and B×C targets (one-hot or
// soft rows summing to 1), in float32 or float64. They use the stable
// row-wise softmax of this package, not gorgonia's SoftMax (see
// graph_ops.go), and support G.Grad with a TapeMachine. A shape or dtype
// mismatch is returned as an error that starts with "losses: ". Targets are
// not checked at run time: rows that do not sum to 1 give the formula's value.

// SoftmaxNode returns the row-wise softmax of a B×C node, computed stably
// (row maximum subtracted) for float32 and float64.
func SoftmaxNode(logits *G.Node) (*G.Node, error) {
	if err := checkMatrix("SoftmaxNode", logits); err != nil {
		return nil, err
	}
	return G.ApplyOp(newRowSoftmaxOp(false), logits)
}

// LogSoftmaxNode returns the row-wise log-softmax of a B×C node, computed
// stably: log p = (z − max z) − log Σ exp(z − max z).
func LogSoftmaxNode(logits *G.Node) (*G.Node, error) {
	if err := checkMatrix("LogSoftmaxNode", logits); err != nil {
		return nil, err
	}
	return G.ApplyOp(newRowSoftmaxOp(true), logits)
}

// CrossEntropyNode builds the batch mean of the cross-entropy (see
// CrossEntropy):
//
//	L = −(1/B) Σ_b Σ_k t_bk log softmax(z_b)_k
func CrossEntropyNode(logits, targets *G.Node) (*G.Node, error) {
	return crossEntropyNode(logits, targets, 0)
}

// crossEntropyNode is CrossEntropyNode with a probability floor ε inside the
// log (−Σ t log(p + ε)); ε = 0 uses the exact log-softmax.
func crossEntropyNode(logits, targets *G.Node, floor float64) (*G.Node, error) {
	b, _, err := checkPair("CrossEntropyNode", logits, targets)
	if err != nil {
		return nil, err
	}
	var logp *G.Node
	if floor == 0 {
		logp, err = G.ApplyOp(newRowSoftmaxOp(true), logits)
	} else {
		logp, err = flooredLog(logits, floor)
	}
	if err != nil {
		return nil, err
	}
	prod, err := G.HadamardProd(logp, targets)
	if err != nil {
		return nil, err
	}
	return sumTimes(prod, -1/float64(b))
}

func flooredLog(logits *G.Node, floor float64) (*G.Node, error) {
	p, err := G.ApplyOp(newRowSoftmaxOp(false), logits)
	if err != nil {
		return nil, err
	}
	shifted, err := G.Add(p, scalarLike(logits, floor))
	if err != nil {
		return nil, err
	}
	return G.Log(shifted)
}

// EMD2Node builds the batch mean of the closed-form squared EMD between
// softmax(logits) and the targets for ordered classes with ground distance
// |i−j| (see EMD2 and RPS):
//
//	L = (1/B) Σ_b s · Σ_k (CDF_p(k) − CDF_t(k))²,  s = 1/C (NormMean) or 1 (NormSum)
//
// The CDF differences are a cumulative sum of p − t along the classes, O(B·C).
func EMD2Node(logits, targets *G.Node, norm Norm) (*G.Node, error) {
	b, c, err := checkPair("EMD2Node", logits, targets)
	if err != nil {
		return nil, err
	}
	if norm != NormMean && norm != NormSum {
		return nil, fmt.Errorf("losses: EMD2Node: unknown norm %v", norm)
	}
	p, err := G.ApplyOp(newRowSoftmaxOp(false), logits)
	if err != nil {
		return nil, err
	}
	diff, err := G.Sub(p, targets)
	if err != nil {
		return nil, err
	}
	cdf, err := G.ApplyOp(newCumsumOp(false), diff)
	if err != nil {
		return nil, err
	}
	sq, err := G.Square(cdf)
	if err != nil {
		return nil, err
	}
	return sumTimes(sq, norm.scale(c)/float64(b))
}

// CostMatrixEMD2Node builds the batch mean of the cost-matrix EMD² (see
// CostMatrixEMD2Grad), dist being a C×C node of the ground distance in the
// loss's convention (unit diagonal; see UnitDiagonal):
//
//	L = (1/B) Σ_b (1/C) Σ_i (p_bi − t_bi)² w_bi,   w = t·D
//
// For a one-hot target w_b is the row D[y_b]. dist may be an input node
// (G.NewMatrix without a value, set with G.Let) so that a learned D can be
// replaced between epochs without rebuilding the graph; the loss is not
// differentiable with respect to dist or the targets.
func CostMatrixEMD2Node(logits, targets, dist *G.Node) (*G.Node, error) {
	b, c, err := checkPair("CostMatrixEMD2Node", logits, targets)
	if err != nil {
		return nil, err
	}
	if dist == nil || !dist.Shape().Eq(tensor.Shape{c, c}) || dist.Dtype() != logits.Dtype() {
		return nil, fmt.Errorf("losses: CostMatrixEMD2Node: distance %v, want a %d×%d %v matrix", describe(dist), c, c, logits.Dtype())
	}
	p, err := G.ApplyOp(newRowSoftmaxOp(false), logits)
	if err != nil {
		return nil, err
	}
	w, err := G.ApplyOp(newMixRowsOp(), targets, dist)
	if err != nil {
		return nil, err
	}
	diff, err := G.Sub(p, targets)
	if err != nil {
		return nil, err
	}
	sq, err := G.Square(diff)
	if err != nil {
		return nil, err
	}
	weighted, err := G.HadamardProd(sq, w)
	if err != nil {
		return nil, err
	}
	return sumTimes(weighted, 1/float64(b*c))
}

// L2Node builds the batch mean of the L2 regression loss (see L2) for a B×1
// output node and a B×1 node of class indices (as floats, unscaled):
//
//	L = (1/B) Σ_b (o_b − y_b)²
func L2Node(output, targets *G.Node) (*G.Node, error) {
	b, c, err := checkPair("L2Node", output, targets)
	if err != nil {
		return nil, err
	}
	if c != 1 {
		return nil, fmt.Errorf("losses: L2Node wants a B×1 output, got %v", output.Shape())
	}
	diff, err := G.Sub(output, targets)
	if err != nil {
		return nil, err
	}
	sq, err := G.Square(diff)
	if err != nil {
		return nil, err
	}
	return sumTimes(sq, 1/float64(b))
}

// CEPlusEMD2Node builds the batch mean of the combined loss (see
// CEPlusEMD2Grad):
//
//	L = w.CE · CE_ε + w.EMD · E
//
// where CE_ε is the cross-entropy with probability floor w.Floor, and E is
// EMD2Node(logits, targets, norm) when dist is nil, else
// CostMatrixEMD2Node(logits, targets, dist). A zero weight drops its term
// from the graph. The weights are checked with Weights.Validate.
func CEPlusEMD2Node(logits, targets, dist *G.Node, norm Norm, w Weights) (*G.Node, error) {
	if err := w.Validate(); err != nil {
		return nil, err
	}
	var terms []*G.Node
	if w.CE != 0 {
		ce, err := crossEntropyNode(logits, targets, w.Floor)
		if err != nil {
			return nil, err
		}
		if ce, err = weighted(ce, logits, w.CE); err != nil {
			return nil, err
		}
		terms = append(terms, ce)
	}
	if w.EMD != 0 {
		var e *G.Node
		var err error
		if dist == nil {
			e, err = EMD2Node(logits, targets, norm)
		} else {
			e, err = CostMatrixEMD2Node(logits, targets, dist)
		}
		if err != nil {
			return nil, err
		}
		if e, err = weighted(e, logits, w.EMD); err != nil {
			return nil, err
		}
		terms = append(terms, e)
	}
	if len(terms) == 1 {
		return terms[0], nil
	}
	return G.Add(terms[0], terms[1])
}

// weighted returns w·x, or x itself when w is 1.
func weighted(x, like *G.Node, w float64) (*G.Node, error) {
	if w == 1 {
		return x, nil
	}
	return G.Mul(x, scalarLike(like, w))
}

// DistanceTensor returns D as a C×C dense tensor of dtype dt (Float32 or
// Float64), for the value of a distance node (G.WithValue or G.Let).
// DistanceTensor panics if D is not square or dt is not a float dtype.
func DistanceTensor(D [][]float64, dt tensor.Dtype) *tensor.Dense {
	c := len(D)
	checkSquare(D, c)
	if c == 0 {
		panic(errEmpty)
	}
	switch dt {
	case tensor.Float64:
		back := make([]float64, 0, c*c)
		for _, row := range D {
			back = append(back, row...)
		}
		return tensor.New(tensor.WithShape(c, c), tensor.WithBacking(back))
	case tensor.Float32:
		back := make([]float32, 0, c*c)
		for _, row := range D {
			for _, v := range row {
				back = append(back, float32(v))
			}
		}
		return tensor.New(tensor.WithShape(c, c), tensor.WithBacking(back))
	}
	panic(errBadParam)
}

// sumTimes returns k · Σ x as a scalar node.
func sumTimes(x *G.Node, k float64) (*G.Node, error) {
	s, err := G.Sum(x)
	if err != nil {
		return nil, err
	}
	return G.Mul(s, scalarLike(x, k))
}

func scalarLike(n *G.Node, v float64) *G.Node {
	if n.Dtype() == tensor.Float32 {
		return G.NewConstant(float32(v))
	}
	return G.NewConstant(v)
}

func checkMatrix(fn string, x *G.Node) error {
	if x == nil {
		return fmt.Errorf("losses: %s: nil node", fn)
	}
	if x.Shape().Dims() != 2 {
		return fmt.Errorf("losses: %s wants a B×C matrix, got shape %v", fn, x.Shape())
	}
	if dt := x.Dtype(); dt != tensor.Float32 && dt != tensor.Float64 {
		return fmt.Errorf("losses: %s wants float32 or float64, got %v", fn, dt)
	}
	return nil
}

// checkPair checks that x and targets are B×C float matrices of the same
// shape and dtype, and returns B and C.
func checkPair(fn string, x, targets *G.Node) (b, c int, err error) {
	if err := checkMatrix(fn, x); err != nil {
		return 0, 0, err
	}
	if targets == nil || !targets.Shape().Eq(x.Shape()) || targets.Dtype() != x.Dtype() {
		return 0, 0, fmt.Errorf("losses: %s: targets %v, want %v %v like the outputs", fn, describe(targets), x.Shape(), x.Dtype())
	}
	s := x.Shape()
	return s[0], s[1], nil
}

func describe(n *G.Node) string {
	if n == nil {
		return "nil"
	}
	return fmt.Sprintf("%v %v", n.Shape(), n.Dtype())
}
