package metrics

import (
	"cmp"
	"math"
	"slices"
)

// Ranks writes into dst the ranks of the values of x and returns dst. Ranks
// run from 1 (smallest) to n (largest); tied values share the average of
// the ranks they span, so {10, 20, 20, 30} ranks as {1, 2.5, 2.5, 4}. If x
// contains NaN every rank is NaN. If dst is nil a new slice is allocated;
// otherwise it panics unless len(dst) == len(x). x is not modified.
func Ranks(dst, x []float64) []float64 {
	if dst == nil {
		dst = make([]float64, len(x))
	}
	if len(dst) != len(x) {
		panic(errSliceLength)
	}
	for _, v := range x {
		if math.IsNaN(v) {
			for i := range dst {
				dst[i] = math.NaN()
			}
			return dst
		}
	}
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(x[a], x[b]) })
	for lo := 0; lo < len(idx); {
		hi := lo + 1
		for hi < len(idx) && x[idx[hi]] == x[idx[lo]] {
			hi++
		}
		// Positions lo … hi−1 hold ranks lo+1 … hi; their mean is (lo+1+hi)/2.
		r := float64(lo+1+hi) / 2
		for _, i := range idx[lo:hi] {
			dst[i] = r
		}
		lo = hi
	}
	return dst
}

// Spearman returns Spearman's rank correlation coefficient ρ of x and y: the
// Pearson correlation of their ranks (Ranks, ties given average ranks),
//
//	ρ = Σ_i (r_i − r̄)(s_i − s̄) / sqrt( Σ_i (r_i − r̄)² · Σ_i (s_i − s̄)² ),
//
// where r = ranks of x, s = ranks of y. Without ties this equals
// 1 − 6 Σ_i (r_i − s_i)² / (n (n² − 1)). The result lies in [−1, 1].
//
// Spearman returns NaN for fewer than two pairs, when x or y contains NaN,
// or when x or y is constant (its ranks have zero variance). It panics if
// the lengths differ. The inputs are not modified.
//
// The evaluation uses it between the expected class index under the
// predicted distribution and the true continuous score (AADB).
func Spearman(x, y []float64) float64 {
	if len(x) != len(y) {
		panic(errSliceLength)
	}
	if len(x) < 2 {
		return math.NaN()
	}
	r := Ranks(nil, x)
	s := Ranks(nil, y)
	return pearson(r, s)
}

// pearson returns the Pearson correlation of equal-length a and b, NaN when
// either has zero variance, clamped to [−1, 1].
func pearson(a, b []float64) float64 {
	n := float64(len(a))
	ma, mb := 0.0, 0.0
	for i := range a {
		ma += a[i]
		mb += b[i]
	}
	ma /= n
	mb /= n
	var sab, saa, sbb float64
	for i := range a {
		da, db := a[i]-ma, b[i]-mb
		sab += da * db
		saa += da * da
		sbb += db * db
	}
	if saa == 0 || sbb == 0 {
		return math.NaN()
	}
	rho := sab / math.Sqrt(saa*sbb)
	return math.Max(-1, math.Min(1, rho))
}
