package metrics

import (
	"maps"
	"slices"
)

// Metric names: the keys of a Summary, stable across releases because the
// training loop stores them per epoch and the report reads them back.
const (
	// NameAcc is the exact accuracy of the argmax prediction (Argmax,
	// Accuracy). Every task.
	NameAcc = "acc"
	// NameAcc1Off is the 1-off accuracy of the argmax prediction, the
	// fraction with |pred − label| ≤ 1 (OneOff). Ordered classes.
	NameAcc1Off = "acc1off"
	// NameMAE is the mean absolute error in classes of the argmax
	// prediction (MAE). Ordered classes.
	NameMAE = "mae"
	// NameMAEExp is the mean absolute error in classes of the expected
	// class index Σ_k k·p_k (ExpectedMAE). Ordered classes.
	NameMAEExp = "mae_exp"
	// NameRPS is the ranked probability score, the squared EMD without 1/C
	// (RPS). Ordered classes.
	NameRPS = "rps"
	// NameEMD2 is the squared EMD with the 1/C of the paper's code, RPS / C
	// (EMD2). Ordered classes.
	NameEMD2 = "emd2"
	// NameTop1 is the top-1 accuracy (TopK with k = 1); it equals NameAcc
	// because both break ties towards the lower class index. Every task.
	NameTop1 = "top1"
	// NameTop5 is the top-5 accuracy (TopK with k = 5). Only when C > 5:
	// with five classes or fewer it is identically 1.
	NameTop5 = "top5"
	// NameQWK is the quadratic weighted Cohen's kappa of the argmax
	// prediction (QWK). Ordered classes.
	NameQWK = "qwk"
	// NameSpearman is Spearman's ρ between the expected class index and the
	// true continuous score (Spearman). Ordered classes with scores.
	NameSpearman = "spearman"
)

// allNames lists every metric name in sorted order.
var allNames = []string{
	NameAcc, NameAcc1Off, NameEMD2, NameMAE, NameMAEExp,
	NameQWK, NameRPS, NameSpearman, NameTop1, NameTop5,
}

// AllNames returns every metric name a Summary can hold, sorted. The slice
// is a fresh copy.
func AllNames() []string { return slices.Clone(allNames) }

// MetricNames returns, sorted, the names of the metrics that Evaluate and
// Accumulator.Summary report for a task with the given number of classes,
// with ordered classes or not, and with true scores or not:
//
//	every task:                 acc, top1
//	classes > 5:                top5
//	ordered:                    acc1off, emd2, mae, mae_exp, qwk, rps
//	ordered with scores:        spearman
//
// It panics if classes < 1 or if scored is set without ordered.
func MetricNames(classes int, ordered, scored bool) []string {
	if classes < 1 {
		panic(errClasses)
	}
	if scored && !ordered {
		panic(errScores)
	}
	var names []string
	for _, n := range allNames {
		switch n {
		case NameAcc, NameTop1:
		case NameTop5:
			if classes <= 5 {
				continue
			}
		case NameSpearman:
			if !scored {
				continue
			}
		default:
			if !ordered {
				continue
			}
		}
		names = append(names, n)
	}
	return names
}

// HigherIsBetter reports whether a larger value of the named metric is
// better, and whether the name is known. Errors (mae, mae_exp, rps, emd2)
// are lower-is-better; accuracies, κ and ρ are higher-is-better.
func HigherIsBetter(name string) (better, ok bool) {
	switch name {
	case NameAcc, NameAcc1Off, NameTop1, NameTop5, NameQWK, NameSpearman:
		return true, true
	case NameMAE, NameMAEExp, NameRPS, NameEMD2:
		return false, true
	}
	return false, false
}

// Summary maps metric names (NameAcc, …) to their values over a sample set.
// A metric that could not be computed from the data (empty set, non-finite
// probabilities, a degenerate κ or ρ) is present with value NaN; a metric
// that does not apply to the task is absent.
type Summary map[string]float64

// Names returns the names held by s, sorted.
func (s Summary) Names() []string { return slices.Sorted(maps.Keys(s)) }

// Evaluate computes every applicable metric (see MetricNames) of predicted
// class probabilities against labels: probs has one row of length classes
// per sample, labels the true class indices, and scores, if not nil, the
// true continuous score of each sample (for Spearman's ρ; it needs ordered
// classes). It is Accumulator.Summary after adding every sample in order.
//
// It panics if len(labels) != len(probs), if scores is neither nil nor of
// the same length, if a row's length is not classes, if a label is outside
// [0, classes), if classes < 1, or if scores are given with ordered false.
// The inputs are not modified.
func Evaluate(probs [][]float64, labels []int, classes int, ordered bool, scores []float64) Summary {
	a := NewAccumulator(classes, ordered, scores != nil)
	a.AddBatch(probs, labels, scores)
	return a.Summary()
}
