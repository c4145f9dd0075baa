package losses

import "fmt"

// Norm selects the normalisation of the closed-form EMD².
type Norm int

const (
	// NormMean divides the squared CDF differences by the number of classes
	// C, as the paper's released code does (the default).
	NormMean Norm = iota
	// NormSum keeps the plain sum over classes: the ranked probability score.
	NormSum
)

// String returns "mean" or "sum".
func (n Norm) String() string {
	switch n {
	case NormMean:
		return "mean"
	case NormSum:
		return "sum"
	}
	return fmt.Sprintf("Norm(%d)", int(n))
}

// scale returns the factor in front of Σ_k for C classes. It panics on an
// unknown Norm.
func (n Norm) scale(c int) float64 {
	switch n {
	case NormMean:
		return 1 / float64(c)
	case NormSum:
		return 1
	}
	panic(errBadParam)
}

// EMD2 returns the closed-form squared Earth Mover's Distance between two
// distributions p and t over C ordered classes with ground distance |i−j|,
// normalised by C as in the paper's released code (arXiv 1611.05916, eq. for
// EMD² with l = 2):
//
//	EMD2(p, t) = (1/C) Σ_{k=0}^{C−1} (CDF_p(k) − CDF_t(k))²,  CDF_p(k) = p_0 + … + p_k
//
// There is no square root. EMD2 = RPS/C. It is 0 exactly when the CDFs are
// equal. EMD2 panics if len(p) != len(t) or they are empty. It does not check
// that p and t are distributions; a NaN entry gives a NaN result.
func EMD2(p, t []float64) float64 {
	checkSameLen(p, t)
	return emd2Sum(p, t) / float64(len(p))
}

// RPS returns the ranked probability score of p against t, the squared CDF
// distance of EMD2 without the 1/C:
//
//	RPS(p, t) = Σ_{k=0}^{C−1} (CDF_p(k) − CDF_t(k))²
//
// (Epstein 1969; what dlordinal's EMDLoss computes.) RPS = C·EMD2. RPS panics
// if len(p) != len(t) or they are empty; a NaN entry gives a NaN result.
func RPS(p, t []float64) float64 {
	checkSameLen(p, t)
	return emd2Sum(p, t)
}

func emd2Sum(p, t []float64) float64 {
	var cp, ct, s float64
	for k := range p {
		cp += p[k]
		ct += t[k]
		d := cp - ct
		s += d * d
	}
	return s
}

// EMD2Grad returns EMD2(softmax(logits), t) and its gradient with respect to
// the logits. With p = softmax(logits) and e_k = CDF_p(k) − CDF_t(k):
//
//	∂E/∂p_i = (2/C) Σ_{k ≥ i} e_k
//	∂E/∂z_j = p_j (∂E/∂p_j − Σ_i p_i ∂E/∂p_i)
//
// The softmax is computed stably (see Softmax), so very large logits give a
// finite loss and gradient. EMD2Grad panics if len(logits) != len(t) or they
// are empty. The gradient is a new slice; the inputs are not modified.
func EMD2Grad(logits, t []float64) (loss float64, grad []float64) {
	checkSameLen(logits, t)
	grad = make([]float64, len(logits))
	return emd2GradTo(grad, logits, t, NormMean), grad
}

// RPSGrad is EMD2Grad with the NormSum normalisation: it returns
// RPS(softmax(logits), t) and its gradient with respect to the logits, C
// times those of EMD2Grad. It panics as EMD2Grad does.
func RPSGrad(logits, t []float64) (loss float64, grad []float64) {
	checkSameLen(logits, t)
	grad = make([]float64, len(logits))
	return emd2GradTo(grad, logits, t, NormSum), grad
}

// emd2GradTo writes the gradient of the normalised squared CDF distance with
// respect to the logits into dst (len C, may not alias the inputs) and
// returns the loss.
func emd2GradTo(dst, logits, t []float64, norm Norm) float64 {
	c := len(logits)
	scale := norm.scale(c)
	p := Softmax(make([]float64, c), logits)
	// dst first holds the CDF differences e_k, then the suffix sums.
	var cp, ct, s float64
	for k := range p {
		cp += p[k]
		ct += t[k]
		e := cp - ct
		dst[k] = e
		s += e * e
	}
	var suffix float64
	for i := c - 1; i >= 0; i-- {
		suffix += dst[i]
		dst[i] = 2 * scale * suffix
	}
	softmaxBackward(dst, p, dst)
	return scale * s
}
