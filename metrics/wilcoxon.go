package metrics

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// wilcoxonExactMax is the largest number of nonzero differences for which
// Wilcoxon computes the exact null distribution; the 2^n sign patterns are
// counted in float64, exact up to 2^53.
const wilcoxonExactMax = 50

// SignedRank is the result of a Wilcoxon signed-rank test.
type SignedRank struct {
	N      int        // number of nonzero differences used
	Zeros  int        // number of zero differences dropped
	WPlus  float64    // sum of the ranks of |d_i| over positive d_i
	WMinus float64    // sum of the ranks of |d_i| over negative d_i
	P      float64    // two-sided p-value
	Exact  bool       // P from the exact null distribution (else normal)
	Status TestStatus // why P is not an ordinary number, if so
}

// Wilcoxon compares two methods evaluated on the same units with the
// Wilcoxon signed-rank test. With d_i = a_i − b_i, zero differences are
// dropped (Wilcoxon's original rule), the remaining |d_i| are ranked 1 … N
// with ties given average ranks (Ranks), and
//
//	W+ = Σ_{d_i > 0} rank_i,  W− = Σ_{d_i < 0} rank_i,  W+ + W− = N(N+1)/2.
//
// The two-sided p-value is P = min(1, 2·min(Pr(W ≤ W+), Pr(W ≥ W+))) under
// the null hypothesis that each rank's sign is + or − with probability 1/2.
// For N ≤ 50 that distribution is counted exactly over the 2^N sign
// patterns of the observed ranks, ties included (a permutation test, exact
// also with ties, where scipy switches to the normal approximation); for
// larger N it is the normal approximation without continuity correction,
// mean N(N+1)/4 and variance N(N+1)(2N+1)/24 − Σ_g (t_g³ − t_g)/48 over tie
// groups g of size t_g.
//
// With N pairs the smallest attainable exact P is 2/2^N: 0.0625 for five
// folds, so five-fold results can never reach P < 0.05 with this test.
//
// Degenerate cases are values flagged in Status: no pairs (TestTooFew),
// every difference zero (TestNoDifference), NaN or ±Inf in the inputs
// (TestInvalid); P is NaN in each. It panics if the lengths differ. The
// inputs are not modified.
func Wilcoxon(a, b []float64) SignedRank {
	if len(a) != len(b) {
		panic(errSliceLength)
	}
	r := SignedRank{P: math.NaN()}
	switch {
	case !finite(a) || !finite(b):
		r.Status = TestInvalid
		return r
	case len(a) == 0:
		r.Status = TestTooFew
		return r
	}
	var abs []float64
	var pos []bool
	for i := range a {
		d := a[i] - b[i]
		if d == 0 {
			r.Zeros++
			continue
		}
		abs = append(abs, math.Abs(d))
		pos = append(pos, d > 0)
	}
	r.N = len(abs)
	if r.N == 0 {
		r.Status = TestNoDifference
		return r
	}
	ranks := Ranks(nil, abs)
	for i, rk := range ranks {
		if pos[i] {
			r.WPlus += rk
		} else {
			r.WMinus += rk
		}
	}
	if r.N <= wilcoxonExactMax {
		r.Exact = true
		r.P = signedRankExactP(ranks, r.WPlus)
	} else {
		r.P = signedRankNormalP(ranks, r.WPlus)
	}
	return r
}

// signedRankExactP counts, over all 2^n sign patterns of ranks, how many
// give a positive-rank sum at most and at least wPlus. Ranks are integers or
// halves, so doubled ranks are integers and the counts a subset-sum table.
func signedRankExactP(ranks []float64, wPlus float64) float64 {
	total := 0
	twice := make([]int, len(ranks))
	for i, rk := range ranks {
		twice[i] = int(math.Round(2 * rk))
		total += twice[i]
	}
	// ways[s] = number of subsets of the ranks seen so far with doubled sum s.
	ways := make([]float64, total+1)
	ways[0] = 1
	top := 0
	for _, v := range twice {
		top += v
		for s := top; s >= v; s-- {
			ways[s] += ways[s-v]
		}
	}
	w := int(math.Round(2 * wPlus))
	var le, ge, all float64
	for s, c := range ways {
		all += c
		if s <= w {
			le += c
		}
		if s >= w {
			ge += c
		}
	}
	return math.Min(1, 2*math.Min(le, ge)/all)
}

// signedRankNormalP is the normal approximation of signedRankExactP, with
// the variance corrected for ties.
func signedRankNormalP(ranks []float64, wPlus float64) float64 {
	n := float64(len(ranks))
	mean := n * (n + 1) / 4
	v := n * (n + 1) * (2*n + 1) / 24
	// Tied |d| share one average rank, so equal ranks mark a tie group.
	count := map[float64]float64{}
	for _, rk := range ranks {
		count[rk]++
	}
	for _, t := range count {
		v -= (t*t*t - t) / 48
	}
	z := (wPlus - mean) / math.Sqrt(v)
	return math.Min(1, 2*distuv.UnitNormal.Survival(math.Abs(z)))
}
