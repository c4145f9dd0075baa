package metrics

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// StdErr returns the standard error of the mean of xs, s / sqrt(n), with s
// the sample standard deviation of MeanStd; NaN for fewer than two values.
func StdErr(xs []float64) float64 {
	_, s := MeanStd(xs)
	return s / math.Sqrt(float64(len(xs)))
}

// Interval is a Student-t confidence interval for a mean, e.g. of a metric
// over cross-validation folds or seeds.
type Interval struct {
	Mean  float64 // sample mean
	Std   float64 // sample standard deviation (n − 1 denominator)
	SE    float64 // standard error Std / sqrt(N)
	N     int     // number of values
	Lo    float64 // lower bound, Mean − t·SE
	Hi    float64 // upper bound, Mean + t·SE
	Level float64 // confidence level, e.g. 0.95
}

// HalfWidth returns (Hi − Lo) / 2, the ± of the interval.
func (iv Interval) HalfWidth() float64 { return (iv.Hi - iv.Lo) / 2 }

// TInterval returns the two-sided Student-t confidence interval of the mean
// of xs at the given level,
//
//	Mean ± t_{(1+level)/2, n−1} · s / sqrt(n),
//
// with s the sample standard deviation and t_{q,ν} the q-quantile of
// Student's t with ν degrees of freedom (gonum distuv.StudentsT). It assumes
// the values are independent draws from a roughly normal distribution.
// With fewer than two values Std, SE, Lo and Hi are NaN (and Mean too when
// xs is empty); with zero spread Lo = Hi = Mean. NaN in xs gives NaN. It
// panics unless 0 < level < 1.
func TInterval(xs []float64, level float64) Interval {
	if !(level > 0 && level < 1) {
		panic(errLevel)
	}
	mean, std := MeanStd(xs)
	iv := Interval{Mean: mean, Std: std, N: len(xs), Level: level,
		SE: math.NaN(), Lo: math.NaN(), Hi: math.NaN()}
	if len(xs) < 2 {
		return iv
	}
	iv.SE = std / math.Sqrt(float64(len(xs)))
	t := tQuantile((1+level)/2, float64(len(xs)-1))
	iv.Lo = mean - t*iv.SE
	iv.Hi = mean + t*iv.SE
	return iv
}

// tQuantile returns the q-quantile of the standard Student-t distribution
// with df degrees of freedom.
func tQuantile(q, df float64) float64 {
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Quantile(q)
}

// tTwoSided returns the two-sided p-value P(|T| ≥ |t|) for T ~ Student-t
// with df degrees of freedom.
func tTwoSided(t, df float64) float64 {
	p := 2 * distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Survival(math.Abs(t))
	return math.Min(1, p)
}

// TestStatus says whether a paired test ran normally or hit a degenerate
// case, so that a report can say why a statistic is missing.
type TestStatus int

const (
	// TestOK: the statistic and p-value are ordinary numbers.
	TestOK TestStatus = iota
	// TestTooFew: too few pairs (t-test: fewer than 2; Wilcoxon: none);
	// statistic and p-value are NaN.
	TestTooFew
	// TestNoVariance: every difference is the same nonzero number. The
	// t statistic is ±Inf and P is 0 (the limit as the spread shrinks).
	TestNoVariance
	// TestNoDifference: every difference is zero; the statistic is
	// undefined (0/0) and the p-value is NaN. The methods agree exactly.
	TestNoDifference
	// TestInvalid: an input is NaN or ±Inf; statistic and p-value are NaN.
	TestInvalid
)

// String returns a short lower-case name of the status.
func (s TestStatus) String() string {
	switch s {
	case TestOK:
		return "ok"
	case TestTooFew:
		return "too few pairs"
	case TestNoVariance:
		return "constant nonzero difference"
	case TestNoDifference:
		return "no difference"
	case TestInvalid:
		return "invalid input"
	}
	return "unknown"
}

// PairedT is the result of a paired Student t-test.
type PairedT struct {
	N        int        // number of pairs
	MeanDiff float64    // mean of d_i = a_i − b_i
	StdDiff  float64    // sample standard deviation of d (n − 1 denominator)
	T        float64    // t statistic
	DF       int        // degrees of freedom, N − 1 (0 when N = 0)
	P        float64    // two-sided p-value
	Status   TestStatus // why T or P is not an ordinary number, if so
}

// PairedTTest compares two methods evaluated on the same units (folds,
// seeds): with d_i = a_i − b_i,
//
//	T = mean(d) / (s_d / sqrt(n)),  DF = n − 1,  P = P(|T_DF| ≥ |T|),
//
// s_d the sample standard deviation of d and T_DF Student's t (gonum
// distuv.StudentsT); a positive T means a is larger on average. Degenerate
// cases are values, flagged in Status: fewer than two pairs (TestTooFew; T
// and P NaN), all differences equal and nonzero (TestNoVariance; T = ±Inf,
// P = 0), all differences zero (TestNoDifference; T and P NaN), NaN or ±Inf
// in the inputs (TestInvalid; T and P NaN). Differences that are equal in
// exact arithmetic may differ by rounding, which gives a huge finite T. It
// panics if the lengths differ. The inputs are not modified.
func PairedTTest(a, b []float64) PairedT {
	if len(a) != len(b) {
		panic(errSliceLength)
	}
	n := len(a)
	r := PairedT{N: n, DF: max(n-1, 0), T: math.NaN(), P: math.NaN()}
	d := make([]float64, n)
	for i := range a {
		d[i] = a[i] - b[i]
	}
	r.MeanDiff, r.StdDiff = MeanStd(d)
	switch {
	case !finite(a) || !finite(b):
		r.Status = TestInvalid
	case n < 2:
		r.Status = TestTooFew
	case r.StdDiff == 0 && r.MeanDiff == 0:
		r.Status = TestNoDifference
	case r.StdDiff == 0:
		r.Status = TestNoVariance
		r.T = math.Inf(1)
		if r.MeanDiff < 0 {
			r.T = math.Inf(-1)
		}
		r.P = 0
	default:
		r.T = r.MeanDiff / (r.StdDiff / math.Sqrt(float64(n)))
		r.P = tTwoSided(r.T, float64(r.DF))
	}
	return r
}
