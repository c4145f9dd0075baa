// Package metrics computes the evaluation measures of ordinal and orderless
// classification (accuracy, 1-off accuracy, MAE, …) and the summary
// statistics used by the report.
package metrics

import "math"

// Accuracy returns the fraction of predictions equal to their label.
// It panics if the lengths differ and returns NaN for empty input.
func Accuracy(pred, label []int) float64 { return OffByAtMost(pred, label, 0) }

// OneOff returns the fraction of predictions within one class of their label
// (|pred − label| ≤ 1), the 1-off accuracy of ordinal benchmarks.
func OneOff(pred, label []int) float64 { return OffByAtMost(pred, label, 1) }

// OffByAtMost returns the fraction of predictions with |pred − label| ≤ k.
func OffByAtMost(pred, label []int, k int) float64 {
	checkLen(len(pred), len(label))
	if len(pred) == 0 {
		return math.NaN()
	}
	n := 0
	for i := range pred {
		d := pred[i] - label[i]
		if d < 0 {
			d = -d
		}
		if d <= k {
			n++
		}
	}
	return float64(n) / float64(len(pred))
}

// MAE returns the mean absolute difference between predicted and true class
// indices.
func MAE(pred, label []int) float64 {
	checkLen(len(pred), len(label))
	if len(pred) == 0 {
		return math.NaN()
	}
	s := 0.0
	for i := range pred {
		s += math.Abs(float64(pred[i] - label[i]))
	}
	return s / float64(len(pred))
}

// MeanStd returns the mean and the sample standard deviation (n−1
// denominator) of xs; the deviation is NaN for fewer than two values.
func MeanStd(xs []float64) (mean, std float64) {
	if len(xs) == 0 {
		return math.NaN(), math.NaN()
	}
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	if len(xs) < 2 {
		return mean, math.NaN()
	}
	ss := 0.0
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss / float64(len(xs)-1))
}

func checkLen(a, b int) {
	if a != b {
		panic("metrics: prediction and label lengths differ")
	}
}
