package losses

import (
	"errors"
	"fmt"
	"strings"

	G "gorgonia.org/gorgonia"
)

// Head is the kind of network output a loss takes.
type Head int

const (
	// HeadLogits is C logits per sample; targets are B×C one-hot or soft rows.
	HeadLogits Head = iota
	// HeadScalar is one regression output per sample; targets are B×1 class
	// indices (as floats).
	HeadScalar
)

// EMDForm is the kind of EMD² term a loss has.
type EMDForm int

const (
	// EMDNone: no EMD² term.
	EMDNone EMDForm = iota
	// EMDOrdered: the closed form for ordered classes (EMD2 or RPS, by Norm).
	EMDOrdered
	// EMDCostMatrix: the cost-matrix form with a ground distance D.
	EMDCostMatrix
)

// DistanceSource says where the ground distance of an EMDCostMatrix loss
// comes from.
type DistanceSource int

const (
	// DistanceNone: the loss needs no distance matrix.
	DistanceNone DistanceSource = iota
	// DistanceLearned: learned from the network's penultimate features with
	// LearnedGroundDistance(…, Mu, Omega) (Spec.LearnDistance). In the
	// paper's protocol it is recomputed after every epoch from epoch 3
	// (0-based) on, and the combined loss starts at epoch 4.
	DistanceLearned
	// DistanceGiven: given by the user (ReadDistanceCSV), prepared with
	// Spec.PrepareDistance.
	DistanceGiven
)

// Spec describes one named loss of the registry. Every loss has the form
//
//	L = Weights.CE · CE_ε + Weights.EMD · E
//
// (a zero weight drops a term) except l2, whose head is a single scalar. A
// Spec from Lookup may be modified (e.g. its Weights) before use; Validate
// checks it.
type Spec struct {
	Name      string         // registry name, e.g. "xe-emd2"
	Doc       string         // one-line description
	Head      Head           // output kind
	EMD       EMDForm        // the EMD² term, if any
	Norm      Norm           // normalisation of an EMDOrdered term
	Distance  DistanceSource // where an EMDCostMatrix term's D comes from
	Mu, Omega float64        // learned-distance parameters (DistanceLearned)
	Weights   Weights        // term weights and CE floor
}

// registry holds the named losses in the order Names reports them, which
// is the order of the paper's tables (and of the report's): the baselines,
// the closed-form EMD², the combined losses, then those with a learned
// distance.
var registry = []Spec{
	{Name: "ce", Doc: "cross-entropy −log p_y, from the log-softmax (the baseline)",
		Weights: Weights{CE: 1}},
	{Name: "l2", Doc: "L2 regression of one scalar output onto the class index, (o − y)²; predict round-and-clamp",
		Head: HeadScalar},
	{Name: "emd2", Doc: "closed-form squared EMD for ordered classes, (1/C) Σ_k (CDF_p − CDF_t)² (the paper's code)",
		EMD: EMDOrdered, Norm: NormMean, Weights: Weights{EMD: 1}},
	{Name: "emd2-sum", Doc: "ranked probability score: the emd2 sum without 1/C",
		EMD: EMDOrdered, Norm: NormSum, Weights: Weights{EMD: 1}},
	{Name: "ce+emd2", Doc: "CE + weighted emd2 for ordered classes",
		EMD: EMDOrdered, Norm: NormMean, Weights: DefaultWeights},
	{Name: "ce+emd2-given", Doc: "CE + cost-matrix EMD² with a user-given ground distance (CSV), diagonal set to 1",
		EMD: EMDCostMatrix, Distance: DistanceGiven, Weights: DefaultWeights},
	{Name: "xe-emd1", Doc: "CE + cost-matrix EMD² with the learned ground distance, μ = 0.5, ω = 1 (paper's XE-EMD1)",
		EMD: EMDCostMatrix, Distance: DistanceLearned, Mu: XEEMD1Mu, Omega: XEEMD1Omega, Weights: DefaultWeights},
	{Name: "xe-emd2", Doc: "CE + cost-matrix EMD² with the learned ground distance, μ = 0.25, ω = 2 (paper's XE-EMD2)",
		EMD: EMDCostMatrix, Distance: DistanceLearned, Mu: XEEMD2Mu, Omega: XEEMD2Omega, Weights: DefaultWeights},
}

// ErrUnknownLoss is wrapped by Lookup's error for a name not in the registry.
var ErrUnknownLoss = errors.New("unknown loss")

// Names returns the registered loss names in a fixed order, the order of
// the paper's tables: ce, l2, emd2, emd2-sum, ce+emd2, ce+emd2-given,
// xe-emd1, xe-emd2.
func Names() []string {
	names := make([]string, len(registry))
	for i, s := range registry {
		names[i] = s.Name
	}
	return names
}

