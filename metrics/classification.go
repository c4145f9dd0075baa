package metrics

import "math"

// Argmax writes into dst the predicted class of each probability row, the
// index of its largest entry, and returns dst. Ties go to the lowest index,
// the same rule as TopK. A row containing NaN or ±Inf has no prediction and
// gets −1. If dst is nil a new slice is allocated; otherwise it panics
// unless len(dst) == len(probs). It also panics if the rows differ in length.
func Argmax(dst []int, probs [][]float64) []int {
	checkRows(probs)
	if dst == nil {
		dst = make([]int, len(probs))
	}
	if len(dst) != len(probs) {
		panic(errDstLength)
	}
	for i, row := range probs {
		dst[i] = argmaxRow(row)
	}
	return dst
}

// TopK returns the top-k accuracy of the probability rows: the fraction of
// samples whose label is among the k classes ranked first,
//
//	topk = (1/N) Σ_i [rank_i(label_i) < k],
//	rank_i(y) = #{j : p_ij > p_iy} + #{j < y : p_ij = p_iy}.
//
// Ties are broken by class index, lower first, as a stable sort by
// descending probability would order them; with this rule TopK(probs,
// labels, 1) equals the Accuracy of Argmax. For k ≥ C every sample counts.
//
// TopK returns NaN for empty input or when any row contains NaN or ±Inf. It
// panics if k < 1, if len(labels) != len(probs), if the rows differ in
// length, or if a label is outside [0, C).
func TopK(probs [][]float64, labels []int, k int) float64 {
	if k < 1 {
		panic(errK)
	}
	c := checkProbs(probs, labels)
	if len(probs) == 0 || !allFinite(probs) {
		return math.NaN()
	}
	hits := 0
	for i, row := range probs {
		checkLabel(labels[i], c)
		if labelRank(row, labels[i], k) < k {
			hits++
		}
	}
	return float64(hits) / float64(len(probs))
}

// argmaxRow returns the lowest index of the largest entry of row, or −1 if
// row is empty or holds a non-finite value.
func argmaxRow(row []float64) int {
	if !finite(row) {
		return -1
	}
	return argmaxFinite(row)
}

// argmaxFinite is argmaxRow for a row known to be finite.
func argmaxFinite(row []float64) int {
	best := -1
	for j, v := range row {
		if best < 0 || v > row[best] {
			best = j
		}
	}
	return best
}

// labelRank returns the 0-based rank of class y in row under the TopK tie
// rule, counting no further than limit (the result is min(rank, limit)).
func labelRank(row []float64, y, limit int) int {
	py := row[y]
	r := 0
	for j, v := range row {
		if v > py || (v == py && j < y) {
			r++
			if r >= limit {
				return r
			}
		}
	}
	return r
}

// finite reports whether every entry of row is neither NaN nor ±Inf.
func finite(row []float64) bool {
	for _, v := range row {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

func allFinite(probs [][]float64) bool {
	for _, row := range probs {
		if !finite(row) {
			return false
		}
	}
	return true
}

// checkRows panics unless every row has the length of the first and returns
// that length (0 for no rows).
func checkRows(probs [][]float64) int {
	if len(probs) == 0 {
		return 0
	}
	c := len(probs[0])
	for _, row := range probs[1:] {
		if len(row) != c {
			panic(errRowLength)
		}
	}
	return c
}

// checkProbs panics unless labels match probs in length and the rows share
// one length; it returns the number of classes C.
func checkProbs(probs [][]float64, labels []int) int {
	checkLen(len(probs), len(labels))
	return checkRows(probs)
}

func checkLabel(y, classes int) {
	if y < 0 || y >= classes {
		panic(errLabel)
	}
}
