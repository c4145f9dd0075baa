package metrics

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"
)

// Comparison is a paired comparison of a treatment with a baseline over
// resampled train/test splits (cross-validation folds × seeds), with the
// variance correction of Nadeau and Bengio (2003).
//
// The differences d_j = a_j − b_j of J splits are not independent: their
// training sets overlap, so the plain paired t-test underestimates the
// variance of their mean and rejects too often. The corrected resampled
// t-test replaces the variance s²/J of the mean by
//
//	(1/J + n_test/n_train) · s²,
//
// with n_test/n_train the ratio of test to training examples of one split
// (1/(k−1) for k-fold cross-validation); DF stays J − 1. With the ratio 0
// it is the ordinary paired t-test (PairedTTest).
type Comparison struct {
	N        int        // number of pairs J
	MeanDiff float64    // mean of d = a − b
	StdDiff  float64    // sample standard deviation of d (J − 1 denominator)
	Ratio    float64    // n_test / n_train of one split
	SE       float64    // corrected standard error sqrt((1/J + Ratio) s²)
	T        float64    // MeanDiff / SE
	DF       int        // J − 1
	P        float64    // two-sided p-value of H0: mean difference 0
	Lo, Hi   float64    // confidence interval of the mean difference
	Level    float64    // its level, e.g. 0.95
	Status   TestStatus // why T or P is not an ordinary number, if so
}

// CorrectedResampledTTest compares a (treatment) with b (baseline) paired
// by split, with the Nadeau–Bengio correction for the test/train ratio
// ratio ≥ 0 (see Comparison), and the two-sided interval of the mean
// difference at level. The degenerate cases are those of PairedTTest; with
// zero spread the interval is the point MeanDiff. It panics if the lengths
// differ, if ratio is negative or not finite, or unless 0 < level < 1.
func CorrectedResampledTTest(a, b []float64, ratio, level float64) Comparison {
	if len(a) != len(b) {
		panic(errSliceLength)
	}
	if !(ratio >= 0) || math.IsInf(ratio, 1) {
		panic(errRatio)
	}
	if !(level > 0 && level < 1) {
		panic(errLevel)
	}
	pt := PairedTTest(a, b)
	c := Comparison{N: pt.N, MeanDiff: pt.MeanDiff, StdDiff: pt.StdDiff, Ratio: ratio, DF: pt.DF,
		Level: level, Status: pt.Status, T: pt.T, P: pt.P, SE: math.NaN(), Lo: math.NaN(), Hi: math.NaN()}
	switch c.Status {
	case TestOK:
		c.SE = math.Sqrt((1/float64(c.N) + ratio) * c.StdDiff * c.StdDiff)
		c.T = c.MeanDiff / c.SE
		c.P = tTwoSided(c.T, float64(c.DF))
		h := tQuantile((1+level)/2, float64(c.DF)) * c.SE
		c.Lo, c.Hi = c.MeanDiff-h, c.MeanDiff+h
	case TestNoVariance, TestNoDifference:
		c.SE = 0
		c.Lo, c.Hi = c.MeanDiff, c.MeanDiff
	}
	return c
}

// Equivalence returns the p-value of the two one-sided tests (TOST) that
// the true mean difference lies inside (−margin, margin), from the same
// corrected standard error and degrees of freedom as c:
//
//	p = max(P(T_DF ≥ (MeanDiff + margin)/SE), P(T_DF ≤ (MeanDiff − margin)/SE)).
//
// A small p says |Δ| < margin. With zero spread p is 0 when |MeanDiff| <
// margin and 1 otherwise; it is NaN when c has no statistic (too few pairs,
// invalid input) or margin is not positive.
func (c Comparison) Equivalence(margin float64) float64 {
	if !(margin > 0) || math.IsNaN(c.MeanDiff) || c.Status == TestTooFew || c.Status == TestInvalid {
		return math.NaN()
	}
	if c.SE == 0 {
		if math.Abs(c.MeanDiff) < margin {
			return 0
		}
		return 1
	}
	df := float64(c.DF)
	pLower := tSurvival((c.MeanDiff+margin)/c.SE, df)
	pUpper := tSurvival(-(c.MeanDiff-margin)/c.SE, df)
	return math.Max(pLower, pUpper)
}