// Lookup returns the Spec registered under name. An unknown name gives an
// error that wraps ErrUnknownLoss and lists the valid names.
func Lookup(name string) (Spec, error) {
	for _, s := range registry {
		if s.Name == name {
			return s, nil
		}
	}
	return Spec{}, fmt.Errorf("losses: %w %q; valid: %s", ErrUnknownLoss, name, strings.Join(Names(), ", "))
}

// Validate checks that the fields of s agree: a known head and EMD form, a
// distance source exactly when the form needs one, learned parameters when
// learned, valid weights with a zero EMD weight when there is no EMD term.
func (s Spec) Validate() error {
	if s.Head == HeadScalar {
		return nil
	}
	if s.Head != HeadLogits {
		return fmt.Errorf("losses: %s: unknown head %d", s.Name, s.Head)
	}
	if err := s.Weights.Validate(); err != nil {
		return fmt.Errorf("losses: %s: %w", s.Name, err)
	}
	switch s.EMD {
	case EMDNone:
		if s.Weights.EMD != 0 || s.Distance != DistanceNone {
			return fmt.Errorf("losses: %s: an EMD weight or distance without an EMD term", s.Name)
		}
	case EMDOrdered:
		if s.Norm != NormMean && s.Norm != NormSum {
			return fmt.Errorf("losses: %s: unknown norm %v", s.Name, s.Norm)
		}
		if s.Distance != DistanceNone {
			return fmt.Errorf("losses: %s: the ordered EMD² takes no distance matrix", s.Name)
		}
	case EMDCostMatrix:
		switch s.Distance {
		case DistanceGiven:
		case DistanceLearned:
			if err := checkLearnedParams(2, s.Mu, s.Omega); err != nil {
				return fmt.Errorf("losses: %s: %w", s.Name, err)
			}
		default:
			return fmt.Errorf("losses: %s: the cost-matrix EMD² needs a distance source", s.Name)
		}
	default:
		return fmt.Errorf("losses: %s: unknown EMD form %d", s.Name, s.EMD)
	}
	return nil
}

// Outputs returns the number of network outputs per sample: 1 for a scalar
// head, classes otherwise.
func (s Spec) Outputs(classes int) int {
	if s.Head == HeadScalar {
		return 1
	}
	return classes
}

// NeedsOrder reports whether the loss needs ordered classes: a regression
// on the class index, or the closed-form EMD² over the class order.
func (s Spec) NeedsOrder() bool { return s.Head == HeadScalar || s.EMD == EMDOrdered }

// SoftTargets reports whether the loss trains on target distributions
// (EncodeTargets' soft rows) as well as on one-hot rows: CE, the
// closed-form EMD² and their sum are defined for any target distribution
// (its log-likelihood and its CDF). A regression head (l2) takes a class
// index, and the paper's cost-matrix EMD² weighs by the row D[y] of the
// true class y, with the learned distance built from class centroids, so
// both need a single label.
func (s Spec) SoftTargets() bool { return s.Head == HeadLogits && s.EMD != EMDCostMatrix }

// NeedsDistance reports whether the loss takes a ground-distance matrix.
func (s Spec) NeedsDistance() bool { return s.EMD == EMDCostMatrix }

// Combined reports whether the loss has both a CE and an EMD² term (the
// paper trains such losses with CE alone for the first epochs).
func (s Spec) Combined() bool {
	return s.Head == HeadLogits && s.EMD != EMDNone && s.Weights.CE > 0 && s.Weights.EMD > 0
}

// EncodeTargets writes the target rows for labels into dst (row-major,
// len(labels) × Outputs(classes)) and returns it: one-hot rows, or the class
// index for a scalar head. If dst is nil it is allocated. EncodeTargets
// panics if dst has the wrong length or a label is outside [0, classes).
func (s Spec) EncodeTargets(dst []float64, labels []int, classes int) []float64 {
	w := s.Outputs(classes)
	if classes < 1 {
		panic(errEmpty)
	}
	if dst == nil {
		dst = make([]float64, len(labels)*w)
	}
	if len(dst) != len(labels)*w {
		panic(errLength)
	}
	for n, y := range labels {
		if y < 0 || y >= classes {
			panic(errLabel)
		}
		if s.Head == HeadScalar {
			dst[n] = float64(y)
			continue
		}
		OneHot(dst[n*w:(n+1)*w], y, classes)
	}
	return dst
}

// LearnDistance returns the learned ground distance of a DistanceLearned
// loss, LearnedGroundDistance(features, labels, classes, s.Mu, s.Omega). It
// returns an error for any other loss and passes on LearnedGroundDistance's
// errors and panics.
func (s Spec) LearnDistance(features [][]float64, labels []int, classes int) ([][]float64, error) {
	if s.Distance != DistanceLearned {
		return nil, fmt.Errorf("losses: %s does not learn a distance", s.Name)
	}
	return LearnedGroundDistance(features, labels, classes, s.Mu, s.Omega)
}

