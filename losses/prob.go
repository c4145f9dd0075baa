package losses

import (
	"errors"
	"fmt"
	"math"
)

// Panic messages for programming errors (STYLE H13). They are constants so
// that tests and callers can match them.
const (
	errLength      = "losses: slice lengths differ"
	errEmpty       = "losses: zero classes"
	errLabel       = "losses: label out of range"
	errDistShape   = "losses: distance matrix is not C×C"
	errBatchShape  = "losses: batch rows have different lengths"
	errNeedDist    = "losses: this loss needs a distance matrix"
	errBadWeights  = "losses: invalid weights"
	errBadParam    = "losses: invalid parameter"
	errHistogram   = "losses: empty histogram"
	errCostShape   = "losses: cost matrix is not len(p)×len(q)"
	errUnknownHead = "losses: unknown head"
)

// DistributionTol is the tolerance on |Σp − 1| used by ValidateDistribution.
const DistributionTol = 1e-6

// Softmax writes softmax(z) into dst and returns it:
//
//	p_k = exp(z_k − m) / Σ_j exp(z_j − m),  m = max_j z_j
//
// Subtracting the row maximum keeps every exponent ≤ 0, so no logit is large
// enough to overflow; the largest entry always contributes exp(0) = 1, so the
// denominator is at least 1. If dst is nil a new slice is allocated. Softmax
// panics if len(dst) != len(z) or z is empty. dst may alias z.
func Softmax(dst, z []float64) []float64 {
	dst = prepare(dst, len(z))
	m := maxOf(z)
	var s float64
	for i, v := range z {
		e := math.Exp(v - m)
		dst[i] = e
		s += e
	}
	for i := range dst {
		dst[i] /= s
	}
	return dst
}

// LogSoftmax writes log softmax(z) into dst and returns it:
//
//	log p_k = (z_k − m) − log Σ_j exp(z_j − m),  m = max_j z_j
//
// computed without forming p, so log p_k stays finite (and exact to rounding)
// even where p_k underflows to 0. If dst is nil a new slice is allocated.
// LogSoftmax panics if len(dst) != len(z) or z is empty. dst may alias z.
func LogSoftmax(dst, z []float64) []float64 {
	dst = prepare(dst, len(z))
	m := maxOf(z)
	var s float64
	for _, v := range z {
		s += math.Exp(v - m)
	}
	lse := math.Log(s)
	for i, v := range z {
		dst[i] = v - m - lse
	}
	return dst
}

// OneHot writes the one-hot row of label y over classes classes into dst and
// returns it. If dst is nil a new slice is allocated. OneHot panics if
// len(dst) != classes, classes < 1 or y is outside [0, classes).
func OneHot(dst []float64, y, classes int) []float64 {
	if classes < 1 {
		panic(errEmpty)
	}
	dst = prepare(dst, classes)
	if y < 0 || y >= classes {
		panic(errLabel)
	}
	for i := range dst {
		dst[i] = 0
	}
	dst[y] = 1
	return dst
}

// ErrNotDistribution is wrapped by the errors of ValidateDistribution.
var ErrNotDistribution = errors.New("not a probability distribution")

// ValidateDistribution reports whether p is a probability vector: every entry
// finite and ≥ 0, and |Σp − 1| ≤ DistributionTol. The error wraps
// ErrNotDistribution and names the first offending index. An empty p is an
// error.
func ValidateDistribution(p []float64) error {
	if len(p) == 0 {
		return fmt.Errorf("%w: empty", ErrNotDistribution)
	}
	var s float64
	for i, v := range p {
		switch {
		case math.IsNaN(v) || math.IsInf(v, 0):
			return fmt.Errorf("%w: entry %d is %v", ErrNotDistribution, i, v)
		case v < 0:
			return fmt.Errorf("%w: entry %d is negative (%g)", ErrNotDistribution, i, v)
		}
		s += v
	}
	if math.Abs(s-1) > DistributionTol {
		return fmt.Errorf("%w: sums to %g, want 1", ErrNotDistribution, s)
	}
	return nil
}

// softmaxBackward turns a gradient g with respect to p = softmax(z) into the
// gradient with respect to z, written into dst:
//
//	∂L/∂z_j = p_j (g_j − Σ_i p_i g_i)
func softmaxBackward(dst, p, g []float64) []float64 {
	var dot float64
	for i := range p {
		dot += p[i] * g[i]
	}
	for j := range p {
		dst[j] = p[j] * (g[j] - dot)
	}
	return dst
}

// prepare returns dst, or a new slice of length n if dst is nil; it panics if
// n is 0 or dst has the wrong length.
func prepare(dst []float64, n int) []float64 {
	if n == 0 {
		panic(errEmpty)
	}
	if dst == nil {
		return make([]float64, n)
	}
	if len(dst) != n {
		panic(errLength)
	}
	return dst
}

func maxOf(z []float64) float64 {
	m := z[0]
	for _, v := range z[1:] {
		if v > m || math.IsNaN(v) {
			m = v
		}
	}
	return m
}

func checkSameLen(a, b []float64) {
	if len(a) != len(b) {
		panic(errLength)
	}
	if len(a) == 0 {
		panic(errEmpty)
	}
}
