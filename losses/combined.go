package losses

import (
	"fmt"
	"math"
)

// Weights holds the parameters of the combined loss
//
//	L = CE · CE_ε + EMD · E
//
// where CE_ε = −Σ_k t_k log(p_k + Floor) is the cross-entropy with a
// probability floor and E is an EMD² term (ordered or cost-matrix). The
// paper's values live in a file that was never published, so these are
// configuration; DefaultWeights holds the project's defaults.
type Weights struct {
	CE    float64 // weight of the cross-entropy term, ≥ 0
	EMD   float64 // weight of the EMD² term, ≥ 0
	Floor float64 // probability floor ε inside the CE log, in [0, 1); 0 means exact log-softmax
}

// DefaultWeights are the weights the registry's combined losses start from:
// equal weights and no floor (the cross-entropy is then computed exactly from
// the log-softmax, which needs no floor to stay finite).
var DefaultWeights = Weights{CE: 1, EMD: 1, Floor: 0}

// Validate returns an error unless every weight is finite and ≥ 0, at least
// one of CE and EMD is positive, and 0 ≤ Floor < 1.
func (w Weights) Validate() error {
	for _, f := range []struct {
		name string
		v    float64
	}{{"CE", w.CE}, {"EMD", w.EMD}, {"Floor", w.Floor}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) || f.v < 0 {
			return fmt.Errorf("losses: weight %s = %v, want a finite value ≥ 0", f.name, f.v)
		}
	}
	if w.CE == 0 && w.EMD == 0 {
		return fmt.Errorf("losses: weights CE and EMD are both 0")
	}
	if w.Floor >= 1 {
		return fmt.Errorf("losses: floor = %v, want < 1", w.Floor)
	}
	return nil
}

// CEPlusEMD2Grad returns the combined loss of the paper ("XE-EMD") for one
// sample and its gradient with respect to the logits:
//
//	L = w.CE · (−Σ_k t_k log(p_k + w.Floor)) + w.EMD · E
//
// where p = softmax(logits) and E is
//   - EMD2 (norm NormMean) or RPS (NormSum) of p against t when D is nil
//     (ordered classes, ground distance |i−j|);
//   - the cost-matrix form (1/C) Σ_i (p_i − t_i)² (t·D)_i when D is non-nil
//     (norm is then ignored; see CostMatrixEMD2Grad).
//
// CEPlusEMD2Grad panics if len(logits) != len(t), they are empty, D is
// non-nil and not C×C, or w is invalid (see Weights.Validate). The gradient
// is a new slice; the inputs are not modified.
func CEPlusEMD2Grad(logits, t []float64, D [][]float64, norm Norm, w Weights) (loss float64, grad []float64) {
	checkSameLen(logits, t)
	if D != nil {
		checkSquare(D, len(logits))
	}
	if w.Validate() != nil {
		panic(errBadWeights)
	}
	grad = make([]float64, len(logits))
	return ceEMDGradTo(grad, logits, t, D, norm, w), grad
}

func ceEMDGradTo(dst, logits, t []float64, D [][]float64, norm Norm, w Weights) float64 {
	emd := func(dst []float64) float64 {
		if D == nil {
			return emd2GradTo(dst, logits, t, norm)
		}
		return costMatrixGradTo(dst, logits, t, D)
	}
	if w.CE == 0 {
		e := emd(dst)
		for i := range dst {
			dst[i] *= w.EMD
		}
		return w.EMD * e
	}
	ge := make([]float64, len(logits))
	e := emd(ge)
	ce := crossEntropyFloorGradTo(dst, logits, t, w.Floor)
	for i := range dst {
		dst[i] = w.CE*dst[i] + w.EMD*ge[i]
	}
	return w.CE*ce + w.EMD*e
}