// PrepareDistance checks a ground distance for the loss and returns the
// matrix to pass to Eval and Node: nil for a loss without a cost-matrix
// term; the matrix with its diagonal set to 1 (UnitDiagonal, the paper's
// convention) for DistanceGiven; the matrix itself, after checking that its
// diagonal is 1, for DistanceLearned. D must be classes×classes and finite
// (ValidateDistance). D is not modified.
func (s Spec) PrepareDistance(D [][]float64, classes int) ([][]float64, error) {
	if !s.NeedsDistance() {
		return nil, nil
	}
	if err := ValidateDistance(D, classes); err != nil {
		return nil, fmt.Errorf("losses: %s: %w", s.Name, err)
	}
	if s.Distance == DistanceGiven {
		return UnitDiagonal(D), nil
	}
	for i := range D {
		if D[i][i] != 1 {
			return nil, fmt.Errorf("losses: %s: learned distance has D[%d][%d] = %v, want 1", s.Name, i, i, D[i][i])
		}
	}
	return D, nil
}

// Eval returns the batch mean of the loss over the rows of outputs (B ×
// Outputs(C)) against targets (same shape; see EncodeTargets) and its
// gradient with respect to the outputs (B × Outputs(C), each row already
// divided by B):
//
//	L = (1/B) Σ_b ℓ(outputs_b, targets_b)
//
// with ℓ the per-sample loss of CEPlusEMD2Grad (weights s.Weights), or of
// L2Grad for a scalar head (targets_b = [y_b]). dist is the prepared
// distance (PrepareDistance) for a cost-matrix loss and ignored otherwise.
// Eval panics if the batch is empty, the shapes disagree, s is invalid, or a
// cost-matrix loss gets a nil dist. A NaN output gives a NaN loss.
func (s Spec) Eval(outputs, targets, dist [][]float64) (loss float64, grad [][]float64) {
	if len(outputs) == 0 {
		panic(errEmpty)
	}
	if len(targets) != len(outputs) {
		panic(errLength)
	}
	if s.Validate() != nil {
		panic(errBadParam)
	}
	if s.NeedsDistance() && dist == nil {
		panic(errNeedDist)
	}
	if !s.NeedsDistance() {
		dist = nil
	}
	width := len(outputs[0])
	inv := 1 / float64(len(outputs))
	grad = make([][]float64, len(outputs))
	for b, out := range outputs {
		if len(out) != width || len(targets[b]) != width {
			panic(errBatchShape)
		}
		var l float64
		var g []float64
		if s.Head == HeadScalar {
			if width != 1 {
				panic(errBatchShape)
			}
			var d float64
			l, d = l2Target(out[0], targets[b][0])
			g = []float64{d}
		} else {
			l, g = s.sample(out, targets[b], dist)
		}
		loss += l * inv
		for i := range g {
			g[i] *= inv
		}
		grad[b] = g
	}
	return loss, grad
}

func l2Target(o, y float64) (loss, grad float64) {
	d := o - y
	return d * d, 2 * d
}

// sample is the per-sample loss and gradient of a logits-head Spec.
func (s Spec) sample(z, t []float64, dist [][]float64) (float64, []float64) {
	w := s.Weights
	if w.EMD == 0 || s.EMD == EMDNone {
		g := make([]float64, len(z))
		checkSameLen(z, t)
		return w.CE * crossEntropyFloorGradScaled(g, z, t, w), g
	}
	return CEPlusEMD2Grad(z, t, dist, s.Norm, w)
}

// crossEntropyFloorGradScaled writes w.CE times the floored CE gradient into
// g and returns the unweighted loss.
func crossEntropyFloorGradScaled(g, z, t []float64, w Weights) float64 {
	l := crossEntropyFloorGradTo(g, z, t, w.Floor)
	for i := range g {
		g[i] *= w.CE
	}
	return l
}

// Node builds the loss's graph: the batch mean as a scalar node, for an
// output node of shape B × Outputs(C) and a target node of the same shape
// (see EncodeTargets), and for a cost-matrix loss a C×C distance node holding
// the prepared distance (PrepareDistance, DistanceTensor). It returns an
// error if s is invalid, the shapes disagree, or a needed dist is nil.
func (s Spec) Node(outputs, targets, dist *G.Node) (*G.Node, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if s.Head == HeadScalar {
		return L2Node(outputs, targets)
	}
	if s.EMD == EMDNone {
		ce, err := crossEntropyNode(outputs, targets, s.Weights.Floor)
		if err != nil {
			return nil, err
		}
		return weighted(ce, outputs, s.Weights.CE)
	}
	if s.NeedsDistance() && dist == nil {
		return nil, fmt.Errorf("losses: %s needs a distance node", s.Name)
	}
	if !s.NeedsDistance() {
		dist = nil
	}
	return CEPlusEMD2Node(outputs, targets, dist, s.Norm, s.Weights)
}
