package losses

// CostMatrixEMD2 returns the paper's squared EMD for orderless classes with a
// ground-distance matrix D (arXiv 1611.05916, as in its released code), for a
// distribution p and a one-hot target t at label y:
//
//	E_D(p, y) = (1/C) Σ_i (p_i − t_i)² D[y][i]
//
// D is used as given: in the paper's convention D[y][y] = 1 (see
// UnitDiagonal) and, for a learned D, near classes carry negative weights, so
// E_D can be negative. CostMatrixEMD2 panics if p is empty, y is outside
// [0, C), or D is not C×C. It does not check that p is a distribution; a NaN
// gives a NaN result.
func CostMatrixEMD2(p []float64, y int, D [][]float64) float64 {
	c := len(p)
	if c == 0 {
		panic(errEmpty)
	}
	if y < 0 || y >= c {
		panic(errLabel)
	}
	checkSquare(D, c)
	var s float64
	for i, pi := range p {
		d := pi
		if i == y {
			d--
		}
		s += d * d * D[y][i]
	}
	return s / float64(c)
}

// CostMatrixEMD2Grad returns the cost-matrix EMD² of softmax(logits) against
// a target row t (one-hot, or soft) and its gradient with respect to the
// logits. The per-class weights are the target's mixture of the rows of D,
// w = t·D, which is the row D[y] when t is one-hot at y:
//
//	E  = (1/C) Σ_i (p_i − t_i)² w_i,   w_i = Σ_k t_k D[k][i]
//	∂E/∂p_i = (2/C)(p_i − t_i) w_i,   then through the softmax as in EMD2Grad
//
// CostMatrixEMD2Grad panics if len(logits) != len(t), they are empty, or D is
// not C×C. The gradient is a new slice; the inputs are not modified.
func CostMatrixEMD2Grad(logits, t []float64, D [][]float64) (loss float64, grad []float64) {
	checkSameLen(logits, t)
	checkSquare(D, len(logits))
	grad = make([]float64, len(logits))
	return costMatrixGradTo(grad, logits, t, D), grad
}

func costMatrixGradTo(dst, logits, t []float64, D [][]float64) float64 {
	c := len(logits)
	p := Softmax(make([]float64, c), logits)
	w := mixRows(make([]float64, c), t, D)
	inv := 1 / float64(c)
	var s float64
	for i := range p {
		d := p[i] - t[i]
		s += d * d * w[i]
		dst[i] = 2 * inv * d * w[i]
	}
	softmaxBackward(dst, p, dst)
	return s * inv
}

// mixRows writes w = t·D into dst, skipping the zero entries of t (so a
// one-hot t costs one row copy).
func mixRows(dst, t []float64, D [][]float64) []float64 {
	for i := range dst {
		dst[i] = 0
	}
	for k, tk := range t {
		if tk == 0 {
			continue
		}
		for i, v := range D[k] {
			dst[i] += tk * v
		}
	}
	return dst
}

// checkSquare panics unless D is c×c.
func checkSquare(D [][]float64, c int) {
	if len(D) != c {
		panic(errDistShape)
	}
	for _, row := range D {
		if len(row) != c {
			panic(errDistShape)
		}
	}
}
