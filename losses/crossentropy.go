package losses

import "math"

// CrossEntropy returns the cross-entropy of the target row t against
// softmax(logits), computed from the logits through LogSoftmax so that it is
// finite however confident the logits are:
//
//	CE(z, t) = −Σ_k t_k log softmax(z)_k
//
// For a one-hot t at label y this is −log p_y. CrossEntropy panics if
// len(logits) != len(t) or they are empty; a NaN entry gives a NaN result.
func CrossEntropy(logits, t []float64) float64 {
	checkSameLen(logits, t)
	logp := LogSoftmax(make([]float64, len(logits)), logits)
	return crossEntropyLog(logp, t)
}

func crossEntropyLog(logp, t []float64) float64 {
	var s float64
	for k, tk := range t {
		if tk != 0 { // 0·(−∞) must count as 0, not NaN
			s -= tk * logp[k]
		}
	}
	return s
}

// CrossEntropyGrad returns CrossEntropy(logits, t) and its gradient with
// respect to the logits:
//
//	∂CE/∂z_j = (Σ_k t_k) p_j − t_j    (= p_j − t_j when t sums to 1)
//
// It panics as CrossEntropy does. The gradient is a new slice; the inputs are
// not modified.
func CrossEntropyGrad(logits, t []float64) (loss float64, grad []float64) {
	checkSameLen(logits, t)
	grad = make([]float64, len(logits))
	return crossEntropyGradTo(grad, logits, t), grad
}

func crossEntropyGradTo(dst, logits, t []float64) float64 {
	LogSoftmax(dst, logits)
	loss := crossEntropyLog(dst, t)
	var mass float64
	for _, tk := range t {
		mass += tk
	}
	for j := range dst {
		dst[j] = mass*math.Exp(dst[j]) - t[j]
	}
	return loss
}

// crossEntropyFloorGradTo writes the gradient with respect to the logits of
// the floored cross-entropy
//
//	CE_ε(z, t) = −Σ_k t_k log(softmax(z)_k + ε)
//
// into dst and returns its value. With ε = 0 it is crossEntropyGradTo. The
// paper's released code adds such a floor inside the log; ε > 0 bounds the
// loss by −log ε.
func crossEntropyFloorGradTo(dst, logits, t []float64, floor float64) float64 {
	if floor == 0 {
		return crossEntropyGradTo(dst, logits, t)
	}
	p := Softmax(make([]float64, len(logits)), logits)
	var loss float64
	for k, tk := range t {
		if tk != 0 {
			loss -= tk * math.Log(p[k]+floor)
		}
		dst[k] = -tk / (p[k] + floor)
	}
	softmaxBackward(dst, p, dst)
	return loss
}