// RequiredPairs returns the smallest number of pairs J ≥ 2 at which the
// corrected resampled t-test, two-sided at alpha, would detect a true
// difference of size margin with the given power, for differences of
// standard deviation std and test/train ratio ratio. Power is approximated
// by the shifted central t,
//
//	power(J) ≈ P(T_{J−1} ≥ t_{1−α/2, J−1} − margin / sqrt((1/J + ratio) std²)),
//
// which is close to the noncentral-t power for the sizes met here. Because
// the corrected variance never falls below ratio·std², more pairs cannot
// always buy the power: ok is false when even maxPairs pairs fall short,
// and then J is maxPairs. NaN or non-positive inputs give (0, false).
func RequiredPairs(std, margin, ratio, alpha, power float64, maxPairs int) (j int, ok bool) {
	if !(std > 0) || !(margin > 0) || !(ratio >= 0) || !(alpha > 0 && alpha < 1) || !(power > 0 && power < 1) || maxPairs < 2 {
		return 0, false
	}
	for j = 2; j <= maxPairs; j++ {
		if pairsPower(j, std, margin, ratio, alpha) >= power {
			return j, true
		}
	}
	return maxPairs, false
}

// Power is the power of the two-sided corrected resampled t-test at level
// alpha to find a difference of margin, with j pairs whose differences
// have standard deviation std and the test/train ratio of the correction:
// P(T > t_{1−α/2, j−1} − margin/se) for T of Student's t with j − 1
// degrees of freedom and se = √((1/j + ratio)·std²), the usual shifted-t
// approximation of the noncentral t (the far tail left out). It is NaN
// for j < 2 or a std, margin or ratio that is not positive and finite
// (ratio may be 0).
func Power(j int, std, margin, ratio, alpha float64) float64 {
	if j < 2 || !(std > 0) || math.IsInf(std, 0) || !(margin > 0) || math.IsInf(margin, 0) ||
		!(ratio >= 0) || math.IsInf(ratio, 0) || !(alpha > 0 && alpha < 1) {
		return math.NaN()
	}
	return pairsPower(j, std, margin, ratio, alpha)
}

func pairsPower(j int, std, margin, ratio, alpha float64) float64 {
	df := float64(j - 1)
	se := math.Sqrt((1/float64(j) + ratio) * std * std)
	return tSurvival(tQuantile(1-alpha/2, df)-margin/se, df)
}

// Holm returns Holm's step-down adjustment of the p-values ps, in their
// order: sorting the m finite p-values ascending, the i-th (0-based) gets
// max over k ≤ i of min(1, (m − k) p_(k)). NaN p-values stay NaN and do
// not count in m. The input is not modified.
func Holm(ps []float64) []float64 {
	out := make([]float64, len(ps))
	idx := make([]int, 0, len(ps))
	for i, p := range ps {
		out[i] = math.NaN()
		if !math.IsNaN(p) {
			idx = append(idx, i)
		}
	}
	slices.SortStableFunc(idx, func(x, y int) int {
		switch {
		case ps[x] < ps[y]:
			return -1
		case ps[x] > ps[y]:
			return 1
		}
		return 0
	})
	m, run := len(idx), 0.0
	for k, i := range idx {
		run = math.Max(run, math.Min(1, float64(m-k)*ps[i]))
		out[i] = run
	}
	return out
}

// tSurvival returns P(T ≥ t) for T ~ Student-t with df degrees of freedom.
func tSurvival(t, df float64) float64 {
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Survival(t)
}
