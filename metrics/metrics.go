package metrics

import "math"

// Panic messages. Each names the misuse; all start with "metrics: ".
const (
	errLength      = "metrics: prediction and label lengths differ"
	errSliceLength = "metrics: slice lengths differ"
	errScoreLength = "metrics: score and label lengths differ"
	errDstLength   = "metrics: destination length differs from the number of samples"
	errRowLength   = "metrics: probability row length differs from the number of classes"
	errClasses     = "metrics: number of classes must be positive"
	errLabel       = "metrics: label outside [0, classes)"
	errPred        = "metrics: prediction outside [0, classes)"
	errK           = "metrics: k must be at least 1"
	errLevel       = "metrics: confidence level outside (0, 1)"
	errRatio       = "metrics: test/train ratio must be finite and non-negative"
	errScores      = "metrics: scores need ordered classes"
	errMerge       = "metrics: cannot merge summaries of different shapes"
)

// Accuracy returns the fraction of predictions equal to their label,
//
//	acc = (1/N) Σ_i [pred_i = label_i].
//
// It panics if the lengths differ and returns NaN for empty input.
func Accuracy(pred, label []int) float64 { return OffByAtMost(pred, label, 0) }

// OneOff returns the fraction of predictions within one class of their label
// (|pred − label| ≤ 1), the 1-off accuracy of ordinal benchmarks such as
// Adience and Images of Groups. It panics if the lengths differ and returns
// NaN for empty input.
func OneOff(pred, label []int) float64 { return OffByAtMost(pred, label, 1) }

// OffByAtMost returns the fraction of predictions at most k classes away
// from their label,
//
//	(1/N) Σ_i [|pred_i − label_i| ≤ k].
//
// A negative k gives 0. It panics if the lengths differ and returns NaN for
// empty input.
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
// indices,
//
//	MAE = (1/N) Σ_i |pred_i − label_i|.
//
// It panics if the lengths differ and returns NaN for empty input.
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
// denominator) of xs,
//
//	mean = (1/n) Σ x_i,  std = sqrt( Σ (x_i − mean)² / (n − 1) );
//
// the mean is NaN for empty input and the deviation is NaN for fewer than
// two values.
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
		panic(errLength)
	}
}
