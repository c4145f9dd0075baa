package metrics

import "math"

// ExpectedClass writes into dst the expected class index of each
// probability row and returns dst,
//
//	E_i = Σ_{k=0}^{C−1} k · p_ik,
//
// with the row used as given (not renormalised). For classes standing for
// equally spaced values v_k = a + b·k (bin centres of a discretised score),
// the expected value Σ_k v_k p_ik is a + b·E_i, so the two rank alike. A row
// containing NaN or ±Inf gives NaN. If dst is nil a new slice is allocated;
// otherwise it panics unless len(dst) == len(probs). It also panics if the
// rows differ in length.
func ExpectedClass(dst []float64, probs [][]float64) []float64 {
	checkRows(probs)
	if dst == nil {
		dst = make([]float64, len(probs))
	}
	if len(dst) != len(probs) {
		panic(errDstLength)
	}
	for i, row := range probs {
		dst[i] = expectedRow(row)
	}
	return dst
}

// ExpectedMAE returns the mean absolute difference between the expected
// class index of each probability row and its label,
//
//	(1/N) Σ_i |Σ_k k · p_ik − y_i|.
//
// It returns NaN for empty input or when any row contains NaN or ±Inf, and
// panics if len(labels) != len(probs), if the rows differ in length, or if a
// label is outside [0, C).
func ExpectedMAE(probs [][]float64, labels []int) float64 {
	c := checkProbs(probs, labels)
	if len(probs) == 0 || !allFinite(probs) {
		return math.NaN()
	}
	s := 0.0
	for i, row := range probs {
		checkLabel(labels[i], c)
		s += math.Abs(expectedRow(row) - float64(labels[i]))
	}
	return s / float64(len(probs))
}

// RPS returns the ranked probability score of the probability rows against
// one-hot labels, averaged over samples,
//
//	RPS = (1/N) Σ_i Σ_{k=0}^{C−1} (CDF_pi(k) − [k ≥ y_i])²,
//	CDF_pi(k) = p_i0 + … + p_ik.
//
// It is the closed-form squared EMD of arXiv 1611.05916 (ground distance
// |i − j| on unit-spaced ordered classes, no square root) without the 1/C
// factor; see EMD2. Rows are not renormalised, so for a row that does not
// sum to 1 the last term (Σ_k p_ik − 1)² is nonzero. It returns NaN for empty
// input or when any row contains NaN or ±Inf, and panics if len(labels) !=
// len(probs), if the rows differ in length, or if a label is outside [0, C).
func RPS(probs [][]float64, labels []int) float64 {
	c := checkProbs(probs, labels)
	if len(probs) == 0 || !allFinite(probs) {
		return math.NaN()
	}
	s := 0.0
	for i, row := range probs {
		checkLabel(labels[i], c)
		s += rpsRow(row, labels[i])
	}
	return s / float64(len(probs))
}

// EMD2 returns the closed-form squared Earth Mover's Distance of arXiv
// 1611.05916 averaged over samples, with the 1/C normalisation of the
// paper's released code,
//
//	EMD² = (1/N) Σ_i (1/C) Σ_{k=0}^{C−1} (CDF_pi(k) − [k ≥ y_i])² = RPS / C.
//
// Its NaN and panic rules are those of RPS.
func EMD2(probs [][]float64, labels []int) float64 {
	r := RPS(probs, labels)
	if len(probs) == 0 {
		return r
	}
	return r / float64(len(probs[0]))
}

func expectedRow(row []float64) float64 {
	if !finite(row) {
		return math.NaN()
	}
	return expectedFinite(row)
}

// expectedFinite is expectedRow for a row known to be finite.
func expectedFinite(row []float64) float64 {
	e := 0.0
	for k, v := range row {
		e += float64(k) * v
	}
	return e
}

// rpsRow returns Σ_k (CDF_p(k) − [k ≥ y])² for one row.
func rpsRow(row []float64, y int) float64 {
	cdf, s := 0.0, 0.0
	for k, v := range row {
		cdf += v
		d := cdf
		if k >= y {
			d -= 1
		}
		s += d * d
	}
	return s
}
